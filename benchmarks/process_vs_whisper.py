"""`medlyt process` versus plain and batched faster-whisper on the same meeting-like file, in one run.

Builds a meeting-like recording from the real Danish speech in ../shared/data/danish (clips in
shuffled order with natural pauses of 0.4-3 s and now and then a longer silence; the clips'
reference texts in the same order are the meeting's reference), then runs, each in its own
fresh process so peak memory is the process's own:
  A. plain faster-whisper: decode_audio + WhisperModel.transcribe, same model and settings
     (language da, beam 5, temperature 0, word timestamps, int8), all segments consumed;
  B. batched faster-whisper: BatchedInferencePipeline with its own VAD, batch 8, same settings;
  C. `medlyt process` as shipped (VAD, speakers, batched transcription, storage);
  D. `medlyt transcribe` on the file: transcription alone (our VAD, batched Whisper), as B does it;
  E. (--batch-1) `medlyt process` with MEDLYT_BATCH_SIZE=1 (one Whisper window after the other).
With --rounds N the runs are interleaved N times (A, B, C, D, A, B, C, D, ...): on a machine that
other work also loads, each round's ratios compare runs made under much the same load.
Prints wall time, CPU time (user + system), peak RSS and WER of each run, the ratios of C to A and
B per round and their medians; writes benchmarks/out/*.json.

Usage: python benchmarks/process_vs_whisper.py [--minutes 10] [--rounds 3] [--batch-1] [--long-minutes 120]
  --long-minutes N also runs `medlyt process` alone on an N-minute file for peak memory.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.text import corpus_wer, read_manifest  # noqa: E402  the suite's own scoring rule

DANISH = Path(os.environ.get("MEDLYT_SHARED_DATA", REPO.parent / "shared" / "data")) / "danish"
OUT = REPO / "benchmarks" / "out"
SAMPLE_RATE = 16000

PEER = """
import sys
from faster_whisper import BatchedInferencePipeline, WhisperModel, decode_audio
model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8")
settings = dict(language="da", beam_size=5, temperature=0.0, word_timestamps=True)
if sys.argv[3] == "batched":
    segments, _ = BatchedInferencePipeline(model).transcribe(decode_audio(sys.argv[2]), batch_size=8, **settings)
else:
    segments, _ = model.transcribe(decode_audio(sys.argv[2]), vad_filter=False, **settings)
print(" ".join(s.text.strip() for s in segments))
"""


def clip(name: str) -> np.ndarray:
    with wave.open(str(DANISH / name), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)


def build_meeting(path: Path, minutes: float, seed: int = 7) -> tuple[float, str]:
    """Write a meeting-like WAV of at least `minutes`, streamed to disk; returns its length (s)
    and what was said in it (the clips' reference texts, in order)."""
    rng = random.Random(seed)
    texts = {row["file"]: row["transcript"] for row in read_manifest(DANISH)}
    names = sorted(p.name for p in DANISH.glob("*.wav") if p.name in texts)
    clips = dict(zip(names, (clip(name) for name in names)))
    said: list[str] = []
    # Quiet room tone rather than digital silence, as in a real meeting room.
    noise = lambda n: (np.random.default_rng(rng.randrange(1 << 30)).normal(0, 30, n)).astype(np.int16)
    total = 0
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(SAMPLE_RATE)
        while total < minutes * 60 * SAMPLE_RATE:
            for name in rng.sample(names, len(names)):
                audio = clips[name]
                said.append(texts[name])
                pause = rng.uniform(8, 15) if rng.random() < 0.08 else rng.uniform(0.4, 3.0)
                gap = noise(int(pause * SAMPLE_RATE))
                out.writeframes(np.clip(audio.astype(np.int32) + noise(len(audio)), -32768, 32767)
                                .astype(np.int16).tobytes())
                out.writeframes(gap.tobytes())
                total += len(audio) + len(gap)
    return total / SAMPLE_RATE, " ".join(said)


def measure(command: list[str], env: dict) -> dict:
    """Wall time and peak resident memory of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    out, err = process.stdout.read(), process.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{err}")
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "stdout": out.strip()}


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


def medlyt_text(env: dict, meeting: str) -> str:
    document = json.loads(subprocess.run([sys.executable, "-m", "medlyt.cli", "export", meeting, "--format", "json"],
                                         env=env, capture_output=True, text=True, check=True).stdout)
    return " ".join(segment["text"] for segment in document["segments"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--long-minutes", type=float, default=0.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--batch-1", action="store_true", help="also medlyt process one window at a time")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="medlyt-bench-") as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "MEDLYT_HOME": str(tmp / "home"), "HF_HUB_OFFLINE": "1"}
        medlyt(env, "models", "install", "base")
        model_dir = str(tmp / "home" / "models" / "base")

        wav = tmp / "meeting.wav"
        duration, reference = build_meeting(wav, args.minutes)
        rounds = []
        for _ in range(args.rounds):  # 0: only the long meeting
            runs = {}
            for peer in ("plain", "batched"):
                runs[f"{peer}_faster_whisper"] = run = measure([sys.executable, "-c", PEER, model_dir, str(wav), peer],
                                                               env)
                run["wer"] = round(corpus_wer([reference], [run.pop("stdout")]), 4)
            # Transcription alone, as the peers do it: our VAD and batched Whisper, no speakers, no store.
            runs["medlyt_transcribe"] = run = measure([sys.executable, "-m", "medlyt.cli", "transcribe", str(wav)], env)
            run["wer"] = round(corpus_wer([reference], [" ".join(line.split("] ", 1)[-1] for line in
                                                                 run.pop("stdout").splitlines())]), 4)
            for name, batch in (("medlyt_process", None), ("medlyt_process_batch_1", "1")):
                if batch and not args.batch_1:
                    continue
                meeting = prepared_meeting(env, wav)
                run_env = env if batch is None else {**env, "MEDLYT_BATCH_SIZE": batch}
                runs[name] = run = measure([sys.executable, "-m", "medlyt.cli", "process", meeting], run_env)
                run.pop("stdout")
                run["wer"] = round(corpus_wer([reference], [medlyt_text(env, meeting)]), 4)
            ours, plain, batched = runs["medlyt_process"], runs["plain_faster_whisper"], runs["batched_faster_whisper"]
            runs["ratios"] = {
                "wall_process_to_plain": round(ours["wall_s"] / plain["wall_s"], 3),
                "wall_process_to_batched": round(ours["wall_s"] / batched["wall_s"], 3),
                "wall_transcribe_to_batched": round(runs["medlyt_transcribe"]["wall_s"] / batched["wall_s"], 3),
                "cpu_process_to_batched": round(ours["cpu_s"] / batched["cpu_s"], 3),
                "memory_process_to_plain": round(ours["peak_rss_mb"] / plain["peak_rss_mb"], 3),
                "wer_process_minus_batched": round(ours["wer"] - batched["wer"], 4),
            }
            print(json.dumps(runs, indent=2), flush=True)
            rounds.append(runs)
        result = rounds and {
            "audio_s": round(duration, 1),
            "cores": os.cpu_count(),
            "rounds": rounds,
            "median": {name: {key: statistics.median(r[name][key] for r in rounds) for key in rounds[0][name]}
                       for name in rounds[0]},
        }
        if result:
            print(json.dumps(result["median"], indent=2))
            (OUT / "process_vs_whisper.json").write_text(json.dumps(result, indent=2))

        if args.long_minutes:
            long_wav = tmp / "long.wav"
            long_duration, _said = build_meeting(long_wav, args.long_minutes)
            long_meeting = prepared_meeting(env, long_wav)
            long = measure([sys.executable, "-m", "medlyt.cli", "process", long_meeting], env)
            long.pop("stdout")
            long_result = {"audio_s": round(long_duration, 1), "medlyt_process": long,
                           "medlyt_rtf": round(long["wall_s"] / long_duration, 3)}
            print(json.dumps(long_result, indent=2))
            (OUT / "process_long.json").write_text(json.dumps(long_result, indent=2))


if __name__ == "__main__":
    main()
