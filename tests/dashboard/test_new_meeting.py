"""Nyt møde and Samtykke: a meeting set up with its participants' consent in a few clicks, the
declaration to read aloud or print, consent registered later, and withdrawal that deletes, with
who may do what for whom."""

import contextlib

import pytest

from dashboard.consent_text import consent_state
from meetings import audit
from meetings.errors import ConsentError, MeetingWithdrawn
from meetings.store import Store
from tests.dashboard.conftest import logged_in, shown_text

NEW = "views/new_meeting.py"
CONSENT = "views/consent.py"


def new_meeting_page(name: str):
    at = logged_in(name)
    at.switch_page(NEW).run()
    assert not at.exception, at.exception
    return at


def created_ids(home) -> set[str]:
    with Store(home) as store:
        return {m.id for m in store.list_meetings()}


@pytest.fixture
def cleanup(dashboard_home):
    """Meetings a test creates are withdrawn afterwards, so the shared data stays as it was."""
    before = created_ids(dashboard_home.home)
    yield
    with Store(dashboard_home.home) as store:
        for meeting_id in created_ids(dashboard_home.home) - before:
            store.withdraw(meeting_id)


def test_an_observer_sets_up_a_meeting_with_everyones_consent(dashboard_home, cleanup):
    at = new_meeting_page("olga")
    assert at.selectbox(key="new_partner").options == ["olga"]  # she is the one who sits in
    assert set(at.selectbox(key="new_caseworker").options) == {"anne", "bo"}
    at.text_input(key="new_title").input("Opfølgningssamtale")
    at.selectbox(key="new_caseworker").select("anne")
    at.radio(key="new_consent_sagsbehandler").set_value("Ja, mundtligt")
    at.radio(key="new_consent_borger").set_value("Ja, skriftligt")
    at.button(key="new_create").click().run()
    assert not at.exception and not at.error
    meeting_id = at.session_state["new_created"]
    with Store(dashboard_home.home) as store:
        meeting = store.get_meeting(meeting_id)
        entries = store.audit_entries(meeting_id)
    assert (meeting.title, meeting.caseworker, meeting.recorded_by) == ("Opfølgningssamtale", "anne", "olga")
    assert {p.role: (p.consent.method if p.consent else None, p.speaks) for p in meeting.participants} == {
        "sagsbehandler": ("verbal", True), "borger": ("written", True), "observatør": (None, False)}
    assert not meeting.missing_consent
    consents = [e for e in entries if e.action == audit.CONSENT_GIVEN]
    assert len(consents) == 2 and {e.user for e in consents} == {"olga"}  # who registered it
    text = shown_text(at)
    assert "Mødet er oprettet" in text and "Næste skridt" in text
    assert "medlyt " not in text.lower().replace("medlyts optager", "")  # no command for a user to run


def test_without_the_citizens_consent_the_meeting_says_so_and_cannot_be_recorded(dashboard_home, cleanup, danish_dir):
    at = new_meeting_page("lis")
    at.text_input(key="new_title").input("Samtale uden samtykke endnu")
    at.radio(key="new_consent_sagsbehandler").set_value("Ja, mundtligt")
    at.button(key="new_create").click().run()
    meeting_id = at.session_state["new_created"]
    assert "Samtykke mangler fra borger" in shown_text(at)
    from capture.source import import_audio

    with Store(dashboard_home.home) as store, pytest.raises(ConsentError):
        store.attach_audio(meeting_id, lambda dest: import_audio(danish_dir / "ap_dan.wav", dest))


def test_a_caseworker_sets_up_only_her_own_meeting(dashboard_home):
    at = new_meeting_page("bo")
    assert at.selectbox(key="new_caseworker").options == ["bo"]
    assert set(at.selectbox(key="new_partner").options) == {"lis", "kim", "olga"}


def test_a_meeting_without_a_title_is_refused_and_nothing_is_kept(dashboard_home):
    before = created_ids(dashboard_home.home)
    at = new_meeting_page("olga")
    at.button(key="new_create").click().run()
    assert [e.value for e in at.error] == ["Mødet skal have en titel."]
    assert created_ids(dashboard_home.home) == before


def test_a_companion_is_asked_for_consent_too(dashboard_home):
    at = new_meeting_page("olga")
    at.checkbox(key="new_with_companion").check().run()
    assert [r.key for r in at.radio if r.key.startswith("new_consent")] == [
        "new_consent_sagsbehandler", "new_consent_borger", "new_consent_bisidder"]
    at.radio(key="new_microphones").set_value("En mikrofon til hver, der taler").run()  # ... and a microphone
    assert [n.value for n in at.number_input] == [1, 2, 3]


def test_the_declaration_says_what_who_when_and_how_to_withdraw(dashboard_home, monkeypatch, downloads):
    monkeypatch.setenv("MEDLYT_ORG_NAME", "Jobcenter Aarhus")
    monkeypatch.setenv("MEDLYT_ORG_CONTACT", "jobcentret på 89 40 00 00")
    at = new_meeting_page("olga")
    with Store(dashboard_home.home) as store:
        days = store.retention_days()
    text = shown_text(at)
    for expected in ("Jobcenter Aarhus vil gerne optage samtalen", "Hvem ser det", f"efter {days} dage",
                     "trække dit samtykke tilbage", "jobcentret på 89 40 00 00", "frivilligt"):
        assert expected in text
    printable = downloads(at.get("download_button")[0]).content.decode()
    assert '<html lang="da">' in printable and "Dato og underskrift" in printable
    assert "Jobcenter Aarhus" in printable


def consent_page(name: str, meeting_id: str | None = None):
    at = logged_in(name, **({"meeting": meeting_id} if meeting_id else {}))
    at.switch_page(CONSENT).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def waiting_meeting(dashboard_home):
    """Anne's meeting, set up by Olga, still waiting for the citizen's consent."""
    from meetings.records import Consent, Participant, now_iso

    with Store(dashboard_home.home) as store:
        meeting = store.create_meeting("Venter på samtykke", [
            Participant("sagsbehandler", "Sagsbehandler", consent=Consent(True, "verbal", now_iso()), user="anne"),
            Participant("borger", "Borger"),
        ], recorded_by="olga", by="olga")
    yield meeting.id
    with Store(dashboard_home.home) as store, contextlib.suppress(MeetingWithdrawn):  # a test may have
        store.withdraw(meeting.id)


def test_consent_that_comes_later_is_registered_in_the_users_name(dashboard_home, waiting_meeting):
    at = consent_page("anne", waiting_meeting)
    assert at.selectbox(key="consent_meeting").value == waiting_meeting
    assert list(at.dataframe[0].value["Samtykke"])[1] == "Mangler"
    at.radio(key="consent_method").set_value("written")
    at.button(key="consent_register").click().run()
    assert not at.exception and not at.error
    # Said, and the way onward: the page is drawn again with the consent, so the message must outlive that.
    assert [s.value for s in at.success] == ["Samtykke registreret for borger (skriftligt)."]
    assert list(at.dataframe[0].value["Samtykke"])[1] != "Mangler"
    assert "Næste skridt: upload optagelsen" in at.info[0].value
    assert [link.label for link in at.get("page_link")] == ["Gå til Lyd ind"]
    with Store(dashboard_home.home) as store:
        meeting = store.get_meeting(waiting_meeting)
        entry = [e for e in store.audit_entries(waiting_meeting) if e.action == audit.CONSENT_GIVEN][-1]
    assert not meeting.missing_consent and entry.user == "anne" and "method=written" in entry.detail


def test_withdrawal_asks_first_then_deletes_the_meeting_as_the_command_does(dashboard_home, waiting_meeting):
    at = consent_page("olga", waiting_meeting)
    assert at.button(key="withdraw_go").disabled
    at.checkbox(key="withdraw_sure").check().run()
    at.button(key="withdraw_go").click().run()
    assert not at.exception
    assert "mødet er slettet" in shown_text(at)
    with Store(dashboard_home.home) as store:
        with pytest.raises(MeetingWithdrawn):
            store.get_meeting(waiting_meeting)
        last = store.audit_entries(waiting_meeting)[-1]
    assert (last.action, last.detail, last.user) == (audit.WITHDRAWN, "consent_withdrawn:sagsbehandler", "olga")


def test_only_the_two_who_were_there_handle_a_meetings_consent(dashboard_home, waiting_meeting):
    for outsider in ("bo", "kim", "lis"):  # lis is a leader, but this meeting is not shared with her
        at = consent_page(outsider, waiting_meeting)
        assert waiting_meeting not in (at.selectbox(key="consent_meeting").options if at.selectbox else [])
    nobody = consent_page("kim")
    assert "Opret et under" in shown_text(nobody)


def test_consent_is_described_in_danish():
    from meetings.records import Consent, Participant

    assert consent_state(Participant("observatør", "Observatør", speaks=False)) == "Ikke nødvendigt (taler ikke)"
    assert consent_state(Participant("borger", "Borger")) == "Mangler"
    given = consent_state(Participant("borger", "Borger", consent=Consent(True, "written", "2026-12-05T09:30:00+00:00")))
    assert given.startswith("Givet skriftligt 05.12.2026 kl.")


def test_a_created_meeting_empties_the_form_so_a_second_click_makes_no_second_meeting(dashboard_home, cleanup):
    at = new_meeting_page("olga")
    at.text_input(key="new_title").input("Kun én gang")
    at.radio(key="new_consent_borger").set_value("Ja, mundtligt")
    at.button(key="new_create").click().run()
    before = created_ids(dashboard_home.home)
    assert at.text_input(key="new_title").value == "" and at.radio(key="new_consent_borger").value == "Ikke endnu"
    at.button(key="new_create").click().run()
    assert [e.value for e in at.error] == ["Mødet skal have en titel."]
    assert created_ids(dashboard_home.home) == before


def test_with_a_microphone_each_every_speaker_gets_a_channel_of_their_own(dashboard_home, cleanup):
    """The one way to a balance that needs no note: each speaker on a channel of their own,
    chosen where the meeting is set up; two on one channel is refused and nothing is kept."""
    at = new_meeting_page("olga")
    assert at.radio(key="new_microphones").value == "Én mikrofon til alle" and not at.number_input
    at.text_input(key="new_title").input("Med reversmikrofoner")
    at.radio(key="new_microphones").set_value("En mikrofon til hver, der taler").run()
    assert [(n.label, n.value) for n in at.number_input] == [("Kanal for sagsbehandler", 1), ("Kanal for borger", 2)]
    at.number_input(key="new_channel_borger").set_value(1)
    before = created_ids(dashboard_home.home)
    at.button(key="new_create").click().run()
    assert [e.value for e in at.error] == [
        "To, der taler, har samme kanal (1). Med en mikrofon til hver skal hver have sin egen kanal."]
    assert created_ids(dashboard_home.home) == before
    at.number_input(key="new_channel_sagsbehandler").set_value(2)
    at.radio(key="new_consent_sagsbehandler").set_value("Ja, mundtligt")
    at.radio(key="new_consent_borger").set_value("Ja, mundtligt")
    at.button(key="new_create").click().run()
    assert not at.exception and not at.error
    with Store(dashboard_home.home) as store:
        meeting = store.get_meeting(at.session_state["new_created"])
    assert {p.role: p.channel for p in meeting.participants} == {"sagsbehandler": 2, "borger": 1, "observatør": None}
    assert meeting.channels_wanted == 2
    assert "Optag med 2 kanaler: kanal 1 borger, kanal 2 sagsbehandler." in [c.value for c in at.caption]
    assert at.radio(key="new_microphones").value == "Én mikrofon til alle"  # the form is empty again
