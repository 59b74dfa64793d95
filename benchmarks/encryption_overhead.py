"""What encryption at rest costs, against the same code path with the encryption left out, in one run.

Two kinds of data directory: "krypteret" (AES-256-GCM, as medlyt always runs) and "ukrypteret"
(meetings.crypto.Unencrypted: the same formats and the same steps, only the AES left out; the
benchmark swaps the store's cipher and nothing else). For each:
  (a) processing a meeting: import (decode + seal) and `process` (decrypt for the stages, VAD,
      speakers, Whisper base, loudness, analysis, sealed storage) of a meeting-like recording of
      --minutes built from the shared Danish speech (as benchmarks/process_vs_whisper.py builds it);
      the store's own step inside `process` is also timed alone: decrypting the recording into
      a WAV for the stages;
  (b) the dashboard: the meeting overview's script run in AppTest (median of --runs after one
      warm-up) on the 2-hour meeting with 2,000 segments and about 100 flags that
      benchmarks/dashboard_speed.py builds, and one played excerpt (`audio_excerpt`).
The two kinds alternate, --rounds times; each figure is the median over the rounds.

    python benchmarks/encryption_overhead.py [--minutes 10] [--rounds 1] [--runs 5]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
os.environ["HF_HUB_OFFLINE"] = "1"

import dashboard_speed  # noqa: E402
import process_vs_whisper  # noqa: E402

from medlyt.pipeline import import_recording, process_meeting  # noqa: E402
from meetings import store as store_module  # noqa: E402
from meetings.crypto import Unencrypted  # noqa: E402
from meetings.records import Consent, Participant, now_iso  # noqa: E402
from meetings.store import Store  # noqa: E402
from models.store import install_base  # noqa: E402

KINDS = ("ukrypteret", "krypteret")
OUT = REPO / "benchmarks" / "out" / "encryption_overhead.json"


@contextlib.contextmanager
def cipher_of(kind: str):
    """The store builds its cipher from the key by this name; for "ukrypteret" it gets none."""
    if kind == "krypteret":
        yield
        return
    original = store_module.Cipher
    store_module.Cipher = lambda secret: Unencrypted()
    try:
        yield
    finally:
        store_module.Cipher = original


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def processing(kind: str, base: Path, models: Path, recording: Path) -> dict:
    home = base / f"proces-{kind}"
    shutil.copytree(models, home / "models", copy_function=os.link)
    with cipher_of(kind), Store(home) as store:
        consent = Consent(True, "verbal", now_iso())
        meeting = store.create_meeting("Benchmark", [Participant("sagsbehandler", "Sagsbehandler", consent=consent),
                                                     Participant("borger", "Borger", consent=consent)])
        import_s, _ = timed(lambda: import_recording(store, meeting.id, recording))
        process_s, (done, _) = timed(lambda: process_meeting(store, home, meeting.id))
        decrypt = []
        for _ in range(3):
            with store.audio_file(meeting.id):
                pass
        for _ in range(3):
            start = time.perf_counter()
            with store.audio_file(meeting.id):
                decrypt.append(time.perf_counter() - start)
        segments = len(store.segments(meeting.id))
    shutil.rmtree(home)
    return {"import_s": import_s, "process_s": process_s, "decrypt_for_stages_s": statistics.median(decrypt),
            "segments": segments, "audio_s": done.audio.duration_s}


def dashboard(kind: str, base: Path, runs: int) -> dict:
    home = base / f"dashboard-{kind}"
    home.mkdir()
    os.environ["MEDLYT_HOME"] = str(home)
    with cipher_of(kind):
        meeting_id, info = dashboard_speed.build_home(home, 2_000, 7_200, 100)
        overview = dashboard_speed.apptest(meeting_id, dashboard_speed.OVERVIEW)
        times = dashboard_speed.timed_runs(overview, runs)
        assert overview.title[0].value == dashboard_speed.TITLE
        with Store(home) as store:
            flags = store.analysis(meeting_id).flags
            flag = flags[len(flags) // 2]
            store.audio_excerpt(meeting_id, flag.start, flag.end)
            excerpt = [timed(lambda: store.audio_excerpt(meeting_id, flag.start - 5, flag.end + 5))[0]
                       for _ in range(runs)]
    shutil.rmtree(home)
    return {"overview_s": statistics.median(times), "excerpt_s": statistics.median(excerpt),
            "segments": info["segments"], "flags": info["flags"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="længden af mødet, der behandles")
    parser.add_argument("--rounds", type=int, default=1, help="gentagelser af begge slags")
    parser.add_argument("--runs", type=int, default=5, help="AppTest-kørsler pr. måling")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="medlyt-bench-") as tmp:
        base = Path(tmp)
        os.environ["MEDLYT_KEY_FILE"] = str(base / "key")  # a key of its own; the user's is untouched
        models = base / "model-home"
        install_base(models)
        recording = base / "moede.wav"
        seconds = process_vs_whisper.build_meeting(recording, args.minutes)
        print(f"Møde til behandling: {seconds / 60:.1f} min dansk tale (delt data), Whisper base; "
              f"overblik: 2 timer, 2.000 segmenter")
        results: dict[str, dict[str, list[float]]] = {kind: {} for kind in KINDS}
        for round_ in range(args.rounds):
            for kind in KINDS:
                figures = {**processing(kind, base, models / "models", recording), **dashboard(kind, base, args.runs)}
                print(f"  runde {round_ + 1}, {kind}: " + ", ".join(
                    f"{k} {v:.3f}" for k, v in figures.items() if k.endswith("_s")), flush=True)
                for key, value in figures.items():
                    results[kind].setdefault(key, []).append(value)

    median = {kind: {k: statistics.median(v) for k, v in values.items()} for kind, values in results.items()}
    plain, sealed = median["ukrypteret"], median["krypteret"]
    print(f"\nMedian over {args.rounds} runde(r):            ukrypteret   krypteret   forhold")
    for key, name in [("import_s", "import (afkod + gem)"), ("process_s", "behandling (process)"),
                      ("decrypt_for_stages_s", "  heraf: lyden pakket ud til trinene"),
                      ("overview_s", "mødeoverblik (AppTest)"), ("excerpt_s", "afspil et øjeblik (uddrag)")]:
        print(f"  {name:<38} {plain[key]:8.3f} s {sealed[key]:9.3f} s {sealed[key] / plain[key]:8.3f}×")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"minutes": args.minutes, "rounds": args.rounds, "median": median,
                               "all": results}, indent=2))
    print(f"\nSkrevet: {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
