"""Danish accuracy, speed and memory of every installed Whisper model, with plain and batched
faster-whisper on the same model in the same run.

For each model (those `medlyt models list` shows in MEDLYT_HOME, or --models NAME ...), three
systems with the same settings (language da, beam 5, temperature 0, word timestamps, int8 on CPU):
  plain    faster-whisper's WhisperModel.transcribe on the whole file;
  batched  faster-whisper's BatchedInferencePipeline, batch 8, with its own VAD;
  medlyt   medlyt's transcription path: our VAD, Whisper windows decoded 6 at a time.
on two inputs, every run a fresh process so its peak RSS is its own:
  clips    the 14 read clips in ../shared/data/danish (113 s): the process loads the model once
           and transcribes every clip; WER and CER over all clips; real-time factor (RTF) is the
           transcription time without the model load over the audio;
  meeting  the meeting-like file of benchmarks/process_vs_whisper.py (--minutes, default 5);
           `medlyt transcribe` for medlyt; RTF is the process's wall time, load included.
Prints a Markdown table and writes benchmarks/out/models.json.

Usage: python benchmarks/models.py [--minutes 5] [--models base roest-v3]
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.process_vs_whisper import DANISH, OUT, PEER, build_meeting, measure  # noqa: E402
from tests.text import corpus_cer, corpus_wer, read_manifest  # noqa: E402  the suite's own scoring rule

SYSTEMS = ("plain", "batched", "medlyt")

# One process per system on the clips: load once, transcribe each clip, report the time spent.
CLIPS = """
import json, sys, time
from pathlib import Path
system, home, model_dir, files = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4:]
settings = dict(language="da", beam_size=5, temperature=0.0, word_timestamps=True)
if system == "medlyt":
    from medlyt.pipeline import find_speech, load_whisper, transcribe_options
    from transcribe.whisper import transcribe_speech
    _info, whisper = load_whisper(home, model_dir)
    run = lambda f: [s.text for s in transcribe_speech(whisper, Path(f), find_speech(Path(f)), transcribe_options())]
else:
    from faster_whisper import BatchedInferencePipeline, WhisperModel, decode_audio
    model = WhisperModel(model_dir, device="cpu", compute_type="int8")
    if system == "batched":
        pipeline = BatchedInferencePipeline(model)
        run = lambda f: [s.text for s in pipeline.transcribe(decode_audio(f), batch_size=8, **settings)[0]]
    else:
        run = lambda f: [s.text for s in model.transcribe(decode_audio(f), vad_filter=False, **settings)[0]]
start = time.perf_counter()
texts = [" ".join(t.strip() for t in run(f)) for f in files]
print(json.dumps({"texts": texts, "transcribe_s": time.perf_counter() - start}))
"""


def installed_models(home: Path, wanted: list[str] | None) -> list[tuple[str, Path]]:
    from models.store import list_models

    models = [(m.name, m.path) for m in list_models(home) if m.verified]
    if wanted:
        models = [m for m in models if m[0] in wanted]
        missing = set(wanted) - {name for name, _ in models}
        if missing:
            raise SystemExit(f"not installed or not verified in {home}: {', '.join(sorted(missing))}")
    return models


def on_clips(system: str, model_dir: Path, env: dict, home: Path) -> dict:
    rows = read_manifest(DANISH)
    files = [str(DANISH / row["file"]) for row in rows]
    audio_s = sum(float(row["duration_s"]) for row in rows)
    run = measure([sys.executable, "-c", CLIPS, system, str(home), str(model_dir), *files], env)
    result = json.loads(run.pop("stdout").splitlines()[-1])
    references = [row["transcript"] for row in rows]
    return {**run, "audio_s": round(audio_s, 1), "rtf": round(result["transcribe_s"] / audio_s, 3),
            "wer": round(corpus_wer(references, result["texts"]), 4),
            "cer": round(corpus_cer(references, result["texts"]), 4)}


def on_meeting(system: str, model_dir: Path, env: dict, wav: Path, duration: float, reference: str) -> dict:
    if system == "medlyt":
        run = measure([sys.executable, "-m", "medlyt.cli", "transcribe", str(wav), "--model", str(model_dir)], env)
        text = " ".join(line.split("] ", 1)[-1] for line in run.pop("stdout").splitlines())
    else:
        run = measure([sys.executable, "-c", PEER, str(model_dir), str(wav), system], env)
        text = run.pop("stdout")
    return {**run, "rtf": round(run["wall_s"] / duration, 3),
            "wer": round(corpus_wer([reference], [text]), 4), "cer": round(corpus_cer([reference], [text]), 4)}


def table(results: dict) -> str:
    lines = ["| model | system | clips WER | clips CER | clips RTF | clips peak MB "
             "| meeting WER | meeting CER | meeting RTF | meeting peak MB |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for model, systems in results["models"].items():
        for system, r in systems.items():
            c, m = r["clips"], r["meeting"]
            lines.append(f"| {model} | {system} | {c['wer']:.3f} | {c['cer']:.3f} | {c['rtf']:.3f} | "
                         f"{c['peak_rss_mb']:.0f} | {m['wer']:.3f} | {m['cer']:.3f} | {m['rtf']:.3f} | "
                         f"{m['peak_rss_mb']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0, help="length of the meeting-like file")
    parser.add_argument("--models", nargs="*", help="names from `medlyt models list` (default: all verified)")
    args = parser.parse_args()
    from medlyt.settings import data_home

    models = installed_models(data_home(), args.models)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="medlyt-models-bench-") as tmp:
        tmp = Path(tmp)
        # A throw-away data directory: models are passed by path, so nothing of the user's is touched.
        env = {**os.environ, "MEDLYT_HOME": str(tmp / "home"), "HF_HUB_OFFLINE": "1"}
        wav = tmp / "meeting.wav"
        duration, reference = build_meeting(wav, args.minutes)
        results = {"cores": os.cpu_count(), "meeting_audio_s": round(duration, 1), "models": {}}
        for name, model_dir in models:
            results["models"][name] = {
                system: {"clips": on_clips(system, model_dir, env, tmp / "home"),
                         "meeting": on_meeting(system, model_dir, env, wav, duration, reference)}
                for system in SYSTEMS
            }
            print(f"{name}: done", file=sys.stderr)
    (OUT / "models.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    print(table(results))


if __name__ == "__main__":
    main()
