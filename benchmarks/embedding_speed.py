"""Speed of GE2E speaker embeddings (transcribe/embedding.py) for speaker attribution.

    .venv/bin/python benchmarks/embedding_speed.py [--minutes 60] [--caps 1500,2000,3000]

Prints the cold start (fresh interpreter: import + load), then, for a meeting of --minutes built
by repeating the shared diarization recordings, the time to embed 2.0 s windows at a 0.5 s step
capped at each count (evenly spread over the meeting), mel spectrogram included, as windows/s
and real-time factor, with the peak memory (ru_maxrss) of that run. Each case runs in its own
process so the peak memory is its own. The target: a 60-minute meeting in about 30 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("MEDLYT_SHARED_DATA", REPO.parent / "shared" / "data"))
WINDOW_S, STEP_S = 2.0, 0.5

COLD_START = """
import time
start = time.perf_counter()
from transcribe.embedding import SpeakerEncoder
SpeakerEncoder.load()
print(time.perf_counter() - start)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--caps", default="1500,2000,3000")
    parser.add_argument("--threads", type=int, default=None, help="onnxruntime threads")
    parser.add_argument("--case", type=int, help=argparse.SUPPRESS)  # internal: one cap
    args = parser.parse_args()
    if args.case is not None:
        print(json.dumps(run_case(args.minutes, args.case, args.threads)))
        return

    print(f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} (timings are wall clock)")
    print_cold_start()
    for cap in (int(c) for c in args.caps.split(",")):
        command = [sys.executable, __file__, "--minutes", str(args.minutes), "--case", str(cap)]
        if args.threads:
            command += ["--threads", str(args.threads)]
        result = json.loads(subprocess.run(command, check=True, capture_output=True).stdout)
        print(
            f"{args.minutes:g} min, cap {cap}: {result['windows']} windows in "
            f"{result['seconds']:.1f} s (of which mel ~{result['mel_seconds']:.1f} s; "
            f"CPU {result['cpu_seconds']:.1f} s) = "
            f"{result['windows'] / result['seconds']:.0f} windows/s, "
            f"{args.minutes * 60 / result['seconds']:.0f}x real time, "
            f"peak memory {result['peak_mb']:.0f} MB"
        )


def print_cold_start() -> None:
    started = time.perf_counter()
    inner = subprocess.run(
        [sys.executable, "-c", COLD_START], cwd=REPO, check=True, capture_output=True, text=True
    )
    total = time.perf_counter() - started
    print(f"cold start: import + load {float(inner.stdout):.2f} s ({total:.2f} s with interpreter)")


def run_case(minutes: float, cap: int, threads: int | None) -> dict:
    sys.path.insert(0, str(REPO))
    import numpy as np

    from capture.wav import read_mono
    from transcribe.embedding import SAMPLE_RATE, SpeakerEncoder, normalize_volume

    encoder = SpeakerEncoder.load(threads)
    wav = meeting_audio(minutes, read_mono, SAMPLE_RATE)
    windows = capped_windows(len(wav) / SAMPLE_RATE, cap)

    started, cpu_started = time.perf_counter(), time.process_time()
    wav = normalize_volume(wav)
    mel_started, mel_cpu_started = time.perf_counter(), time.process_time()
    encoder.mel_frames(wav)  # timed alone too, to show the front end's share
    mel_seconds = time.perf_counter() - mel_started
    mel_cpu_seconds = time.process_time() - mel_cpu_started
    embeddings = encoder.embed_windows(wav, windows)
    seconds = time.perf_counter() - started - mel_seconds
    # CPU seconds of all threads: on a busy machine a truer measure of the work than wall time.
    cpu_seconds = time.process_time() - cpu_started - mel_cpu_seconds
    assert embeddings.shape == (len(windows), 256) and np.isfinite(embeddings).all()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return dict(
        windows=len(windows),
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        mel_seconds=mel_seconds,
        peak_mb=peak_mb,
    )


def meeting_audio(minutes: float, read_mono, rate: int):
    """The shared diarization recordings, repeated to the meeting's length."""
    import numpy as np

    parts = [read_mono(path) for path in sorted((SHARED_DATA / "diarization").glob("*00.wav"))]
    parts += [read_mono(path) for path in sorted((SHARED_DATA / "diarization").glob("*01.wav"))]
    recording = np.concatenate(parts)
    n = round(minutes * 60 * rate)
    return np.resize(recording, n).astype(np.float32)  # np.resize repeats the data


def capped_windows(duration_s: float, cap: int) -> list[tuple[float, float]]:
    """2.0 s windows every 0.5 s; beyond the cap, an evenly spread subset."""
    import numpy as np

    starts = np.arange(0.0, max(duration_s - WINDOW_S, 0.0) + 1e-9, STEP_S)
    if len(starts) > cap:
        starts = starts[np.unique(np.linspace(0, len(starts) - 1, cap).round().astype(int))]
    return [(float(s), float(s) + WINDOW_S) for s in starts]


if __name__ == "__main__":
    main()
