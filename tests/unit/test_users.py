"""Local users, password hashes, sharing, the access rule, and flag reviews, on the real store."""

import io

import pytest

from meetings import audit
from meetings.access import can_share, can_view, visible
from meetings.records import Consent, Flag, Meeting, Participant, User, now_iso, review_key
from meetings.store import DB_NAME, MeetingError, Store
from medlyt.cli import main

PASSWORD = "en-lang-adgangskode"


def meeting_of(store: Store, caseworker: str, recorded_by: str | None = None) -> Meeting:
    consent = Consent(True, "verbal", now_iso())
    return store.create_meeting("Samtale", [Participant("sagsbehandler", "Sagsbehandler", consent=consent,
                                                        user=caseworker),
                                            Participant("borger", "Borger", consent=consent)], recorded_by)


def test_passwords_are_stored_only_as_argon2_hashes(medlyt_home):
    with Store(medlyt_home) as store:
        store.add_user("anne", "sagsbehandler", PASSWORD)
        assert store.authenticate("anne", PASSWORD) == User("anne", "sagsbehandler", store.users()[0].created_at)
        assert store.authenticate("anne", PASSWORD + "x") is None
        assert store.authenticate("ukendt", PASSWORD) is None
        store.set_password("anne", "en-anden-adgangskode")
        assert store.authenticate("anne", PASSWORD) is None
        assert store.authenticate("anne", "en-anden-adgangskode") is not None
    raw = b"".join(p.read_bytes() for p in medlyt_home.glob(f"{DB_NAME}*"))
    assert PASSWORD.encode() not in raw and b"en-anden-adgangskode" not in raw
    assert b"$argon2id$" in raw


def test_bad_users_are_refused(medlyt_home):
    with Store(medlyt_home) as store:
        store.add_user("anne", "sagsbehandler", PASSWORD)
        with pytest.raises(MeetingError, match="findes allerede"):
            store.add_user("anne", "leder", PASSWORD)
        with pytest.raises(MeetingError, match="brugerrolle"):
            store.add_user("bo", "borger", PASSWORD)
        with pytest.raises(MeetingError, match="mindst 8 tegn"):
            store.add_user("bo", "leder", "kort")
        with pytest.raises(MeetingError, match="ét ord"):
            store.add_user("bo bo", "leder", PASSWORD)
        with pytest.raises(MeetingError, match="ingen bruger"):
            store.remove_user("bo")
        store.remove_user("anne")
        assert store.users() == []


def test_sharing_goes_only_to_leaders_and_is_logged(medlyt_home):
    with Store(medlyt_home) as store:
        store.add_user("anne", "sagsbehandler", PASSWORD)
        store.add_user("lis", "leder", PASSWORD)
        meeting = meeting_of(store, "anne")
        with pytest.raises(MeetingError, match="rollen leder"):
            store.share(meeting.id, "anne")
        assert store.share(meeting.id, "lis", by="anne").shared_with == ("lis",)
        assert store.unshare(meeting.id, "lis", by="anne").shared_with == ()
        actions = [(e.action, e.user) for e in store.audit_entries(meeting.id)]
        assert (audit.SHARED, "anne") in actions and (audit.UNSHARED, "anne") in actions
        # Removing a leader removes what was shared with them.
        store.share(meeting.id, "lis")
        store.remove_user("lis")
        assert store.get_meeting(meeting.id).shared_with == ()


def test_the_access_rule_for_every_role():
    meeting = Meeting("m1", "Samtale", "", [Participant("sagsbehandler", "Sagsbehandler", user="anne")],
                      recorded_by="olga", shared_with=("lis",))
    allowed = {name for name, role in [("anne", "sagsbehandler"), ("bo", "sagsbehandler"), ("lis", "leder"),
                                       ("kim", "leder"), ("olga", "observatør"), ("ole", "observatør"),
                                       ("root", "admin")]
               if can_view(User(name, role), meeting)}
    assert allowed == {"anne", "lis", "olga", "root"}
    assert visible(User("bo", "sagsbehandler"), [meeting]) == []
    assert can_share(User("anne", "sagsbehandler"), meeting) and not can_share(User("lis", "leder"), meeting)
    assert not can_view(User("x", "ukendt"), meeting)
    # A meeting without a caseworker user is visible to no caseworker.
    assert not can_view(User("anne", "sagsbehandler"), Meeting("m2", "t", ""))


def test_a_review_follows_its_flag_and_goes_with_withdrawal(medlyt_home):
    with Store(medlyt_home) as store:
        meeting = meeting_of(store, "anne")
        flag = Flag("long_monologue", 102.0314, 177.6, "S1", "…")
        store.review_flag(meeting.id, flag, "drøftet", " god snak ", by="lis")
        review = store.reviews(meeting.id)[review_key(Flag("long_monologue", 102.031, 180.0, "S1", "andet"))]
        assert (review.status, review.note, review.by) == ("drøftet", "god snak", "lis")
        with pytest.raises(MeetingError, match="Ukendt status"):
            store.review_flag(meeting.id, flag, "måske")
        store.withdraw(meeting.id)
    raw = b"".join(p.read_bytes() for p in medlyt_home.glob(f"{DB_NAME}*"))
    assert b"god snak" not in raw


def test_user_commands(medlyt_home, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["user", "add", "anne", "--role", "sagsbehandler", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["user", "add", "lis", "--role", "leder", "--password-stdin"]) == 0
    assert main(["user", "list"]) == 0
    out = capsys.readouterr().out
    assert "anne" in out and "Leder" in out and PASSWORD not in out
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["user", "add", "bo", "--role", "leder"]) == 2  # no terminal and no --password-stdin
    assert "--password-stdin" in capsys.readouterr().err
    assert main(["meeting", "new", "--title", "T", "--participants", "sagsbehandler,borger", "--caseworker",
                 "anne", "--consent-all", "--observer", "ukendt"]) == 2
    assert "ingen bruger 'ukendt'" in capsys.readouterr().err
    assert main(["meeting", "new", "--title", "T", "--participants", "sagsbehandler,borger", "--caseworker",
                 "anne", "--consent-all"]) == 0
    meeting_id = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["meeting", "share", meeting_id, "--with", "lis"]) == 0
    assert "delt med: lis" in capsys.readouterr().out
    assert main(["user", "remove", "lis"]) == 0
    with Store(medlyt_home) as store:
        assert [u.name for u in store.users()] == ["anne"]


def test_cli_exports_views_and_corrections_are_audited_with_the_user(medlyt_home, capsys):
    from feedback.analysis import analyser
    from meetings.corrections import anchor_of
    from meetings.records import Correction, Segment, Speaker

    with Store(medlyt_home) as store:
        meeting = meeting_of(store, "anne")
        segments = [Segment(0.0, 2.0, "Hej", speaker="S1"), Segment(2.5, 4.0, "Hej hej", speaker="S2")]
        store.save_transcript(meeting.id, segments, "base", [Speaker("S1", "Taler 1"), Speaker("S2", "Taler 2")],
                              analyser())
        store.correct(meeting.id, Correction("rename", anchor=anchor_of(segments, "S1"), label="Sagsbehandler",
                                             role="sagsbehandler"), analyser(), by="anne")
    assert main(["export", meeting.id, "--format", "txt"]) == 0
    assert main(["show", meeting.id]) == 0
    capsys.readouterr()
    with Store(medlyt_home) as store:
        entries = {e.action: e for e in store.audit_entries(meeting.id)}
    assert entries[audit.SPEAKERS_CORRECTED].user == "anne"
    assert entries[audit.EXPORTED].user.startswith("cli") and entries[audit.EXPORTED].detail == "format=txt"
    assert entries[audit.VIEWED].user.startswith("cli")
