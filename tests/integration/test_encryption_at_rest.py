"""Encryption at rest, end to end: after a real meeting went through the whole pipeline (the
demo: import, VAD, speakers, Whisper, analysis), and during a recording, a scan of the data
directory finds no WAV or FLAC header, no run of the recording's samples and no transcript word
in the clear; and no plain copy is left in the scratch space."""

import os
import re
import tempfile
import wave
from pathlib import Path

import numpy as np

from meetings import scratch
from meetings.records import Consent, Participant, now_iso
from meetings.store import MIGRATIONS, Store

HEADERS = {"WAV": re.compile(rb"RIFF....WAVE", re.DOTALL), "FLAC": re.compile(rb"fLaC[\x00\x80]\x00\x00\x22")}


def data_files(home: Path) -> dict[str, bytes]:
    """Every file in the data directory but the installed Whisper model (no meeting data there;
    its vocabulary holds Danish words by nature)."""
    return {str(p.relative_to(home)): p.read_bytes() for p in home.rglob("*")
            if p.is_file() and "models" not in p.relative_to(home).parts}


def sample_runs(samples: np.ndarray, count: int = 40, length: int = 16) -> list[bytes]:
    """Runs of `length` samples from the loudest parts (silence would match zeros anywhere)."""
    step = len(samples) // count
    starts = [i * step + int(np.argmax(np.abs(samples[i * step:(i + 1) * step - length]))) for i in range(count)]
    return [samples[s:s + length].astype("<i2").tobytes() for s in starts]


def clear_text(files: dict[str, bytes], needles: list[bytes]) -> list[tuple[str, bytes]]:
    return [(name, needle) for name, data in files.items() for needle in needles if needle in data]


def test_after_processing_no_sound_and_no_word_is_in_the_clear(demo_run):
    home = demo_run["home"]
    with Store(home) as store:
        meeting = store.get_meeting(demo_run["meeting_id"])
        words = {w.strip(".,?!«»").lower() for s in store.segments(meeting.id) for w in s.text.split()}
        # A word that is also in the schema's text (e.g. "source" of config_source) is no leak.
        schema = " ".join(MIGRATIONS).lower()
        long_words = sorted(w for w in words if len(w) >= 5 and w not in schema)
        with store.audio_file(meeting.id) as wav, wave.open(str(wav), "rb") as stored:
            samples = np.frombuffer(stored.readframes(stored.getnframes()), "<i2")
        store._checkpoint()
    assert meeting.status == "processed" and len(long_words) >= 20  # the scan has plenty to look for
    files = data_files(home)
    assert any(name.endswith(".audio") for name in files) and "medlyt.sqlite3" in files
    for kind, pattern in HEADERS.items():
        assert not [name for name, data in files.items() if pattern.search(data)], f"a {kind} header in the clear"
    assert clear_text(files, sample_runs(samples)) == []
    needles = [w.encode() for w in long_words] + [meeting.title.encode()]
    assert clear_text(files, needles) == []
    # The scan can see what it looks for: the same checks find them in the plain recording.
    plain = {"plain": samples.tobytes() + " ".join(long_words).encode()}
    assert len(clear_text(plain, sample_runs(samples))) == 40 and len(clear_text(plain, needles[:-1])) == len(long_words)


def test_no_plain_copy_is_left_in_the_scratch_space(demo_run):
    mine = f"{scratch.PREFIX}{os.getpid()}-"
    with Store(demo_run["home"]) as store:
        with store.audio_file(demo_run["meeting_id"]) as wav:
            assert wav.parent.name.startswith(mine) and wav.parent.parent == scratch.root()
            assert oct(wav.parent.stat().st_mode & 0o777) == "0o700"
    places = {scratch.RAM_DIR, Path(tempfile.gettempdir())}
    assert [p for base in places if base.is_dir() for p in base.glob(f"{mine}*")] == []


def test_a_recording_in_progress_is_sealed_on_disk(medlyt_home, danish_dir):
    with wave.open(str(danish_dir / "u0042012.wav"), "rb") as clip:
        samples = np.frombuffer(clip.readframes(clip.getnframes()), "<i2")
    consent = Consent(True, "verbal", now_iso())
    with Store(medlyt_home) as store:
        meeting = store.create_meeting("Optagelse", [Participant("sagsbehandler", "Sagsbehandler", consent=consent),
                                                     Participant("borger", "Borger", consent=consent)])
        writer = store.open_recording(meeting.id, 16000, 1)
        for block in np.array_split(samples, 20):
            writer.write(block.reshape(-1, 1))
            writer.sync()  # as the recorder does about once a second: on disk now
        assert clear_text(data_files(medlyt_home), sample_runs(samples)) == []
        writer.close()
        store.attach_recording(meeting.id, "optagelse")
        with store.audio_file(meeting.id) as wav, wave.open(str(wav), "rb") as stored:
            assert np.array_equal(np.frombuffer(stored.readframes(stored.getnframes()), "<i2"), samples)
    files = data_files(medlyt_home)
    assert clear_text(files, sample_runs(samples)) == [] and not any(HEADERS["WAV"].search(d) for d in files.values())
