"""A 10-minute simulated meeting recorded with --live on this machine, with the base model.

The meeting is real read Danish speech: the 14 shared clips (3 voices, 3-37 s each) in turn,
with pauses of 0.4-1.5 s (seeded), repeated until 10 minutes. It is played at real-time pace
through the same input interface a microphone uses (capture.recorder.FileInput: a capture
thread hands over a 0.1 s block every 0.1 s, and counts an overflow whenever it wakes more than
the sound card's 0.2 s buffer late). medlyt.recording.record writes it to disk and runs the
live VAD and the live transcriber in their own threads, exactly as `medlyt record --live`.

Meanwhile a separate process plays the dashboard's Live page: twice a second it reads the
recording's state and latest lines from the store and computes the page's status, and it
counts every read that fails ("database is locked" or anything else).

Figures (issue 6): input overflows (must be 0) and stored audio equal to the input sample for
sample; latency from the end of each utterance's speech to its line being written (median
<= 2 s, 95th percentile <= 4 s); failed dashboard reads (must be 0).

    python benchmarks/live_recording.py [--minutes 10] [--model-home DIR]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from capture.recorder import FileInput  # noqa: E402
from meetings.records import Consent, Participant, now_iso  # noqa: E402
from meetings.store import Store  # noqa: E402
from medlyt.pipeline import load_whisper  # noqa: E402
from medlyt.recording import record  # noqa: E402
from transcribe.live import LiveTranscriber  # noqa: E402

SHARED = Path(os.environ.get("MEDLYT_SHARED_DATA", REPO.parent / "shared" / "data"))
DANISH = SHARED / "danish"


def build_meeting(path: Path, minutes: float, seed: int = 3) -> np.ndarray:
    rng = random.Random(seed)
    clips = sorted(DANISH.glob("*.wav"))
    parts, total = [], 0
    while total < minutes * 60 * 16000:
        for clip in clips:
            with wave.open(str(clip), "rb") as wav:
                speech = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
            pause = np.zeros(int(rng.uniform(0.4, 1.5) * 16000), "<i2")
            parts += [speech, pause]
            total += len(speech) + len(pause)
    audio = np.concatenate(parts)[: int(minutes * 60 * 16000)]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(audio.tobytes())
    return audio


def dashboard_reader(home: str, meeting_id: str, stop, result) -> None:
    """The Live page's reads, from another process, twice a second until told to stop."""
    from feedback.config import load_config
    from feedback.live import live_status

    thresholds = load_config().thresholds
    reads, failures, errors, seen = 0, 0, [], 0
    with Store(Path(home)) as store:
        while not stop.is_set():
            try:
                session = store.live_session(meeting_id)
                if session is not None:
                    live_status(session, time.time(), thresholds)
                    seen = max(seen, len(session.lines))
                reads += 1
            except Exception as error:  # counted, not hidden: the figure is how many failed
                failures += 1
                errors.append(f"{type(error).__name__}: {error}")
            time.sleep(0.5)
    result.update(reads=reads, failures=failures, errors=errors[:5], lines_seen=seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--model-home", type=Path, help="a data directory with the base model installed")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        home = tmp / "home"
        if args.model_home:
            (home).mkdir()
            os.symlink(args.model_home.resolve() / "models", home / "models")
        else:
            from models.store import install_base

            install_base(home)
        meeting_wav = tmp / "meeting.wav"
        audio = build_meeting(meeting_wav, args.minutes)
        with Store(home) as store:
            consent = Consent(True, "verbal", now_iso())
            meeting = store.create_meeting("Live-benchmark", [Participant("sagsbehandler", "Sagsbehandler", consent=consent),
                                                             Participant("borger", "Borger", consent=consent)])
            _info, whisper = load_whisper(home)
            transcriber = LiveTranscriber(whisper, meeting.speaking_participants, 1, {})
            manager = multiprocessing.Manager()
            stop, reader_result = manager.Event(), manager.dict()
            reader = multiprocessing.Process(target=dashboard_reader, args=(str(home), meeting.id, stop, reader_result))
            reader.start()
            source = FileInput(meeting_wav)
            started = time.monotonic()
            live_errors: list[str] = []
            meeting = record(store, meeting.id, source, live=transcriber, on_live_error=live_errors.append)
            took = time.monotonic() - started
            stop.set()
            reader.join()
            session = store.live_session(meeting.id)
            with store.audio_file(meeting.id) as stored, wave.open(str(stored), "rb") as wav:
                stored = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
    delays = sorted(line.delay_s for line in session.lines)
    figures = {
        "minutes": round(len(audio) / 16000 / 60, 2),
        "wall_s": round(took, 1),
        "overflows": source.overflows,
        "audio_identical": bool(np.array_equal(stored, audio)),
        "lines": len(delays),
        "live_errors": live_errors[:5],
        "latency_median_s": round(statistics.median(delays), 2),
        "latency_p95_s": round(float(np.percentile(delays, 95)), 2),
        "latency_max_s": round(delays[-1], 2),
        "slowest_lines": [{"start": line.start, "end": line.end, "delay_s": line.delay_s}
                          for line in sorted(session.lines, key=lambda line: -line.delay_s)[:5]],
        "dashboard_reads": reader_result["reads"],
        "dashboard_failed_reads": reader_result["failures"],
        "dashboard_errors": reader_result["errors"],
        "cpus": os.cpu_count(),
    }
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
