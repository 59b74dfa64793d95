"""Optag her on Lyd ind, in AppTest: the real recorder process (`medlyt record`) started from
the page, fed by a real Danish recording played at real-time pace through the same input a
microphone uses (capture.recorder.FileInput, as `medlyt record --simulate`); its level read from
the file it writes; stopped through the store as the Live page stops it. And what stands in the
way: no microphone, no consent, a broken input, a setting that turns it off."""

import contextlib
import os
import sys
import time

import pytest

from capture.recorder import NO_MICROPHONE, SIMULATED_MICROPHONE_ENV, too_few_channels
from dashboard import recorder
from meetings import audit
from meetings.errors import MeetingWithdrawn
from meetings.records import Consent, Participant, now_iso
from meetings.store import Store
from tests.conftest import SHARED_DATA
from tests.dashboard.conftest import logged_in, shown_text

UPLOAD = "views/upload.py"
SPEECH = "ap_dan.wav"  # 37 s of Danish: long enough to watch the level and stop it midway


@pytest.fixture
def waiting(dashboard_home):
    """Anne's meeting set up by Olga with everyone's consent, and one without the citizen's."""
    consent = Consent(True, "verbal", now_iso())
    with Store(dashboard_home.home) as store:
        ready = store.create_meeting("Optages her", [
            Participant("sagsbehandler", "Sagsbehandler", consent=consent, user="anne"),
            Participant("borger", "Borger", consent=consent)], recorded_by="olga")
        blocked = store.create_meeting("Uden samtykke", [
            Participant("sagsbehandler", "Sagsbehandler", consent=consent, user="anne"),
            Participant("borger", "Borger")], recorded_by="olga")
    yield ready.id, blocked.id
    for meeting_id in (ready.id, blocked.id):
        if recorder.running(meeting_id):
            recorder._started[meeting_id].kill()
            recorder._started[meeting_id].wait()
        recorder.forget(meeting_id)
        with Store(dashboard_home.home) as store, contextlib.suppress(MeetingWithdrawn):
            store.withdraw(meeting_id)


def upload_page(meeting_id: str):
    at = logged_in("olga", meeting=meeting_id)
    at.switch_page(UPLOAD).run()
    assert not at.exception, at.exception
    return at


def nothing_stored(home, meeting_id: str) -> None:
    with Store(home) as store:
        assert store.get_meeting(meeting_id).audio is None
        assert meeting_id not in store.recording_now() and meeting_id not in store.unfinished_recordings()
        assert not [e for e in store.audit_entries(meeting_id) if e.action == audit.RECORDING_STARTED]


def test_without_a_microphone_the_page_says_so_in_one_line_and_the_upload_remains(dashboard_home, waiting,
                                                                                 monkeypatch):
    ready, _ = waiting
    monkeypatch.delenv(SIMULATED_MICROPHONE_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # no sound system: as on this test machine
    at = upload_page(ready)
    assert [i.value for i in at.info] == [NO_MICROPHONE]
    assert not at.error and not [b for b in at.button if b.key == "record_start"]
    assert "Lydfil" in str(at.get("iframe")[0].proto)  # the upload widget is still there
    nothing_stored(dashboard_home.home, ready)


def test_no_recording_before_consent(dashboard_home, waiting, monkeypatch, danish_dir):
    _, blocked = waiting
    monkeypatch.setenv(SIMULATED_MICROPHONE_ENV, str(danish_dir / SPEECH))
    at = upload_page(blocked)
    assert "Samtykke mangler fra borger. Der kan ikke uploades eller optages lyd" in shown_text(at)
    assert at.selectbox(key="upload_meeting").value == blocked
    assert "Mikrofon" not in [s.label for s in at.selectbox]
    assert not [b for b in at.button if b.key == "record_start"]
    nothing_stored(dashboard_home.home, blocked)


def test_recording_here_can_be_turned_off_and_is_not_offered_through_a_proxy(dashboard_home, waiting, monkeypatch,
                                                                            danish_dir):
    ready, _ = waiting
    monkeypatch.setenv(SIMULATED_MICROPHONE_ENV, str(danish_dir / SPEECH))
    assert [h.value for h in upload_page(ready).subheader] == ["Eller optag her"]
    monkeypatch.setenv(recorder.RECORD_HERE_ENV, "0")
    at = upload_page(ready)
    assert not at.subheader and at.selectbox(key="upload_meeting").value == ready
    monkeypatch.delenv(recorder.RECORD_HERE_ENV)
    assert not recorder.offered(None, {"X-Forwarded-For": "10.0.0.7"})  # a central server behind a proxy
    assert not recorder.offered("10.0.0.7", {})  # a browser on another machine
    assert recorder.offered(None, {})


def wait_for(at, text: str, timeout_s: float = 30.0):
    deadline = time.monotonic() + timeout_s
    while text not in shown_text(at) + " ".join(p.proto.text for p in at.get("progress")):
        assert time.monotonic() < deadline, f"{text!r} never shown; the page says: {shown_text(at)}"
        time.sleep(0.3)
        at.run()
        assert not at.exception, at.exception
    return at


def test_a_recording_started_here_runs_as_its_own_process_shows_its_level_and_stops_from_live(
        dashboard_home, waiting, monkeypatch, danish_dir):
    ready, _ = waiting
    monkeypatch.setenv(SIMULATED_MICROPHONE_ENV, str(danish_dir / SPEECH))
    at = upload_page(ready)
    assert at.selectbox(key="record_device").options == [f"Simuleret mikrofon ({SPEECH})"]
    at.button(key="record_start").click().run()
    process = recorder._started[ready]
    assert process.pid != os.getpid() and process.poll() is None  # its own process, not inside Streamlit
    wait_for(at, "lydniveau")
    levels = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and max(levels, default=0) < 30:
        (meter,) = at.get("progress")
        levels.append(meter.proto.value)
        time.sleep(0.3)
        at.run()
    assert 30 < max(levels) <= 100, levels  # speech, not silence: the level reaches the page
    assert "Følg og stop optagelsen på Live" in str([link.proto for link in at.get("page_link")])
    with Store(dashboard_home.home) as store:
        assert ready in store.recording_now()
        store.request_stop(ready, by="olga")  # what the Live page's stop button does
    assert process.wait(timeout=30) == 0
    # The page's watch sees it stored and draws the page anew with ?gemt=1 (AppTest does not
    # carry that over: the browser does, tests/browser); the stored recording is said, and what next.
    at.run()
    at.query_params["gemt"] = "1"
    at.run()
    assert "er gemt og krypteret" in shown_text(at) and at.button(key=f"process_{ready}")
    with Store(dashboard_home.home) as store:
        meeting = store.get_meeting(ready)
        started = [e.user for e in store.audit_entries(ready) if e.action == audit.RECORDING_STARTED]
    assert meeting.status == "recorded" and 1.0 < meeting.audio.duration_s < 30.0
    assert started == ["olga"]
    # The meter's file goes with the recorder, its error output once the page has seen it stored.
    assert not list(recorder.folder(dashboard_home.home).glob(f"{ready}.*"))


def test_an_input_that_is_not_sound_gets_one_danish_line_and_nothing_is_stored(dashboard_home, waiting,
                                                                              monkeypatch, tmp_path):
    ready, _ = waiting
    not_sound = tmp_path / "noter.wav"
    not_sound.write_text("Dette er ikke lyd.\n" * 50)
    monkeypatch.setenv(SIMULATED_MICROPHONE_ENV, str(not_sound))
    at = upload_page(ready)
    at.button(key="record_start").click().run()
    assert recorder._started[ready].wait(timeout=60) != 0
    wait_for(at, "Optageren stoppede med en fejl")
    (error,) = at.error
    assert error.value.startswith("Optageren stoppede med en fejl: Kan ikke læse") and "\n" not in error.value
    assert "Traceback" not in shown_text(at)
    nothing_stored(dashboard_home.home, ready)
    at.button(key="record_again").click().run()
    assert not at.error and at.button(key="record_start")


def test_the_microphone_check_shows_its_level_keeps_nothing_and_gives_way_to_the_recording(
        dashboard_home, waiting, monkeypatch, danish_dir):
    ready, _ = waiting
    monkeypatch.setenv(SIMULATED_MICROPHONE_ENV, str(danish_dir / SPEECH))
    at = upload_page(ready)
    at.button(key="record_check").click().run()
    key = recorder.check_key(ready)
    check = recorder._started[key]
    wait_for(at, "Prøve · lydniveau")
    nothing_stored(dashboard_home.home, ready)  # listening is not recording: no audio, no audit entry
    assert check.wait(timeout=recorder.CHECK_S + 20) == 0  # it ends by itself
    at.run()
    assert not at.get("progress") and not at.error and at.button(key="record_start")  # ready to start
    nothing_stored(dashboard_home.home, ready)
    assert not list(recorder.folder(dashboard_home.home).glob(f"{key}.*"))

    at.button(key="record_check").click().run()  # again, and start while it listens
    check = recorder._started[key]
    wait_for(at, "Prøve · lydniveau")
    at.button(key="record_start").click().run()
    assert check.poll() == 0 and key not in recorder._started  # the microphone is the recording's now
    wait_for(at, "Optager ·")
    with Store(dashboard_home.home) as store:
        store.request_stop(ready, by="olga")
    assert recorder._started[ready].wait(timeout=30) == 0
    with Store(dashboard_home.home) as store:
        assert store.get_meeting(ready).status == "recorded"


def test_a_meeting_with_a_microphone_each_needs_an_input_with_a_channel_each(dashboard_home, monkeypatch, danish_dir):
    """Set up with a microphone for each speaker: a mono input is refused before it starts, in
    one Danish line; one with a channel each records them all, and the speakers are then told
    apart by channel."""
    consent = Consent(True, "verbal", now_iso())
    with Store(dashboard_home.home) as store:
        meeting = store.create_meeting("En mikrofon hver", [
            Participant("sagsbehandler", "Sagsbehandler", consent=consent, user="anne", channel=1),
            Participant("borger", "Borger", consent=consent, channel=2)], recorded_by="olga")
    try:
        monkeypatch.setenv(SIMULATED_MICROPHONE_ENV, str(danish_dir / SPEECH))  # mono
        at = upload_page(meeting.id)
        assert [w.value for w in at.warning] == [too_few_channels(2, 1)]
        assert at.button(key="record_start").disabled and at.button(key="record_check").disabled
        assert "kanal 1 sagsbehandler, kanal 2 borger" in shown_text(at)
        nothing_stored(dashboard_home.home, meeting.id)

        stereo = SHARED_DATA / "diarization" / "stereo_diarization.wav"  # one speaker on each channel, 5 s
        monkeypatch.setenv(SIMULATED_MICROPHONE_ENV, str(stereo))
        at = upload_page(meeting.id)
        assert not at.warning and not at.button(key="record_start").disabled
        at.button(key="record_start").click().run()
        assert recorder._started[meeting.id].wait(timeout=60) == 0  # the file ends: the recording stops
        with Store(dashboard_home.home) as store:
            recorded = store.get_meeting(meeting.id)
        assert recorded.audio.channels == 2 and recorded.microphone_each
    finally:
        if recorder.running(meeting.id):
            recorder._started[meeting.id].kill()
        recorder.forget(meeting.id)
        with Store(dashboard_home.home) as store:
            store.withdraw(meeting.id)
