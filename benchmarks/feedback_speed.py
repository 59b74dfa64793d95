"""Speed of metrics and flags for a 3-hour meeting of about 10,000 segments.

The meeting is synthetic but shaped like a real one: a caseworker and a citizen alternating,
Danish sentences (questions, jargon, conflict words) with word times, probabilities and
loudness, some overlaps, backchannels, long turns and silences. The reference is reading the
same transcript back from the real SQLite store, so the ratio says what a recomputation after
a speaker correction costs next to loading the meeting at all.

    python benchmarks/feedback_speed.py [--segments 10000] [--hours 3] [--repeat 5]

Target (issue 4): metrics and flags in under 1 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from feedback.analysis import analyse  # noqa: E402
from feedback.config import load_config  # noqa: E402
from meetings.corrections import anchor_of  # noqa: E402
from meetings.records import Consent, Correction, Participant, Segment, Speaker, Word, now_iso  # noqa: E402
from feedback.analysis import analyser  # noqa: E402
from meetings.store import Store  # noqa: E402

SENTENCES = [
    ("C", "Hvordan er det gået siden sidst?"),
    ("C", "Har du søgt nogen job i den her uge?"),
    ("C", "Du skal stå til rådighed for arbejdsmarkedet, ellers kan det give en sanktion."),
    ("C", "Fortæl lidt om hvordan en almindelig dag ser ud for dig."),
    ("C", "Vi kan se på et ressourceforløb efter paragraf 68 a."),
    ("C", "Er du kommet i gang med praktikken?"),
    ("C", "Det forstår jeg godt."),
    ("B", "Det har været lidt op og ned, hvis jeg skal være ærlig."),
    ("B", "Jeg er ked af det og har svært ved at sove om natten."),
    ("B", "Det er simpelthen så uretfærdigt, jeg er vred over det."),
    ("B", "Jeg har faktisk erfaring fra lager, og jeg er god til at holde styr på tingene."),
    ("B", "Ja."),
    ("B", "Mm."),
    ("B", "Jeg kørte børnene i skole og så gik jeg en tur, fordi lægen har sagt det."),
]


def build_meeting(n_segments: int, hours: float, seed: int = 1) -> list[Segment]:
    rng = random.Random(seed)
    duration = hours * 3600
    per_segment = duration / n_segments
    t, segments = 0.0, []
    speaker = "C"
    for i in range(n_segments):
        role, text = rng.choice([s for s in SENTENCES if s[0] == speaker])
        tokens = text.split()
        length = max(0.3, per_segment * rng.uniform(0.6, 0.95))
        start = t - (rng.uniform(0.6, 1.2) if rng.random() < 0.03 else 0.0)  # some talk at the same time
        step = length / len(tokens)
        loud = -24.0 if rng.random() < 0.01 else -32.0
        words = [Word(start + k * step, start + (k + 1) * step, " " + tok, rng.uniform(0.4, 1.0),
                      loud + rng.uniform(-2, 2)) for k, tok in enumerate(tokens)]
        segments.append(Segment(start, start + length, text, words, {"C": "S1", "B": "S2"}[role],
                                avg_logprob=-0.3, loudness_db=loud))
        t += per_segment + (12.0 if rng.random() < 0.002 else 0.0)
        if rng.random() < 0.55:
            speaker = "B" if speaker == "C" else "C"
    return segments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=10_000)
    parser.add_argument("--hours", type=float, default=3.0)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    segments = build_meeting(args.segments, args.hours)
    speakers = [Speaker("S1", "Sagsbehandler", "sagsbehandler"), Speaker("S2", "Borger", "borger")]
    config = load_config()
    words = sum(len(s.words) for s in segments)
    print(f"Møde: {len(segments)} segmenter, {words} ord, {args.hours:g} timer")

    with tempfile.TemporaryDirectory() as home:
        store = Store(Path(home))
        consent = Consent(True, "verbal", now_iso())
        meeting = store.create_meeting("benchmark", [Participant("sagsbehandler", "Sagsbehandler", consent=consent),
                                                     Participant("borger", "Borger", consent=consent)])
        store.save_transcript(meeting.id, segments, "benchmark", speakers)
        start = time.perf_counter()
        analyse(store.segments(meeting.id), speakers, args.hours * 3600, config)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        store.correct(meeting.id, Correction("rename", anchor=anchor_of(segments, "S2"), label="Borgeren",
                                             role="borger"), analyser(config))
        correction = time.perf_counter() - start
        load_times, analyse_times = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            loaded = store.segments(meeting.id)
            load_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            result = analyse(loaded, speakers, args.hours * 3600, config)
            analyse_times.append(time.perf_counter() - start)
        store.close()

    load, analysed = statistics.median(load_times), statistics.median(analyse_times)
    kinds = {}
    for flag in result.flags:
        kinds[flag.kind] = kinds.get(flag.kind, 0) + 1
    print(f"Markeringer: {len(result.flags)} {dict(sorted(kinds.items()))}")
    print(f"Indlæsning fra SQLite (reference): {load:.3f} s (median af {args.repeat})")
    print(f"Nøgletal og markeringer:          {analysed:.3f} s (median af {args.repeat}); "
          f"forhold til indlæsning {analysed / load:.2f}")
    print(f"Første kørsel i processen (kolde ordcaches), indlæsning medregnet: {cold:.3f} s")
    print(f"En talerrettelse (medlyt speaker rename) med ny analyse, alt i databasen: {correction:.2f} s")
    print(f"Mål: under 1 s – {'OK' if analysed < 1.0 else 'IKKE NÅET'}")


if __name__ == "__main__":
    main()
