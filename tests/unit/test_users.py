"""Local users, password hashes, sharing, the access rule, and flag reviews, on the real store."""

import io

import pytest

from meetings import audit
from meetings.access import (
    ADMIN,
    ADMIN_READS_CONTENT_ENV,
    PARTNER,
    can_choose_moments,
    can_correct_speakers,
    can_follow_development,
    can_share,
    can_view,
    note_author,
    part_in,
    visible,
)
from meetings.records import Flag, Meeting, Participant, User, review_key
from meetings.store import DB_NAME, MeetingError, Store
from medlyt.cli import main
from tests.consented import consented_meeting

pytestmark = pytest.mark.usefixtures("backend")  # each test runs on SQLite and on PostgreSQL

PASSWORD = "en-lang-adgangskode"


@pytest.mark.sqlite_only("reads the SQLite file's bytes")
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
        meeting = consented_meeting(store, caseworker="anne")
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


USERS = {"anne": "sagsbehandler", "bo": "sagsbehandler", "lis": "leder", "kim": "leder", "olga": "observatør",
         "ole": "observatør", "root": "admin"}
# Anne's meeting, recorded by Olga (a colleague), shared with Lis; and one a leader (Kim) sat in on.
ANNES = Meeting("m1", "Samtale", "", [Participant("sagsbehandler", "Sagsbehandler", user="anne")],
                recorded_by="olga", shared_with=("lis",))
KIM_SAT_IN = Meeting("m2", "Samtale", "", [Participant("sagsbehandler", "Sagsbehandler", user="anne")],
                     recorded_by="kim")

# who: (view and sparring, share, choose moments, correct speakers, note) in ANNES
RULES = {
    "anne": (True, True, True, True, "sagsbehandler"),   # her own meeting
    "olga": (True, False, True, True, "kollega"),        # the colleague who sat in: her own note
    "lis": (True, False, False, False, "leder"),         # a leader it is shared with: reads, writes the leader's note
    "bo": (False, False, False, False, None),            # another caseworker
    "kim": (False, False, False, False, None),           # a leader nothing is shared with
    "ole": (False, False, False, False, None),           # another observer
    "root": (False, False, False, False, None),          # an administrator: no content by default
}


@pytest.mark.parametrize("name", RULES)
def test_the_access_rules_for_every_person(name, monkeypatch):
    monkeypatch.delenv(ADMIN_READS_CONTENT_ENV, raising=False)
    user = User(name, USERS[name])
    got = (can_view(user, ANNES), can_share(user, ANNES), can_choose_moments(user, ANNES),
           can_correct_speakers(user, ANNES), note_author(user, ANNES))
    assert got == RULES[name]
    assert visible(user, [ANNES]) == ([ANNES] if RULES[name][0] else [])


def test_a_leader_who_sat_in_takes_part_as_sparring_partner_and_writes_the_leaders_note():
    kim = User("kim", "leder")
    assert part_in(kim, KIM_SAT_IN) == PARTNER and can_view(kim, KIM_SAT_IN)
    assert can_choose_moments(kim, KIM_SAT_IN) and can_correct_speakers(kim, KIM_SAT_IN)
    assert note_author(kim, KIM_SAT_IN) == "leder" and not can_share(kim, KIM_SAT_IN)


def test_an_administrator_reads_content_only_where_the_organisation_says_so(monkeypatch):
    root = User("root", "admin")
    monkeypatch.setenv(ADMIN_READS_CONTENT_ENV, "1")
    assert can_view(root, ANNES) and part_in(root, ANNES) == ADMIN
    # Reading is all: an administrator still takes no part in the sparring.
    assert not (can_share(root, ANNES) or can_choose_moments(root, ANNES) or can_correct_speakers(root, ANNES))
    assert note_author(root, ANNES) is None
    assert can_follow_development(root, "anne", shared_with_user=False)
    monkeypatch.setenv(ADMIN_READS_CONTENT_ENV, "0")
    assert not can_view(root, ANNES) and not can_follow_development(root, "anne", shared_with_user=False)


def test_a_caseworkers_development_is_hers_and_the_leaders_she_shares_with(monkeypatch):
    monkeypatch.delenv(ADMIN_READS_CONTENT_ENV, raising=False)
    assert can_follow_development(User("anne", "sagsbehandler"), "anne", shared_with_user=False)
    assert can_follow_development(User("lis", "leder"), "anne", shared_with_user=True)
    assert not can_follow_development(User("kim", "leder"), "anne", shared_with_user=False)  # sat in, not shared
    assert not can_follow_development(User("olga", "observatør"), "anne", shared_with_user=False)
    assert not can_follow_development(User("bo", "sagsbehandler"), "anne", shared_with_user=False)


def test_a_meeting_without_a_caseworker_user_is_visible_to_no_caseworker():
    assert not can_view(User("anne", "sagsbehandler"), Meeting("m3", "t", ""))
    assert not can_view(User("x", "ukendt"), ANNES)


def test_a_review_follows_its_flag_and_goes_with_withdrawal(medlyt_home):
    with Store(medlyt_home) as store:
        meeting = consented_meeting(store, caseworker="anne")
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
        meeting = consented_meeting(store, caseworker="anne")
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
