"""Speaker attribution accuracy: DER (±0.25 s collar and none), confusion and talk-share error
per recording, for the first pass (windows, clustering, votes) and after frame-level
resegmentation (transcribe.resegment), as `medlyt process` runs it.

Recordings:
- the dialogues built from real Danish voices (tests/real_dialogues.py: gaps, backchannels,
  overlaps, level differences, room response, noise at 10-20 dB SNR);
- the AMI excerpts in the shared data (dev00, dev01: 2 speakers; tst00, tst01: 4);
- the synthetic espeak-ng dialogues (tests/fixtures/dialogues) and the feedback tests' meeting
  (tests/synth.py, one microphone). Their references keep the pauses between sentences inside a
  turn, the built dialogues' and AMI's do not: a hypothesis that leaves those pauses out is
  more precise but scores as missed speech on the espeak ones.

    python benchmarks/speaker_accuracy.py [--only kontor,dev00] [--variants 3] [--rttm DIR] [--without-overlap]

--variants N builds each of the five dialogues N times, with other seeds (kontor, kontor-2, ...):
five recordings of 1.5-3 minutes are too few for a figure that does not move with the draw.

--without-overlap leaves out the overlap detector (transcribe.overlap) from the resegmented
pass: the figures before it.

Columns: DER with the ±0.25 s collar and without, DER without collar against the built
dialogues' audible reference ("hear": each phrase's edges trimmed to where its voice is heard
over the noise, tests/real_dialogues.audible_reference), DER without collar where the reference has one
speaker at a time (what is left when overlapped speech is set aside), the confusion, missed and false-alarm seconds
(no collar), the largest talk-share error in points, and interruptions by feedback's rule:
in the reference / found within ±2 s / false.

Targets (issue 21): talk-share error <= 3 points on every two-speaker recording; DER without
collar <= 12 % on the built dialogues (printed per recording, the worst, and over all of them
together: seconds wrong / reference seconds, the way a corpus is scored).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests import diarization_eval as evaluation  # noqa: E402
from tests import real_dialogues  # noqa: E402
from tests.conftest import SHARED_DATA  # noqa: E402

DIALOGUES = REPO / "tests" / "fixtures" / "dialogues"


def recordings(tmp: Path, only: set[str] | None, variants: int):
    """(name, kind, wav path, reference turns, audible reference or None, uem) for every
    recording, built or converted to the 16-bit WAV the product stores."""
    from capture.source import import_audio

    for name, recipe in real_dialogues.variants(variants).items():
        if only and name not in only:
            continue
        dialogue = real_dialogues.build_dialogue(recipe)
        wav = dialogue.write_wav(tmp / f"{name}.wav")
        yield name, "built", wav, dialogue.reference, dialogue.audible, [(0.0, dialogue.duration_s)]
    for uri in ("dev00", "dev01", "tst00", "tst01"):
        if only and uri not in only:
            continue
        folder = SHARED_DATA / "diarization"
        reference = next(iter(evaluation.read_rttm(folder / f"{uri}.rttm").values()))
        yield uri, "AMI", folder / f"{uri}.wav", reference, None, evaluation.read_uem(folder / f"{uri}.uem")
    for uri in ("dialog1", "dialog2", "dialog3"):
        if only and uri not in only:
            continue
        wav = tmp / f"{uri}.wav"
        import_audio(DIALOGUES / f"{uri}.flac", wav)
        reference = next(iter(evaluation.read_rttm(DIALOGUES / f"{uri}.rttm").values()))
        yield uri, "espeak", wav, reference, None, evaluation.read_uem(DIALOGUES / f"{uri}.uem")
    if not only or "meeting" in only:
        # The feedback tests' 4-minute meeting (tests/synth.py) on one microphone: its
        # interruption has 2 s of overlapping speech.
        from tests.synth import build_meeting

        meeting = build_meeting(tmp / "meeting")
        reference = [(t.start, t.end, t.role) for t in meeting.turns]
        yield "meeting", "espeak", meeting.mono, reference, None, [(0.0, meeting.duration_s)]


def attribute(wav: Path, k: int, options):
    """The product's attribution of a stored recording: capture.vad's speech, then by_voice."""
    from capture.vad import speech_segments
    from capture.wav import iter_mono_blocks
    from transcribe.diarize import by_voice

    speech = [(s.start, s.end) for s in speech_segments(iter_mono_blocks(wav))]
    result = by_voice(wav, speech, k, options)
    return [(t.start, t.end, str(t.speaker)) for t in result.turns]


def main() -> None:
    from transcribe.speaker_options import SpeakerOptions

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated recording names")
    parser.add_argument("--variants", type=int, default=3, help="builds of each dialogue, with other seeds (default 3)")
    parser.add_argument("--rttm", type=Path, help="write reference and hypothesis RTTMs here")
    parser.add_argument("--without-overlap", action="store_true", help="resegmented pass without the overlap detector")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    passes = {"first pass": dataclasses.replace(SpeakerOptions(), resegment=False),
              "resegmented": SpeakerOptions(overlap=not args.without_overlap)}
    print(f"{'recording':10s} {'kind':6s} {'spk':>3s} {'sec':>5s}  "
          + "  ".join(f"{name:^61s}" for name in passes))
    print(" " * 28 + "  ".join(f"{'DER.25':>7s} {'DER0':>6s} {'hear':>6s} {'1spk':>6s} {'conf s':>6s} {'miss':>5s} {'FA':>5s} {'share':>5s} "
                               f"{'int r/f/x':>8s}" for _ in passes))
    worst = {name: {"share2": 0.0, "der0_built": 0.0, "heard_built": 0.0} for name in passes}
    seconds = {name: 0.0 for name in passes}
    interrupts = {name: [0, 0, 0, 0.0] for name in passes}  # in the reference, found, false, seconds
    built_errors = {name: [0.0, 0.0] for name in passes}  # seconds wrong without collar, reference seconds
    with tempfile.TemporaryDirectory(prefix="medlyt-accuracy-") as tmp:
        for name, kind, wav, reference, audible, uem in recordings(Path(tmp), only, args.variants):
            k = len({s for _, _, s in reference})
            duration = uem[-1][1]
            cells = []
            for pass_name, options in passes.items():
                start = time.perf_counter()
                hypothesis = attribute(wav, k, options)
                seconds[pass_name] += time.perf_counter() - start
                s = evaluation.score(reference, hypothesis, uem)
                heard = evaluation.score(audible, hypothesis, uem)["der"] if audible else None
                found, false = evaluation.match_interruptions(evaluation.interruption_starts(reference),
                                                              evaluation.interruption_starts(hypothesis))
                interrupts[pass_name] = [a + b for a, b in zip(interrupts[pass_name], (
                    len(evaluation.interruption_starts(reference)), found, false, duration))]
                cells.append(f"{100 * s['der_collar']:6.1f}% {100 * s['der']:5.1f}% "
                             + (f"{100 * heard:5.1f}% " if heard is not None else f"{'-':>6s} ")
                             + f"{100 * s['der_single']:5.1f}% "
                             f"{s['confusion']:6.1f} "
                             f"{s['missed']:5.1f} {s['false_alarm']:5.1f} {s['share_error']:5.1f} "
                             f"{len(evaluation.interruption_starts(reference)):2d}/{found:2d}/{false:2d}")
                if k == 2:
                    worst[pass_name]["share2"] = max(worst[pass_name]["share2"], s["share_error"])
                if kind == "built":
                    worst[pass_name]["der0_built"] = max(worst[pass_name]["der0_built"], s["der"])
                    worst[pass_name]["heard_built"] = max(worst[pass_name]["heard_built"], heard)
                    built_errors[pass_name][0] += s["missed"] + s["false_alarm"] + s["confusion"]
                    built_errors[pass_name][1] += s["total"]
                if args.rttm:
                    args.rttm.mkdir(parents=True, exist_ok=True)
                    tag = pass_name.replace(" ", "_")
                    (args.rttm / f"{name}.{tag}.rttm").write_text("".join(
                        f"SPEAKER {name} 1 {a:.3f} {b - a:.3f} <NA> <NA> {spk} <NA> <NA>\n" for a, b, spk in hypothesis))
                    (args.rttm / f"{name}.ref.rttm").write_text("".join(
                        f"SPEAKER {name} 1 {a:.3f} {b - a:.3f} <NA> <NA> {spk} <NA> <NA>\n" for a, b, spk in reference))
            print(f"{name:10s} {kind:6s} {k:3d} {duration:5.0f}  " + "  ".join(cells))
    for pass_name in passes:
        print(f"{pass_name}: worst share error on 2-speaker recordings {worst[pass_name]['share2']:.1f} points "
              f"(target <= 3); worst DER without collar on built dialogues "
              f"{100 * worst[pass_name]['der0_built']:.1f} % (target <= 12 %), against the audible reference "
              f"{100 * worst[pass_name]['heard_built']:.1f} %; {seconds[pass_name]:.1f} s in all")
        wrong, scored = built_errors[pass_name]
        if scored:
            print(f"  DER without collar over all built dialogues together (their seconds wrong / their "
                  f"reference seconds, as a corpus is scored): {100 * wrong / scored:.2f} %")
        total, found, false, audio_s = interrupts[pass_name]
        print(f"  interruptions (feedback's rule on the turns, +-2 s): {found} of {total} found, {false} false "
              f"in {audio_s / 60:.1f} min")


if __name__ == "__main__":
    main()
