"""Speed of speaker attribution on a 60-minute meeting: real-time factor, peak memory, cold start.

The meeting is built by tiling real speech: the synthetic Danish dialogues
(tests/fixtures/dialogues) and the AMI excerpts (shared data), one after the other with 1-3 s
pauses, until 60 minutes. Timed in a fresh process, exactly as `medlyt process` calls it:
transcribe.diarize.attribute_recording (reading the WAV, GE2E embeddings of the windows,
clustering, turns, frame-level resegmentation) for two speaking participants. VAD is reported
separately: the pipeline runs it once for Whisper anyway. The first pass alone (without the
resegmentation of issue 21), and the resegmentation without the overlap detector
(transcribe.overlap), are timed too, each in its own fresh process, to show what they cost.

    python benchmarks/attribution_speed.py [--minutes 60]

Targets (issues 3, 21): >= 100x real time on 2 cores, peak memory < 1.2 GB, cold start < 2 s.
The 2 cores are shared on the development machine: compare lines of one run, not runs.
"""

from __future__ import annotations

import argparse
import os
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


MEASURED = """
import resource, sys, time
from pathlib import Path
start = time.perf_counter()
from capture.vad import speech_segments
from capture.wav import iter_mono_blocks
wav = Path(sys.argv[1])
speech = [(s.start, s.end) for s in speech_segments(iter_mono_blocks(wav))]
vad_s = time.perf_counter() - start
from meetings.records import Participant
from transcribe.diarize import attribute_recording
from transcribe.speaker_options import SpeakerOptions
options = SpeakerOptions(resegment=sys.argv[2] != "first", overlap=sys.argv[2] == "resegment")
start = time.perf_counter()
result = attribute_recording(wav, speech, [Participant("sagsbehandler", "Sagsbehandler"), Participant("borger", "Borger")],
                             options=options)
attribution_s = time.perf_counter() - start
print(vad_s, attribution_s, len(result.turns), len(result.speakers), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def main() -> None:
    import tempfile

    from tests.audio_files import write_wav

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="medlyt-attr-") as tmp:
        wav = Path(tmp) / "meeting.wav"
        write_wav(wav, np.clip(build_meeting(args.minutes), -1, 1) * 32767, RATE)
        first = subprocess.run([sys.executable, "-c", MEASURED, str(wav), "first"], cwd=REPO, capture_output=True,
                               text=True, check=True)
        no_overlap = subprocess.run([sys.executable, "-c", MEASURED, str(wav), "no-overlap"], cwd=REPO,
                                    capture_output=True, text=True, check=True)
        done = subprocess.run([sys.executable, "-c", MEASURED, str(wav), "resegment"], cwd=REPO, capture_output=True,
                              text=True, check=True)
    first_s = float(first.stdout.split()[1])
    no_overlap_s = float(no_overlap.stdout.split()[1])
    vad_s, attribution_s, turns, speakers, peak_mb = (float(x) for x in done.stdout.split())
    in_process, fresh = cold_start()
    audio_s = args.minutes * 60
    print(f"meeting: {args.minutes:.0f} min, {int(turns)} turns, {int(speakers)} speakers")
    print(f"first pass (read, embed, cluster):  {first_s:6.1f} s = {audio_s / first_s:5.0f}x real time")
    print(f"+ resegmentation, without overlap:  {no_overlap_s:6.1f} s = {audio_s / no_overlap_s:5.0f}x real time")
    print(f"attribution (+ resegm. and overlap): {attribution_s:6.1f} s = {audio_s / attribution_s:5.0f}x real time")
    print(f"VAD (shared with Whisper):           {vad_s:6.1f} s")
    print(f"attribution + VAD:                   {attribution_s + vad_s:6.1f} s = {audio_s / (attribution_s + vad_s):5.0f}x real time")
    print(f"peak memory of that process:         {peak_mb:6.0f} MB")
    print(f"cold start (import + load encoder):  {in_process:6.2f} s  (fresh interpreter {fresh:.2f} s)")


if __name__ == "__main__":
    main()
