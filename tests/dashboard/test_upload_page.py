"""Lyd ind in AppTest: which meetings wait for sound, for whom, and what stands in the way (the
upload itself runs over HTTP in a real browser: tests/browser/test_meeting_setup_browser.py)."""

import contextlib

import pytest

from dashboard import sessions
from dashboard.auth import TOKEN_KEY
from meetings.errors import MeetingWithdrawn
from meetings.records import Consent, Participant, now_iso
from meetings.store import Store
from tests.dashboard.conftest import logged_in, shown_text

UPLOAD = "views/upload.py"


@pytest.fixture
def waiting(dashboard_home):
    """Two of Anne's meetings set up by Olga, without sound: one with everyone's consent, one
    still waiting for the citizen's."""
    consent = Consent(True, "verbal", now_iso())
    with Store(dashboard_home.home) as store:
        ready = store.create_meeting("Klar til lyd", [
            Participant("sagsbehandler", "Sagsbehandler", consent=consent, user="anne"),
            Participant("borger", "Borger", consent=consent)], recorded_by="olga")
        blocked = store.create_meeting("Mangler samtykke", [
            Participant("sagsbehandler", "Sagsbehandler", consent=consent, user="anne"),
            Participant("borger", "Borger")], recorded_by="olga")
    yield ready.id, blocked.id
    with Store(dashboard_home.home) as store:
        for meeting_id in (ready.id, blocked.id):
            with contextlib.suppress(MeetingWithdrawn):
                store.withdraw(meeting_id)


def upload_page(name: str, meeting_id: str | None = None):
    at = logged_in(name, **({"meeting": meeting_id} if meeting_id else {}))
    at.switch_page(UPLOAD).run()
    assert not at.exception, at.exception
    return at


def test_only_meetings_without_sound_and_only_for_the_two_who_were_there(dashboard_home, waiting):
    ready, blocked = waiting
    for name in ("anne", "olga"):
        offered = upload_page(name).selectbox(key="upload_meeting").options
        assert sorted(label.split(" · ")[1] for label in offered) == ["Klar til lyd", "Mangler samtykke"]
    for outsider in ("bo", "lis", "kim"):
        at = upload_page(outsider)
        assert not at.selectbox and "Ingen af dine møder venter på lyd" in shown_text(at)


def test_a_meeting_without_everyones_consent_offers_no_upload(dashboard_home, waiting):
    ready, blocked = waiting
    before = len(sessions._uploads)
    at = upload_page("olga", blocked)
    assert at.selectbox(key="upload_meeting").value == blocked
    assert "Samtykke mangler fra borger" in shown_text(at)
    assert len(sessions._uploads) == before  # no address to send sound to was made


def test_a_meeting_ready_for_sound_gets_an_address_for_this_login_only(dashboard_home, waiting):
    ready, _ = waiting
    at = upload_page("olga", ready)
    assert "Samtykke mangler" not in shown_text(at)
    ticket = next(reversed(sessions._uploads))
    status, _why, user, meeting_id = sessions.uploader(ticket, cookie=None)  # the tab holds the token here
    assert (status, user.name, meeting_id) == (200, "olga", ready)
    with Store(dashboard_home.home) as store:
        store.withdraw(ready)
    assert sessions.uploader(ticket, cookie=None)[0] == 404  # withdrawn since: the address takes nothing


def test_after_the_upload_the_meeting_is_transcribed_from_the_page_and_its_state_follows(
        dashboard_home, waiting, danish_dir):
    """The button queues the job once and starts the real local worker. This data directory has
    no Whisper model, so the job fails, and the page says why in Danish and offers a new try (the
    worker doing a job to the end: tests/integration/test_jobs.py and the browser test)."""
    import time

    from capture.source import import_audio
    from dashboard.processing import state_text

    ready, _ = waiting
    with Store(dashboard_home.home) as store:
        store.attach_audio(ready, lambda dest: import_audio(danish_dir / "ap_dan.wav", dest), by="olga")
    at = upload_page("olga", ready)
    at.query_params["gemt"] = "1"
    at.run()
    assert "er gemt og krypteret (0 min. 37 s)" in shown_text(at)
    assert "Næste skridt: mødet transskriberes" in shown_text(at)
    at.button(key=f"process_{ready}").click().run()
    assert not at.exception
    with Store(dashboard_home.home) as store:
        job = store.latest_job(ready)
        assert (job.state, job.queued_by) == ("queued", "olga")
        assert not [b for b in at.button if b.key == f"process_{ready}"]  # nothing to click twice meanwhile
        deadline = time.monotonic() + 90
        while store.job(job.id).state in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.5)
        failed = store.job(job.id)
    assert failed.state == "failed" and "Modellen 'base' er ikke installeret" in failed.message
    at.run()
    assert f"Behandlingen fejlede: {failed.message}" in [e.value for e in at.error]
    assert at.button(key=f"process_{ready}").label == "Prøv behandlingen igen"
    running = job.__class__(**{**job.__dict__, "state": "running", "progress": 0.43})
    assert state_text(running) == "Behandles: 43 % færdig."


def test_sound_sent_for_a_meeting_without_consent_is_refused_with_one_danish_line(dashboard_home, waiting):
    """The page makes no address before consent; one made anyway (an old tab, a hand-made
    request) is refused by the server before a byte is kept."""
    _, blocked = waiting
    at = upload_page("olga", blocked)
    ticket = sessions.upload_ticket(at.session_state[TOKEN_KEY], blocked, by_cookie=False)
    status, why, user, meeting_id = sessions.uploader(ticket, cookie=None)
    assert (status, user, meeting_id) == (409, None, None)
    assert why == "Samtykke mangler fra borger: der kan ikke uploades lyd, før det er givet."
    with Store(dashboard_home.home) as store:
        assert store.get_meeting(blocked).audio is None


def test_a_mono_recording_for_a_meeting_with_a_microphone_each_is_said_when_it_is_stored(dashboard_home, danish_dir):
    from capture.source import import_audio
    from feedback.labels import channels_note

    consent = Consent(True, "verbal", now_iso())
    with Store(dashboard_home.home) as store:
        meeting = store.create_meeting("Reversmikrofoner", [
            Participant("sagsbehandler", "Sagsbehandler", consent=consent, user="anne", channel=1),
            Participant("borger", "Borger", consent=consent, channel=2)], recorded_by="olga")
        stored = store.attach_audio(meeting.id, lambda dest: import_audio(danish_dir / "u0042018.wav", dest), by="olga")
    try:
        at = upload_page("olga", meeting.id)
        at.query_params["gemt"] = "1"
        at.run()
        assert "er gemt og krypteret" in shown_text(at)
        assert [w.value for w in at.warning] == [channels_note(stored)]
        assert "på stemmerne, ikke på kanalerne" in channels_note(stored)
    finally:
        with Store(dashboard_home.home) as store:
            store.withdraw(meeting.id)
