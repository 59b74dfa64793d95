"""Recording without a sound card: real speech played at real-time pace through the same
interface a microphone uses, written crash-safely, and recovered after SIGKILL."""

import os
import signal
import subprocess
import sys
import threading
import time
import wave

import numpy as np
import pytest

from capture.recorder import FileInput, MicrophoneInput, RecorderError
from meetings.records import Consent, Participant, now_iso
from meetings.store import MeetingError, Store
from medlyt.cli import main
from medlyt.recording import record, recover_unfinished
from tests.conftest import SHARED_DATA
from tests.consented import consented_meeting

SHORT = "u0042012.wav"  # 8 s of read Danish
LONG = "ap_dan.wav"  # 37 s


def samples(path) -> np.ndarray:
    with wave.open(str(path), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")


def stored_samples(store: Store, meeting_id: str) -> np.ndarray:
    with store.audio_file(meeting_id) as wav:
        return samples(wav)


def test_the_stored_recording_equals_the_input_sample_for_sample(medlyt_home, danish_dir):
    source = danish_dir / SHORT
    with Store(medlyt_home) as store:
        meeting_id = consented_meeting(store, "Optaget samtale").id
        started = time.monotonic()
        meeting = record(store, meeting_id, FileInput(source))
        took = time.monotonic() - started
        stored = stored_samples(store, meeting_id)
        assert store.unfinished_recordings() == []
    expected = samples(source)
    assert np.array_equal(stored, expected)
    assert meeting.status == "recorded" and meeting.audio.duration_s == pytest.approx(len(expected) / 16000)
    assert took >= meeting.audio.duration_s - 0.2  # delivered at real-time pace, as a microphone would


def test_a_stop_request_ends_the_recording_cleanly_with_what_was_heard(medlyt_home, danish_dir):
    source = danish_dir / LONG
    stop = threading.Event()
    threading.Timer(2.0, stop.set).start()
    with Store(medlyt_home) as store:
        meeting = record(store, consented_meeting(store, "Optaget samtale").id, FileInput(source), stop=stop)
        stored = stored_samples(store, meeting.id)
    assert 1.5 < meeting.audio.duration_s < 3.5
    assert np.array_equal(stored, samples(source)[: len(stored)])


def test_sigkill_mid_recording_loses_at_most_about_a_second(medlyt_home, danish_dir):
    source = danish_dir / LONG
    with Store(medlyt_home) as store:
        meeting_id = consented_meeting(store, "Optaget samtale").id
        pcm = store.recording_path(meeting_id)
    recorder = subprocess.Popen([sys.executable, "-m", "medlyt.cli", "record", meeting_id, "--simulate", str(source)],
                                env={**os.environ, "MEDLYT_HOME": str(medlyt_home)},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not pcm.exists():
            assert time.monotonic() < deadline and recorder.poll() is None, "the recording never started"
            time.sleep(0.01)
        started = time.monotonic()
        time.sleep(6.0)
        recorder.send_signal(signal.SIGKILL)
        heard_s = time.monotonic() - started
        recorder.wait(timeout=10)
    finally:
        if recorder.poll() is None:
            recorder.kill()

    assert main(["meeting", "list"]) == 0  # the next start recovers it
    with Store(medlyt_home) as store:
        meeting = store.get_meeting(meeting_id)
        recovered = stored_samples(store, meeting_id)
        assert store.unfinished_recordings() == []
    assert meeting.status == "recorded"
    assert np.array_equal(recovered, samples(source)[: len(recovered)])
    lost_s = heard_s - len(recovered) / 16000
    print(f"\nSIGKILL after {heard_s:.2f} s: recovered {len(recovered) / 16000:.2f} s, lost {lost_s:.2f} s")
    assert lost_s <= 1.3  # fsync about once a second, plus the block being written


def test_a_recording_still_running_is_not_taken_over(medlyt_home):
    with Store(medlyt_home) as store:
        meeting_id = consented_meeting(store, "Optaget samtale").id
        writer = store.open_recording(meeting_id, 16000, 1)
        writer.write(np.zeros((1600, 1), np.int16))
        with pytest.raises(MeetingError, match="allerede optaget"):
            store.open_recording(meeting_id, 16000, 1)
        assert recover_unfinished(store) == []
        writer.close()
        assert recover_unfinished(store) == [(meeting_id, 0.1)]


def test_a_cut_off_recording_not_yet_saved_is_not_appended_to(medlyt_home):
    with Store(medlyt_home) as store:
        meeting_id = consented_meeting(store, "Optaget samtale").id
        writer = store.open_recording(meeting_id, 16000, 1)
        writer.write(np.ones((8000, 1), np.int16))
        writer.close()  # as if the disk filled up and recovery could not save it yet
        with pytest.raises(MeetingError, match="afbrudt optagelse, der ikke er gemt"):
            store.open_recording(meeting_id, 16000, 2)
        assert recover_unfinished(store) == [(meeting_id, 0.5)]
        assert store.get_meeting(meeting_id).audio.channels == 1


def test_a_crashed_recording_whose_consent_is_withdrawn_is_deleted_not_kept(medlyt_home):
    with Store(medlyt_home) as store:
        meeting_id = consented_meeting(store, "Optaget samtale").id
        writer = store.open_recording(meeting_id, 16000, 1)
        writer.write(np.ones((16000, 1), np.int16))
        writer.close()
        store.record_consent(meeting_id, "borger", False, "verbal")
        assert recover_unfinished(store) == []
        assert list(store.audio_dir.iterdir()) == []


def test_no_consent_no_recording_and_no_microphone_is_one_clear_line(medlyt_home, danish_dir, capsys):
    with Store(medlyt_home) as store:
        meeting = store.create_meeting("Uden samtykke", [Participant("sagsbehandler", "Sagsbehandler"),
                                                         Participant("borger", "Borger")])
    assert main(["record", meeting.id, "--simulate", str(danish_dir / SHORT)]) == 3
    assert "Samtykke mangler" in capsys.readouterr().err
    with Store(medlyt_home) as store:
        meeting_id = consented_meeting(store, "Optaget samtale").id
        assert list(store.audio_dir.iterdir()) == []
    try:
        MicrophoneInput()
        has_sound = True
    except RecorderError:
        has_sound = False
    if has_sound:  # a machine with a sound system: the refusal below cannot be provoked here
        return
    assert main(["record", meeting_id]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "PortAudio" in err and "Traceback" not in err


def test_a_meeting_with_a_microphone_each_is_recorded_with_a_channel_each_or_not_at_all(medlyt_home, danish_dir,
                                                                                       capsys):
    """`medlyt record` records as many channels as the meeting's microphones need; an input with
    fewer (here a mono file played as the microphone) is one Danish line and nothing is kept."""
    consent = Consent(True, "verbal", now_iso())
    with Store(medlyt_home) as store:
        meeting = store.create_meeting("En mikrofon hver", [
            Participant("sagsbehandler", "Sagsbehandler", consent=consent, channel=1),
            Participant("borger", "Borger", consent=consent, channel=2)])
    assert meeting.channels_wanted == 2
    assert main(["meeting", "list"]) == 0
    assert "(Sagsbehandler (kanal 1): samtykke, Borger (kanal 2): samtykke)" in capsys.readouterr().out
    assert main(["record", meeting.id, "--simulate", str(danish_dir / SHORT)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "en mikrofon til hver" in err and "kun 1 kanal" in err
    with Store(medlyt_home) as store:
        assert store.get_meeting(meeting.id).audio is None
        assert list(store.audio_dir.iterdir()) == [] and store.unfinished_recordings() == []
    stereo = SHARED_DATA / "diarization" / "stereo_diarization.wav"  # one speaker on each channel, 5 s
    assert main(["record", meeting.id, "--simulate", str(stereo)]) == 0
    with Store(medlyt_home) as store:
        recorded = store.get_meeting(meeting.id)
    assert recorded.audio.channels == 2 and recorded.microphone_each
