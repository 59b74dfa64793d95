"""`medlyt process` versus plain faster-whisper on the same meeting-like file, in one run.

Builds a meeting-like recording from the real Danish speech in ../shared/data/danish (clips in
shuffled order with natural pauses of 0.4-3 s and now and then a longer silence), then runs, each
in its own fresh process so peak memory is the process's own:
  A. plain faster-whisper: decode_audio + WhisperModel.transcribe, same model and settings
     (language da, beam 5, temperature 0, word timestamps, int8), all segments consumed;
  B. `medlyt process` on a meeting holding the same file (VAD, transcription, storage).
Prints wall time and peak RSS of each and the ratios B/A; writes benchmarks/out/*.json.

Usage: python benchmarks/process_vs_whisper.py [--minutes 10] [--long-minutes 120]
  --long-minutes N also runs `medlyt process` alone on an N-minute file for peak memory.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DANISH = Path(os.environ.get("MEDLYT_SHARED_DATA", REPO.parent / "shared" / "data")) / "danish"
OUT = REPO / "benchmarks" / "out"
SAMPLE_RATE = 16000

PLAIN = """
import sys
from faster_whisper import WhisperModel, decode_audio
model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8")
segments, _ = model.transcribe(decode_audio(sys.argv[2]), language="da", beam_size=5, temperature=0.0,
                               word_timestamps=True, vad_filter=False)
print(sum(1 for _ in segments), "segments")
"""


def clip(name: str) -> np.ndarray:
    with wave.open(str(DANISH / name), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)


def build_meeting(path: Path, minutes: float, seed: int = 7) -> float:
    """Write a meeting-like WAV of at least `minutes`, streamed to disk; returns its length (s)."""
    rng = random.Random(seed)
    clips = [clip(p.name) for p in sorted(DANISH.glob("*.wav"))]
    # Quiet room tone rather than digital silence, as in a real meeting room.
    noise = lambda n: (np.random.default_rng(rng.randrange(1 << 30)).normal(0, 30, n)).astype(np.int16)
    total = 0
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(SAMPLE_RATE)
        while total < minutes * 60 * SAMPLE_RATE:
            for audio in rng.sample(clips, len(clips)):
                pause = rng.uniform(8, 15) if rng.random() < 0.08 else rng.uniform(0.4, 3.0)
                gap = noise(int(pause * SAMPLE_RATE))
                out.writeframes(np.clip(audio.astype(np.int32) + noise(len(audio)), -32768, 32767)
                                .astype(np.int16).tobytes())
                out.writeframes(gap.tobytes())
                total += len(audio) + len(gap)
    return total / SAMPLE_RATE


def measure(command: list[str], env: dict) -> dict:
    """Wall time and peak resident memory of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    out, err = process.stdout.read(), process.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{err}")
    return {"wall_s": round(wall, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "stdout": out.strip()[-200:]}


def medlyt(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "medlyt.cli", *args], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"medlyt {' '.join(args)} failed: {result.stderr}")
    return result.stdout.strip().splitlines()[-1]


def prepared_meeting(env: dict, wav: Path) -> str:
    meeting = medlyt(env, "meeting", "new", "--title", "Benchmark", "--participants", "sagsbehandler,borger",
                     "--consent-all")
    medlyt(env, "import", meeting, str(wav))
    return meeting


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--long-minutes", type=float, default=0.0)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="medlyt-bench-") as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "MEDLYT_HOME": str(tmp / "home"), "HF_HUB_OFFLINE": "1"}
        medlyt(env, "models", "install", "base")
        model_dir = str(tmp / "home" / "models" / "base")

        wav = tmp / "meeting.wav"
        duration = build_meeting(wav, args.minutes)
        meeting = prepared_meeting(env, wav)
        plain = measure([sys.executable, "-c", PLAIN, model_dir, str(wav)], env)
        ours = measure([sys.executable, "-m", "medlyt.cli", "process", meeting], env)
        result = {
            "audio_s": round(duration, 1),
            "cores": os.cpu_count(),
            "plain_faster_whisper": plain,
            "medlyt_process": ours,
            "wall_ratio": round(ours["wall_s"] / plain["wall_s"], 3),
            "memory_ratio": round(ours["peak_rss_mb"] / plain["peak_rss_mb"], 3),
            "medlyt_rtf": round(ours["wall_s"] / duration, 3),
            "plain_rtf": round(plain["wall_s"] / duration, 3),
        }
        print(json.dumps(result, indent=2))
        (OUT / "process_vs_whisper.json").write_text(json.dumps(result, indent=2))

        if args.long_minutes:
            long_wav = tmp / "long.wav"
            long_duration = build_meeting(long_wav, args.long_minutes)
            long_meeting = prepared_meeting(env, long_wav)
            long = measure([sys.executable, "-m", "medlyt.cli", "process", long_meeting], env)
            long_result = {"audio_s": round(long_duration, 1), "medlyt_process": long,
                           "medlyt_rtf": round(long["wall_s"] / long_duration, 3)}
            print(json.dumps(long_result, indent=2))
            (OUT / "process_long.json").write_text(json.dumps(long_result, indent=2))


if __name__ == "__main__":
    main()
