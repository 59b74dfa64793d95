"""Generate synthetic two-voice Danish caseworker-citizen conversations for diarization tests.

Each utterance is synthesised with espeak-ng (two clearly different Danish voices), resampled to
16 kHz with PyAV, trimmed to its actual speech with an energy threshold, and placed on a timeline
with known pauses or overlaps. Because every clip is cut to its speech and placed by us, the
reference RTTM marks exactly where each voice sounds (turn level: a turn's internal sentence
pauses stay inside its segment).

Writes, per conversation, into tests/fixtures/dialogues/:
  <uri>.flac  16 kHz FLAC (mono; dialog1_stereo has the caseworker left, the citizen right)
  <uri>.rttm  reference turns, speakers "sagsbehandler" and "borger"
  <uri>.uem   the whole file
  <uri>.json  the script: turn texts, roles, voices and placed times

  dialog1         clean, no overlap
  dialog1_stereo  dialog1 with one speaker per channel
  dialog2         clean, with overlapping turns (0.5-1.0 s) and a backchannel inside a story
  dialog3         pink noise added at 15 dB SNR (seeded)

The voices and the synthesis primitives (VOICES, synthesize, trim) live in tests/synth.py, which
also builds the synthetic meeting used by the feedback tests.

Generation-time requirements (not needed to run the tests): the espeak-ng binary, numpy, av.
Usage, from the repository root:
    python -m scripts.make_dialogues [OUTPUT_DIR]
    python scripts/make_dialogues.py [OUTPUT_DIR]     (also works: the repo root is put on sys.path)
Deterministic for a given espeak-ng version (pauses and noise are seeded). The committed fixtures
were made with sox's resampler; PyAV's gives clips of the same length to within a sample and
nearly the same samples, so regenerating changes the files' bytes but not their timings.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a file (python scripts/make_dialogues.py), not with -m
    sys.path.insert(0, str(REPO))

from tests.synth import (
    CASEWORKER,
    CITIZEN,
    SAMPLE_RATE,
    VOICES,
    espeak_version,
    synthesize,
    trim,
)

OUTPUT_DIR = REPO / "tests" / "fixtures" / "dialogues"

LEAD_IN_S = 0.5
TAIL_S = 0.5
PAUSE_RANGE_S = (0.3, 1.5)
NOISE_SNR_DB = 15.0

S, B = CASEWORKER, CITIZEN


@dataclass
class Turn:
    role: str
    text: str
    overlap: float = 0.0  # start this many seconds before the previous turn ends
    inside: float | None = None  # or: start this many seconds after the previous turn starts


DIALOG1 = [
    Turn(S, "Goddag, og velkommen til. Sæt dig bare ned."),
    Turn(B, "Tak skal du have."),
    Turn(S, "Hvordan er det gået siden sidst, vi sås?"),
    Turn(B, "Det har været lidt op og ned, hvis jeg skal være ærlig."),
    Turn(S, "Det lyder hårdt. Hvordan ser en almindelig dag ud for dig lige nu?"),
    Turn(
        B,
        "Ja, altså, jeg står op ved syvtiden og får børnene i skole. Bagefter prøver jeg at gå en tur, "
        "fordi lægen har sagt, at det er godt for ryggen. Nogle dage går det fint, og så sidder jeg ved "
        "computeren og kigger efter job. Men andre dage har jeg så ondt, at jeg må ligge på sofaen det "
        "meste af formiddagen. Om eftermiddagen henter jeg børnene, laver mad og hjælper med lektier.",
    ),
    Turn(S, "Tak, fordi du fortæller det. Hvad tænker du selv, der kunne hjælpe dig?"),
    Turn(B, "Måske et job med færre timer i starten."),
    Turn(S, "Har du søgt nogen stillinger den sidste måned?"),
    Turn(B, "Ja, tre. Et lager, et supermarked og en stilling som chauffør."),
    Turn(S, "Hvad med en virksomhedspraktik, hvor du kan prøve dig selv af i et roligt tempo?"),
    Turn(B, "Det kunne jeg godt tænke mig. Hvor skulle det være?"),
    Turn(S, "Vi har et samarbejde med en genbrugsbutik her i byen, hvor man starter med ti timer om ugen."),
    Turn(B, "Mm."),
    Turn(S, "Hvordan lyder det for dig?"),
    Turn(B, "Det lyder faktisk rigtig godt."),
    Turn(S, "Så laver jeg en aftale, og vi ses igen om fjorten dage. Er der andet, du gerne vil spørge om?"),
    Turn(B, "Nej, det var vist det. Tak for i dag."),
    Turn(S, "Selv tak, og pas godt på dig selv."),
]

DIALOG2 = [
    Turn(S, "Hej, kom indenfor. Hvordan har du det i dag?"),
    Turn(B, "Jo tak, det går."),
    Turn(S, "Jeg kan se, at du ikke kom til mødet i sidste uge. Hvad skete der?"),
    Turn(B, "Jeg fik aldrig brevet. Det kom i e-boks, og jeg har ikke adgang til den længere."),
    Turn(S, "Okay, det skal vi have styr på.", overlap=0.6),
    Turn(B, "Ja, for jeg vil ikke have en sanktion for noget, jeg ikke vidste.", overlap=0.8),
    Turn(S, "Det forstår jeg godt. Vi kigger på det sammen."),
    Turn(B, "Tak."),
    Turn(S, "Hvordan går det ellers med kurset?"),
    Turn(
        B,
        "Kurset er faktisk det bedste, der er sket i lang tid. Vi er otte på holdet, og underviseren er "
        "rigtig god til at forklare tingene. Vi har lært at lave et ordentligt CV, og i sidste uge var vi "
        "ude på en virksomhed for at se, hvordan de arbejder. Jeg havde ikke troet, at jeg kunne lide at "
        "arbejde med computere, men det kan jeg faktisk. Nu overvejer jeg at søge ind på en uddannelse "
        "som kontorassistent.",
    ),
    Turn(S, "Mm.", inside=9.0),  # a backchannel while the citizen tells
    Turn(S, "Det er godt at høre. Hvad skal der til, for at du kan søge ind?", overlap=0.5),
    Turn(B, "Jeg skal vist have engelsk på et højere niveau."),
    Turn(S, "Har du tænkt på at tage det på VUC?"),
    Turn(B, "Ja, men jeg ved ikke, om jeg kan nå det ved siden af kurset."),
    Turn(S, "Det kan vi godt finde ud af. Der er hold om aftenen.", overlap=1.0),
    Turn(B, "Nå, det vidste jeg ikke."),
    Turn(S, "Så foreslår jeg, at vi skriver det ind i din plan."),
    Turn(B, "Ja, det synes jeg."),
    Turn(S, "Og så ringer jeg til dig på fredag om brevet."),
    Turn(B, "Fint. Tak for i dag."),
    Turn(S, "I lige måde. Hej hej."),
]

DIALOG3 = [
    Turn(S, "Velkommen. Jeg hedder Anne, og jeg er din sagsbehandler."),
    Turn(B, "Hej. Jeg er lidt nervøs."),
    Turn(S, "Det er helt forståeligt. Vi tager det stille og roligt."),
    Turn(B, "Ja."),
    Turn(S, "Hvad har du lavet de sidste par år?"),
    Turn(B, "Jeg har arbejdet som tjener på en restaurant, indtil den lukkede i foråret."),
    Turn(S, "Hvad kunne du bedst lide ved det arbejde?"),
    Turn(
        B,
        "Jeg kunne godt lide at møde mange forskellige mennesker. Man fik hurtigt en god kontakt med "
        "gæsterne, og mange af dem kom igen og igen. Det var også rart at være en del af et hold, hvor vi "
        "hjalp hinanden, når der var travlt. Men arbejdstiderne var hårde, især om aftenen og i "
        "weekenderne, og det gik ud over min familie. Så hvis jeg skal være helt ærlig, vil jeg gerne "
        "have noget med mere faste tider.",
    ),
    Turn(S, "Mm."),
    Turn(B, "Men jeg ved ikke rigtig, hvad det skulle være."),
    Turn(S, "Hvilke ting er du god til, synes du selv?"),
    Turn(B, "Jeg er god til at holde styr på mange ting på én gang."),
    Turn(S, "Det er en styrke. Har du tænkt på at arbejde på et hotel?"),
    Turn(B, "Ja, det kunne være spændende."),
    Turn(S, "Der er en del ledige stillinger i receptioner lige nu."),
    Turn(B, "Skal man ikke kunne tale mange sprog?"),
    Turn(S, "Engelsk hjælper, men det kan man lære undervejs."),
    Turn(B, "Mm."),
    Turn(S, "Skal vi aftale, at du søger to stillinger inden næste møde?"),
    Turn(B, "Ja, det vil jeg gerne prøve."),
    Turn(S, "Fint. Så sender jeg dig nogle opslag i dag."),
    Turn(B, "Tak for hjælpen."),
]


def place(turns: list[Turn], rng: np.random.Generator) -> tuple[list[dict], dict[str, np.ndarray]]:
    """Lay the trimmed utterances on a timeline; returns placed turns and one track per role."""
    ms = SAMPLE_RATE // 1000
    placed = []
    cursor = int(LEAD_IN_S * SAMPLE_RATE)  # end of all speech so far, in samples
    previous = None
    for index, turn in enumerate(turns):
        clip = trim(synthesize(turn.text, turn.role))
        if previous is None:
            start = cursor
        elif turn.inside is not None:
            start = previous["start_sample"] + int(turn.inside * SAMPLE_RATE)
        elif turn.overlap:
            start = previous["end_sample"] - int(turn.overlap * SAMPLE_RATE)
        else:
            pause_ms = int(round(rng.uniform(*PAUSE_RANGE_S) * 1000))
            start = cursor + pause_ms * ms
        end = start + len(clip)
        entry = {
            "index": index,
            "role": turn.role,
            "text": turn.text,
            "start_sample": start,
            "end_sample": end,
            "clip": clip,
        }
        placed.append(entry)
        cursor = max(cursor, end)
        if turn.inside is None:  # a backchannel inside a turn does not become the reference point
            previous = entry
    length = cursor + int(TAIL_S * SAMPLE_RATE)
    tracks = {role: np.zeros(length, dtype=np.float32) for role in VOICES}
    for entry in placed:
        tracks[entry["role"]][entry["start_sample"] : entry["end_sample"]] += entry.pop("clip")
    return placed, tracks


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-power 1/f noise by shaping white noise's spectrum."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
    spectrum[1:] /= np.sqrt(freqs[1:])
    spectrum[0] = 0
    noise = np.fft.irfft(spectrum, n)
    return noise / np.sqrt(np.mean(noise**2))


def add_noise(mix: np.ndarray, placed: list[dict], snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """Add pink noise so that speech power (over the reference speech samples) / noise power = snr."""
    speech = np.zeros(len(mix), dtype=bool)
    for entry in placed:
        speech[entry["start_sample"] : entry["end_sample"]] = True
    speech_power = np.mean(mix[speech] ** 2)
    noise = pink_noise(len(mix), rng) * np.sqrt(speech_power / 10 ** (snr_db / 10))
    return (mix + noise).astype(np.float32)


def to_int16(samples: np.ndarray) -> np.ndarray:
    peak = np.abs(samples).max()
    if peak > 0.99:  # never clip; overlaps can add up
        samples = samples * (0.99 / peak)
    return np.round(samples * 32767).astype(np.int16)


def write_flac(channels: np.ndarray, path: Path) -> None:
    """channels: int16 array of shape (n_channels, n_samples)."""
    layout = "mono" if channels.shape[0] == 1 else "stereo"
    with av.open(str(path), "w", format="flac") as container:
        stream = container.add_stream("flac", rate=SAMPLE_RATE, layout=layout)
        stream.codec_context.options = {"compression_level": "12"}
        # Packed s16 for stereo is interleaved: shape (1, n_samples * channels).
        data = np.ascontiguousarray(channels.T).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(data, format="s16", layout=layout)
        frame.sample_rate = SAMPLE_RATE
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def write_references(out: Path, uri: str, placed: list[dict], n_samples: int, extra: dict) -> None:
    duration = n_samples / SAMPLE_RATE
    lines = []
    turns = []
    for entry in sorted(placed, key=lambda e: e["start_sample"]):
        start = entry["start_sample"] / SAMPLE_RATE
        dur = (entry["end_sample"] - entry["start_sample"]) / SAMPLE_RATE
        lines.append(f"SPEAKER {uri} 1 {start:.3f} {dur:.3f} <NA> <NA> {entry['role']} <NA> <NA>\n")
    for entry in placed:
        turns.append(
            {
                "index": entry["index"],
                "role": entry["role"],
                "text": entry["text"],
                "start": round(entry["start_sample"] / SAMPLE_RATE, 3),
                "end": round(entry["end_sample"] / SAMPLE_RATE, 3),
            }
        )
    (out / f"{uri}.rttm").write_text("".join(lines))
    (out / f"{uri}.uem").write_text(f"{uri} NA 0.000 {duration:.3f}\n")
    script = {
        "uri": uri,
        "sample_rate": SAMPLE_RATE,
        "duration_s": round(duration, 3),
        "voices": VOICES,
        **extra,
        "turns": turns,
    }
    (out / f"{uri}.json").write_text(json.dumps(script, ensure_ascii=False, indent=1) + "\n")


# The caseworker alone, other sentences than in the dialogues: a voice-print enrolment recording.
ENROLMENT = [
    "Jeg hedder Anne, og jeg er sagsbehandler i jobcentret.",
    "Denne optagelse bruges kun til at genkende min stemme i mine egne samtaler.",
    "Jeg kan altid bede om at få stemmeprøven slettet igen.",
    "Vi taler om uddannelse, praktik, ledighed og om hvad der skal ske de næste måneder.",
]


def build_enrolment(out: Path) -> None:
    pause = np.zeros(int(0.6 * SAMPLE_RATE), dtype=np.float32)
    clip = np.concatenate([part for text in ENROLMENT for part in (trim(synthesize(text, CASEWORKER)), pause)])
    write_flac(to_int16(clip)[None, :], out / "enrol_sagsbehandler.flac")
    print(f"enrol_sagsbehandler: {len(clip) / SAMPLE_RATE:.1f} s")


def build(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    version = espeak_version()
    conversations = [
        ("dialog1", DIALOG1, 1, None),
        ("dialog2", DIALOG2, 2, None),
        ("dialog3", DIALOG3, 3, NOISE_SNR_DB),
    ]
    for uri, turns, seed, snr in conversations:
        rng = np.random.default_rng(seed)
        placed, tracks = place(turns, rng)
        mix = tracks[CASEWORKER] + tracks[CITIZEN]
        extra = {"espeak_ng": version, "noise": None}
        if snr is not None:
            mix = add_noise(mix, placed, snr, rng)
            extra["noise"] = {"kind": "pink", "snr_db": snr, "seed": seed}
        write_flac(to_int16(mix)[None, :], out / f"{uri}.flac")
        write_references(out, uri, placed, len(mix), extra)
        print(f"{uri}: {len(mix) / SAMPLE_RATE:.1f} s, {len(placed)} turns")
        if uri == "dialog1":
            stereo_uri = "dialog1_stereo"
            stereo = np.stack([to_int16(tracks[CASEWORKER]), to_int16(tracks[CITIZEN])])
            write_flac(stereo, out / f"{stereo_uri}.flac")
            write_references(out, stereo_uri, placed, len(mix), {**extra, "channels": {"0": CASEWORKER, "1": CITIZEN}})
            print(f"{stereo_uri}: {len(mix) / SAMPLE_RATE:.1f} s, {len(placed)} turns, stereo")
    build_enrolment(out)


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT_DIR)
