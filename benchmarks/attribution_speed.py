"""Speed of speaker attribution on a 60-minute meeting: real-time factor, peak memory, cold start.

The meeting is built by tiling real speech: the synthetic Danish dialogues
(tests/fixtures/dialogues) and the AMI excerpts (shared data), one after the other with 1-3 s
pauses, until 60 minutes. Timed: VAD (webrtcvad, reported separately: the pipeline runs it once
for Whisper anyway), plan_windows, SpeakerEncoder.embed_windows and attribute.

    python benchmarks/attribution_speed.py [--minutes 60]

Targets (issue 3): >= 100x real time on 2 cores, peak memory < 1.2 GB, cold start < 2 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SHARED_DATA = Path(os.environ.get("MEDLYT_SHARED_DATA", REPO.parent / "shared" / "data"))
RATE = 16000

COLD_START = """
import time
start = time.perf_counter()
from transcribe.embedding import SpeakerEncoder
from transcribe import speakers
SpeakerEncoder.load()
print(time.perf_counter() - start)
"""


def read_audio(path: Path) -> np.ndarray:
    """Mono float32 at 16 kHz from any file PyAV reads."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        channels = stream.channels
        blocks = []
        for frame in container.decode(stream):
            array = frame.to_ndarray()
            blocks.append(array.T if frame.format.is_planar else array.reshape(-1, channels))
    samples = np.concatenate(blocks, axis=0)
    if samples.dtype == np.int16:
        samples = samples / 32768.0
    return samples.mean(axis=1).astype(np.float32)


def build_meeting(minutes: float) -> np.ndarray:
    sources = sorted((REPO / "tests" / "fixtures" / "dialogues").glob("dialog[0-9].flac"))
    sources += [SHARED_DATA / "diarization" / f"{uri}.wav" for uri in ("dev00", "dev01")]
    pieces = [read_audio(p) for p in sources if p.exists()]
    if not pieces:
        sys.exit("no source audio found (tests/fixtures/dialogues, shared data)")
    rng = np.random.default_rng(0)
    total = round(minutes * 60 * RATE)
    out = np.zeros(total, dtype=np.float32)
    position, i = 0, 0
    while position < total:
        piece = pieces[i % len(pieces)][: total - position]
        out[position : position + len(piece)] = piece
        position += len(piece) + round(rng.uniform(1.0, 3.0) * RATE)
        i += 1
    return out


def cold_start() -> tuple[float, float]:
    """(import + load inside the process, whole fresh interpreter wall time) in seconds."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", COLD_START], cwd=REPO, capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip()), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--speakers", type=int, default=2)
    args = parser.parse_args()

    inside, whole = cold_start()

    from capture.vad import speech_segments
    from transcribe.embedding import SpeakerEncoder, normalize_volume
    from transcribe.speakers import SpeakerOptions, attribute, plan_windows

    audio = build_meeting(args.minutes)
    duration = len(audio) / RATE
    encoder = SpeakerEncoder.load()
    options = SpeakerOptions()

    timings = {}
    start = time.perf_counter()
    speech = [(s.start, s.end) for s in speech_segments([audio])]
    timings["VAD (webrtcvad)"] = time.perf_counter() - start

    start = time.perf_counter()
    windows = plan_windows(speech, options)
    timings["plan_windows"] = time.perf_counter() - start

    start = time.perf_counter()
    normalised = normalize_volume(audio)
    embeddings = encoder.embed_windows(normalised, windows)
    timings["embed_windows"] = time.perf_counter() - start

    start = time.perf_counter()
    result = attribute(speech, windows, embeddings, args.speakers, options)
    timings["attribute"] = time.perf_counter() - start

    attribution = timings["plan_windows"] + timings["embed_windows"] + timings["attribute"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    speech_s = sum(e - s for s, e in speech)

    print(f"meeting: {duration / 60:.0f} min, {speech_s / 60:.0f} min speech, {len(windows)} windows "
          f"(cap {options.max_windows}), {args.speakers} speakers -> {len(result.turns)} turns, "
          f"estimate {result.estimated_speakers}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print()
    print(f"{'step':32s} {'seconds':>8s} {'x real time':>12s}")
    for step, seconds in timings.items():
        print(f"{step:32s} {seconds:8.2f} {duration / seconds:12.0f}")
    print(f"{'attribution (excl. VAD)':32s} {attribution:8.2f} {duration / attribution:12.0f}   target >= 100")
    total = attribution + timings["VAD (webrtcvad)"]
    print(f"{'attribution incl. VAD':32s} {total:8.2f} {duration / total:12.0f}")
    print(f"{'embedding rate':32s} {len(windows) / timings['embed_windows']:8.0f} windows/s")
    print(f"{'peak memory (max RSS)':32s} {peak_mb:8.0f} MB        target < 1200 (includes the "
          f"{audio.nbytes / 2**20:.0f} MB float32 meeting, twice)")
    print(f"{'cold start (import + load)':32s} {inside:8.2f} s         target < 2")
    print(f"{'cold start (fresh interpreter)':32s} {whole:8.2f} s")


if __name__ == "__main__":
    main()
