"""A 3-hour recording through the importer and the speech finder: time and peak memory.

The source is an 8 kHz mono WAV (173 MB for 3 hours: the smallest common format a long
meeting arrives in, and it needs resampling), written in one-minute chunks: room noise at
about -60 dBFS with 8 s of read Danish (shared data) every ten minutes. A fresh process then
does exactly what `medlyt import` and the first step of `medlyt process` do: the store's
attach_audio around capture.source.import_audio (decode, resample to 16 kHz, write), then
medlyt.pipeline.find_speech (webrtcvad over the stored WAV in 30 s blocks). Whisper is not run.

    python benchmarks/bad_input_scale.py [--minutes 180] [--json]

Peak memory is the worker process's maximum resident set size (ru_maxrss), which includes the
Python interpreter, numpy and PyAV; "baseline" is the same measure just before the import.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SHARED_DATA = Path(os.environ.get("MEDLYT_SHARED_DATA", REPO.parent / "shared" / "data"))
CLIP = SHARED_DATA / "danish" / "u0042012.wav"  # 8 s of read Danish, 16 kHz mono
SOURCE_RATE = 8000
SPEECH_EVERY_S = 600  # one clip at the start of every ten minutes (at +30 s)
SPEECH_AT_S = 30
NOISE_DBFS = -60.0

WORKER = """
import json, resource, sys, time
from pathlib import Path
from meetings.records import Consent, Participant, now_iso
from meetings.store import Store
from medlyt.pipeline import find_speech, import_recording

src, home = Path(sys.argv[1]), Path(sys.argv[2])
peak_mb = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
baseline = peak_mb()
with Store(home) as store:
    consent = Consent(True, "verbal", now_iso())
    meeting = store.create_meeting("Tre timer", [Participant("sagsbehandler", "Sagsbehandler", consent=consent),
                                                 Participant("borger", "Borger", consent=consent)])
    started = time.perf_counter()
    meeting = import_recording(store, meeting.id, src)
    import_s = time.perf_counter() - started
    import_peak = peak_mb()
    stored_bytes = (store.home / meeting.audio.path).stat().st_size
    with store.audio_file(meeting.id) as wav:
        started = time.perf_counter()
        speech = find_speech(wav)
        vad_s = time.perf_counter() - started
print(json.dumps({"duration_s": meeting.audio.duration_s, "channels": meeting.audio.channels,
                  "sample_rate": meeting.audio.sample_rate, "stored_bytes": stored_bytes,
                  "import_s": import_s, "vad_s": vad_s, "baseline_mb": baseline,
                  "import_peak_mb": import_peak, "peak_mb": peak_mb(),
                  "speech": [[s.start, s.end] for s in speech]}))
"""


def clip_at_source_rate() -> np.ndarray:
    with wave.open(str(CLIP), "rb") as w:
        clip = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return clip[:: 16000 // SOURCE_RATE]  # 16 -> 8 kHz; the aliasing does not matter here


def write_source(path: Path, minutes: float, seed: int = 0) -> list[float]:
    """The long 8 kHz WAV, one minute at a time; returns where the speech clips start (s)."""
    rng = np.random.default_rng(seed)
    clip = clip_at_source_rate()
    noise_scale = 32768 * 10 ** (NOISE_DBFS / 20)
    total = round(minutes * 60 * SOURCE_RATE)
    starts = [t for t in range(SPEECH_AT_S, round(minutes * 60), SPEECH_EVERY_S)
              if (t * SOURCE_RATE + len(clip)) <= total]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(SOURCE_RATE)
        for first in range(0, total, 60 * SOURCE_RATE):
            n = min(60 * SOURCE_RATE, total - first)
            chunk = rng.normal(0, noise_scale, n)
            for t in starts:
                a = t * SOURCE_RATE - first
                if -len(clip) < a < n:
                    lo, hi = max(a, 0), min(a + len(clip), n)
                    chunk[lo:hi] += clip[lo - a: hi - a]
            out.writeframes(np.clip(chunk, -32768, 32767).astype("<i2").tobytes())
    return [float(t) for t in starts]


def measure(minutes: float, folder: Path) -> dict:
    src = folder / "lang-moede.wav"
    started = time.perf_counter()
    clips = write_source(src, minutes)
    write_s = time.perf_counter() - started
    home = folder / "home"
    home.mkdir()
    run = subprocess.run([sys.executable, "-c", WORKER, str(src), str(home)], cwd=REPO, check=False, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    if run.returncode != 0:
        raise SystemExit(run.stderr)
    result = json.loads(run.stdout.strip().splitlines()[-1])
    # The clip's speech runs from 0.8 s to 6.7 s of its 8 s.
    found = [any(s <= t + 1.0 and e >= t + 6.5 for s, e in result["speech"]) for t in clips]
    leftovers = sorted(p.name for p in (home / "audio").iterdir() if p.name.endswith((".part", ".partial.wav")))
    return {**result, "minutes": minutes, "source_bytes": src.stat().st_size, "source_write_s": write_s,
            "clips": len(clips), "clips_found": sum(found), "speech_segments": len(result["speech"]),
            "speech_s": sum(e - s for s, e in result["speech"]), "leftovers": leftovers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=180.0)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="medlyt-scale-") as tmp:
        figures = measure(args.minutes, Path(tmp))
    figures.pop("speech")
    if args.json:
        print(json.dumps(figures))
        return
    hours = figures["duration_s"] / 3600
    print(f"source: {figures['minutes']:.0f} min of 8 kHz mono WAV, {figures['source_bytes'] / 1e6:.0f} MB")
    print(f"import: {figures['import_s']:.1f} s ({figures['duration_s'] / figures['import_s']:.0f}x real time), "
          f"stored {hours:.4f} h = {figures['duration_s']:.2f} s at {figures['sample_rate']} Hz, "
          f"{figures['stored_bytes'] / 1e6:.0f} MB")
    print(f"speech finding (VAD): {figures['vad_s']:.1f} s ({figures['duration_s'] / figures['vad_s']:.0f}x real time), "
          f"{figures['speech_segments']} segments, {figures['speech_s']:.0f} s of speech, "
          f"{figures['clips_found']}/{figures['clips']} inserted clips found")
    print(f"peak memory: {figures['import_peak_mb']:.0f} MB after the import, {figures['peak_mb']:.0f} MB after the VAD "
          f"(process baseline {figures['baseline_mb']:.0f} MB)")
    print(f"left behind in audio/: {figures['leftovers'] or 'nothing'}")


if __name__ == "__main__":
    main()
