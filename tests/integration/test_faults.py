"""Faults: a full disk or a failing write during import, processing and recording gives one
clear line and leaves no half-written record; what was recorded is never lost."""

import os
import resource
import signal
import subprocess
import sys
import wave

import numpy as np
import pytest

from capture.source import import_audio
from meetings.records import Segment, Word
from meetings.store import MeetingError, Store
from medlyt.cli import main
from tests.consented import consented_meeting

SPEECH = "ap_dan.wav"  # 37 s of read Danish speech


def test_a_full_disk_while_saving_a_transcript_changes_nothing(medlyt_home, danish_dir):
    with Store(medlyt_home) as store:
        meeting_id = consented_meeting(store, "Fejlprøve").id
        store.attach_audio(meeting_id, lambda dest: import_audio(danish_dir / "u0042012.wav", dest))
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        # SQLite's own limit on the file: writing past it is exactly its "database or disk is full".
        store._conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        words = [Word(i * 0.1, i * 0.1 + 0.1, "ord", 0.9) for i in range(40)]
        segments = [Segment(i, i + 1, "en ret lang linje med mange ord " * 8, words, "S1") for i in range(400)]
        with pytest.raises(MeetingError, match="Disken er fuld: ændringen blev ikke gemt"):
            store.save_transcript(meeting_id, segments, "base")
        store._conn.execute("PRAGMA max_page_count = 1073741823")
        assert store.segments(meeting_id) == [] and store.get_meeting(meeting_id).status == "recorded"
        assert not store.verify_audit()


def limit_file_size(limit: int):
    def apply() -> None:
        # A file may grow to `limit` bytes; past it write() fails with EFBIG, as on a full disk.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_while_importing_leaves_no_file_and_no_audio(medlyt_home, danish_dir):
    with Store(medlyt_home) as store:
        meeting_id = consented_meeting(store, "Fejlprøve").id
    result = subprocess.run([sys.executable, "-m", "medlyt.cli", "import", meeting_id, str(danish_dir / SPEECH)],
                            env={**os.environ, "MEDLYT_HOME": str(medlyt_home)}, capture_output=True, text=True,
                            timeout=120, preexec_fn=limit_file_size(200_000))
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "File too large" in result.stderr  # the system's own words for the full disk, in one line
    assert list((medlyt_home / "audio").iterdir()) == []
    with Store(medlyt_home) as store:
        assert store.get_meeting(meeting_id).audio is None


def test_a_disk_that_fills_while_recording_stops_it_clearly_and_the_audio_is_saved_later(medlyt_home, danish_dir):
    source = danish_dir / SPEECH
    with Store(medlyt_home) as store:
        meeting_id = consented_meeting(store, "Fejlprøve").id
    limit = 320_000  # 10 s of 16 kHz 16-bit mono
    result = subprocess.run([sys.executable, "-m", "medlyt.cli", "record", meeting_id, "--simulate", str(source)],
                            env={**os.environ, "MEDLYT_HOME": str(medlyt_home)}, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=120, preexec_fn=limit_file_size(limit))
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("medlyt:")]
    assert len(lines) == 1 and "Optagelsen stoppede efter" in lines[0]
    # The limit is per file: the sealed recording may just fit (saved at once), or not (saved at
    # the next start); either way the user is told which.
    assert "der nåede disken, er gemt" in lines[0] or "gemmes ved næste start" in lines[0], lines[0]
    assert "Traceback" not in result.stderr

    assert main(["meeting", "list"]) == 0  # the next start, with room again, saves what is left
    with Store(medlyt_home) as store:
        with store.audio_file(meeting_id) as stored, wave.open(str(stored), "rb") as wav:
            kept = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
    with wave.open(str(source), "rb") as wav:
        played = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
    assert 9.0 <= len(kept) / 16000 <= 10.0
    assert np.array_equal(kept, played[: len(kept)])


def test_a_second_process_waits_for_the_store_and_then_refuses_cleanly(medlyt_home):
    with Store(medlyt_home) as store:
        meeting_id = consented_meeting(store, "Fejlprøve").id
    holder = Store(medlyt_home)
    holder._conn.execute("BEGIN IMMEDIATE")  # another process in the middle of a long write
    try:
        result = subprocess.run([sys.executable, "-m", "medlyt.cli", "bookmark", meeting_id, "--at", "3"],
                                env={**os.environ, "MEDLYT_HOME": str(medlyt_home)}, capture_output=True,
                                text=True, timeout=60)
    finally:
        holder._conn.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 2
    assert result.stderr.strip().startswith("medlyt: fejl: Databasen er optaget af en anden medlyt-proces (ventede 5 s)")
    assert "Traceback" not in result.stderr
    assert main(["bookmark", meeting_id, "--at", "3"]) == 0  # once it is free, the same command works
