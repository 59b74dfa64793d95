"""The pipeline on odd but valid recordings (eight channels, digital silence, white noise) with
the real base model, and a long recording through the importer and the speech finder with
bounded memory (benchmarks/bad_input_scale.py measures the full 3 hours)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from medlyt.pipeline import import_recording, process_meeting
from meetings.crypto import CHUNK, FILE_HEADER, TAG
from meetings.store import Store
from tests.audio_files import read_wav, write_wav
from tests.conftest import DANISH, REPO
from tests.consented import consented_meeting

RATE = 16000
SECONDS = 4


def speech() -> np.ndarray:
    """Four seconds of read Danish (the clip's speech starts at 0.8 s), int16."""
    return read_wav(DANISH / "u0042012.wav")[: SECONDS * RATE, 0]


def processed(home: Path, source: Path, channels: tuple[int, int] | None = None):
    with Store(home) as store:
        meeting = consented_meeting(store, "Usædvanlig lyd", channels=channels or (None, None))
        import_recording(store, meeting.id, source)
        meeting, result = process_meeting(store, home, meeting.id)
        return meeting, result, store.segments(meeting.id), store.analysis(meeting.id)


def eight_channels() -> np.ndarray:
    """The caseworker's speech loud on channel 1 and leaking quietly into channels 2-8."""
    voice = speech().astype(np.int32)
    return np.stack([voice] + [voice // (4 * k) for k in range(1, 8)], axis=1)


@pytest.mark.parametrize("mapped", [None, (1, 2)], ids=["voices", "one-mic-per-person"])
def test_an_eight_channel_recording_is_processed(home_with_model, tmp_path, mapped):
    meeting, result, segments, _ = processed(home_with_model, write_wav(tmp_path / "otte.wav", eight_channels()), mapped)
    assert meeting.status == "processed" and meeting.audio.channels == 8
    assert result.method == ("channels" if mapped else "voices")
    assert segments and all(0 <= s.start < s.end <= SECONDS + 0.01 for s in segments)


def test_digital_silence_is_processed_to_an_empty_transcript(home_with_model, tmp_path):
    meeting, result, segments, _ = processed(home_with_model, write_wav(tmp_path / "stille.wav", np.zeros(SECONDS * RATE)))
    assert meeting.status == "processed" and segments == [] and result.turns == []


def test_eight_silent_channels_mapped_to_people_are_processed(home_with_model, tmp_path):
    meeting, result, segments, _ = processed(home_with_model, write_wav(tmp_path / "stille8.wav",
                                                                        np.zeros((SECONDS * RATE, 8))), (7, 8))
    assert meeting.status == "processed" and segments == [] and result.method == "channels"


def test_white_noise_is_processed_without_crashing(home_with_model, tmp_path):
    """Loud hiss (-20 dBFS) passes the VAD as speech and Whisper is run on it: whatever it makes
    of it, the pipeline finishes and stores it."""
    noise = np.random.default_rng(0).normal(0, 3300, SECONDS * RATE)
    meeting, _, segments, _ = processed(home_with_model, write_wav(tmp_path / "stoej.wav", noise))
    assert meeting.status == "processed"
    assert all(0 <= s.start <= s.end <= SECONDS + 0.01 for s in segments)


def test_a_long_recording_is_imported_and_searched_for_speech_in_bounded_memory(tmp_path):
    """20 minutes of 8 kHz room noise with speech every ten minutes, in a fresh process: the
    stored length is exact, both clips are found, and memory does not grow with the length
    (the full 3 hours: python benchmarks/bad_input_scale.py)."""
    run = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bad_input_scale.py"), "--minutes", "20", "--json"],
                         check=False, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert run.returncode == 0, run.stderr
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert figures["duration_s"] == pytest.approx(20 * 60, abs=0.01)
    assert figures["sample_rate"] == RATE and figures["channels"] == 1
    plain = 44 + 20 * 60 * RATE * 2  # the WAV, sealed: a header, and a tag on every chunk
    assert figures["stored_bytes"] == FILE_HEADER + plain + TAG * -(-plain // CHUNK)
    assert figures["clips_found"] == figures["clips"] == 2
    assert figures["leftovers"] == []
    # The import and the VAD stream: 38 MB of stored audio add almost nothing to the process.
    assert figures["peak_mb"] < 500 and figures["peak_mb"] - figures["baseline_mb"] < 60


def garbage(path: Path) -> None:
    path.write_bytes(np.random.default_rng(2).bytes(path.stat().st_size))


def empty(path: Path) -> None:
    path.write_bytes(b"")


def cut_in_half(path: Path) -> None:
    """The header still promises the whole recording."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def one_byte_changed(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def plain_wav(path: Path) -> None:
    """A whole, valid WAV put in its place: not sealed with the key, so not the recording."""
    write_wav(path, speech())


@pytest.mark.parametrize("damage", [garbage, empty, cut_in_half, one_byte_changed, plain_wav],
                         ids=lambda f: f.__name__)
def test_a_damaged_stored_recording_is_refused_in_one_line(home_with_model, tmp_path, capsys, damage):
    """Damage on disk after the import: `medlyt process` says so in Danish (exit 2) instead of
    an unexpected error, or a transcript of half the meeting."""
    from medlyt.cli import main

    assert main(["meeting", "new", "--title", "T", "--participants", "sagsbehandler,borger", "--consent-all"]) == 0
    meeting_id = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["import", meeting_id, str(write_wav(tmp_path / "tale.wav", speech()))]) == 0
    with Store(home_with_model) as store:
        damage(store.home / store.get_meeting(meeting_id).audio.path)
    capsys.readouterr()
    assert main(["process", meeting_id]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("medlyt: fejl: ") and "beskadiget" in err[0], err
    with Store(home_with_model) as store:
        assert store.get_meeting(meeting_id).status == "recorded" and store.segments(meeting_id) == []
