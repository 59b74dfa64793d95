"""`medlyt record --live` for real: the recorder in its own process, real speech played at
real-time pace through the microphone interface, the real base model, and this test process
reading the store meanwhile, as the dashboard's Live page does."""

import os
import subprocess
import sys
import time
import wave

import numpy as np
from faster_whisper import decode_audio

from meetings.records import Consent, Participant, now_iso
from meetings.store import Store
from medlyt.cli import main
from tests.conftest import REPO

DIALOGUES = REPO / "tests" / "fixtures" / "dialogues"


def excerpt(flac, dest, seconds: float, stereo: bool) -> np.ndarray:
    """The first `seconds` of a dialogue as a 16-bit WAV, as a microphone would deliver it."""
    if stereo:
        left, right = decode_audio(str(flac), split_stereo=True)
        audio = np.stack([left, right], axis=1)
    else:
        audio = decode_audio(str(flac))[:, None]
    samples = (np.clip(audio[: int(seconds * 16000)], -1, 1) * 32767).astype("<i2")
    with wave.open(str(dest), "wb") as out:
        out.setnchannels(samples.shape[1])
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(samples.tobytes())
    return samples


def meeting(home, channels: bool) -> str:
    consent = Consent(True, "verbal", now_iso())
    people = [Participant("sagsbehandler", "Sagsbehandler", consent=consent, channel=1 if channels else None),
              Participant("borger", "Borger", consent=consent, channel=2 if channels else None)]
    with Store(home) as store:
        return store.create_meeting("Live-samtale", people, recorded_by="olga").id


def start(home, meeting_id: str, wav, *options) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "medlyt.cli", "record", meeting_id, "--live", "--simulate", str(wav),
                             *options], env={**os.environ, "MEDLYT_HOME": str(home)},
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def watch(home, meeting_id: str, recorder: subprocess.Popen, until) -> list:
    """Read the live state twice a second while the recorder runs, like the Live page; every
    read must succeed. Returns the sessions seen while it was recording."""
    seen = []
    deadline = time.monotonic() + 240
    with Store(home) as store:
        while recorder.poll() is None and time.monotonic() < deadline:
            session = store.live_session(meeting_id)
            if session is not None and session.status == "recording":
                seen.append(session)
                if until(store, session):
                    break
            time.sleep(0.5)
    return seen


def test_live_lines_with_roles_while_recording_then_the_full_pass_replaces_them(home_with_model, tmp_path):
    wav = tmp_path / "stereo.wav"
    played = excerpt(DIALOGUES / "dialog1_stereo.flac", wav, 30.0, stereo=True)
    meeting_id = meeting(home_with_model, channels=True)
    recorder = start(home_with_model, meeting_id, wav)
    marked = []

    def bookmark_once_lines_show(store, session) -> bool:
        if session.lines and not marked:
            store.add_bookmark(meeting_id, session.elapsed_s, by="olga", note="fra dashboardet")
            marked.append(session.elapsed_s)
        return False

    seen = watch(home_with_model, meeting_id, recorder, bookmark_once_lines_show)
    out, err = recorder.communicate(timeout=240)
    assert recorder.returncode == 0, err

    during = seen[-1].lines
    assert len(seen[0].lines) < len(during) and len(during) >= 5  # lines arrived while it was still recording
    assert {line.role for line in during} == {"sagsbehandler", "borger"}  # each person's own microphone
    assert all(line.text.strip() for line in during)
    delays = sorted(line.delay_s for line in during)
    # Timing is benchmarks/live_recording.py's figure (on a quiet machine); here only that each
    # line was measured, since a loaded test machine may be slow.
    print(f"\nlive lines: {len(during)}, delay median {delays[len(delays) // 2]:.2f} s, max {delays[-1]:.2f} s")
    assert all(d > 0 for d in delays)
    assert "Sagsbehandler:" in out and "Færdig:" in out  # shown in the terminal, then processed by itself

    with Store(home_with_model) as store:
        done = store.get_meeting(meeting_id)
        with store.audio_file(meeting_id) as wav, wave.open(str(wav), "rb") as stored:
            audio = np.frombuffer(stored.readframes(stored.getnframes()), "<i2").reshape(-1, 2)
        assert done.status == "processed"
        assert store.live_session(meeting_id).lines == ()  # the full pass replaced them
        assert store.segments(meeting_id)
        flags = [f for f in store.analysis(meeting_id).flags if f.kind == "bookmark"]
    assert np.array_equal(audio, played)
    assert len(marked) == 1 and len(flags) == 1  # the bookmark set meanwhile is a flagged moment now
    assert flags[0].start <= marked[0] <= flags[0].end + 0.01


def test_one_microphone_tells_voices_apart_and_the_dashboard_s_stop_ends_the_recording(home_with_model, tmp_path):
    wav = tmp_path / "mono.wav"
    excerpt(DIALOGUES / "dialog1.flac", wav, 60.0, stereo=False)
    meeting_id = meeting(home_with_model, channels=False)
    recorder = start(home_with_model, meeting_id, wav, "--no-process")
    asked = []

    def stop_after_20_s(store, session) -> bool:
        if session.elapsed_s >= 20.0 and not asked:
            store.request_stop(meeting_id, by="olga")
            asked.append((time.monotonic(), session.elapsed_s))
        return False

    seen = watch(home_with_model, meeting_id, recorder, stop_after_20_s)
    out, err = recorder.communicate(timeout=60)
    stopped_after = time.monotonic() - asked[0][0]
    assert recorder.returncode == 0, err
    assert "medlyt process" in out  # --no-process: it says what to run next

    with Store(home_with_model) as store:
        session = store.live_session(meeting_id)
        done = store.get_meeting(meeting_id)
    assert session.status == "stopped" and session.stop_requested
    assert 20.0 <= done.audio.duration_s <= asked[0][1] + 2.0  # ended within a heartbeat or so
    assert stopped_after < 30  # the last lines are finished first, then it exits
    assert {line.speaker for line in session.lines} == {"Taler 1", "Taler 2"}
    assert done.status == "recorded"
    assert len(seen) >= 10


def test_live_without_the_model_is_one_clear_line_and_records_nothing(medlyt_home, danish_dir, capsys):
    meeting_id = meeting(medlyt_home, channels=False)
    code = main(["record", meeting_id, "--live", "--simulate", str(danish_dir / "u0042012.wav")])
    err = capsys.readouterr().err
    assert code != 0 and err.count("\n") == 1 and "Traceback" not in err and "medlyt" in err
    with Store(medlyt_home) as store:
        assert store.get_meeting(meeting_id).audio is None
        assert store.recording_now() == [] and list(store.audio_dir.iterdir()) == []
