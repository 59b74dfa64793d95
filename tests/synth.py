"""Synthetic Danish speech for tests: two espeak-ng voices, and a scripted jobcentre meeting.

Primitives (shared with scripts/make_dialogues.py, which writes the committed dialogue fixtures):
  VOICES        the caseworker's and the citizen's espeak-ng voice settings
  synthesize()  text -> float32 samples at 16 kHz (espeak-ng, resampled with PyAV; cached)
  trim()        cut an utterance to its speech and normalise its peak

build_meeting(out_dir) writes a ~4-minute two-person meeting generated at test time, with scripted
events at sample-accurate, known times (a long caseworker monologue, an interruption, a raised
voice answered calmly, a long silence, an open question answered with a long story), so an
end-to-end test can check that feedback flags fire at those events and nowhere else.

Needs only the espeak-ng binary (apt-get install espeak-ng), numpy and av. Deterministic for a
given espeak-ng version: pauses come from a seeded RNG.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import wave
from dataclasses import asdict, dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import av
import numpy as np

SAMPLE_RATE = 16000
MS = SAMPLE_RATE // 1000

CASEWORKER = "sagsbehandler"
CITIZEN = "borger"
# espeak-ng voice, pitch (0-99), speed (words per minute): a female and a male variant.
VOICES = {
    CASEWORKER: {"voice": "da+f3", "pitch": 65, "speed": 170},
    CITIZEN: {"voice": "da+m3", "pitch": 30, "speed": 155},
}
AMPLITUDE = 0.08  # peak of each trimmed utterance (-22 dBFS): a realistic level
TRIM_FRAME_S = 0.005
TRIM_THRESHOLD_DB = -40.0  # frame RMS relative to the utterance's loudest frame

ESPEAK_MISSING = "espeak-ng is needed for the synthetic meetings: apt-get install espeak-ng"


def require_espeak() -> str:
    path = shutil.which("espeak-ng")
    if path is None:
        raise RuntimeError(ESPEAK_MISSING)
    return path


def espeak_version() -> str:
    return subprocess.run([require_espeak(), "--version"], check=True, capture_output=True, text=True).stdout.strip()


def resample_wav(data: bytes, rate: int = SAMPLE_RATE) -> np.ndarray:
    """A WAV file's bytes -> mono float32 samples at `rate`, resampled by PyAV (libswresample)."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
    chunks = []
    with av.open(io.BytesIO(data)) as container:
        for frame in container.decode(audio=0):
            chunks += [out.to_ndarray().reshape(-1) for out in resampler.resample(frame)]
    chunks += [out.to_ndarray().reshape(-1) for out in resampler.resample(None)]  # flush
    return np.concatenate(chunks).astype(np.float32) / 32768.0


@lru_cache(maxsize=None)
def synthesize(text: str, role: str) -> np.ndarray:
    """espeak-ng (22.05 kHz WAV) -> 16 kHz mono float32 samples, in that role's voice.

    Cached per (text, role) for the process; the returned array is read-only."""
    voice = VOICES[role]
    espeak = subprocess.run(
        [require_espeak(), "-v", voice["voice"], "-p", str(voice["pitch"]), "-s", str(voice["speed"]), "--stdout", text],
        check=True,
        capture_output=True,
    )
    samples = resample_wav(espeak.stdout)
    samples.setflags(write=False)
    return samples


def trim(samples: np.ndarray, amplitude: float = AMPLITUDE) -> np.ndarray:
    """Cut leading and trailing silence: keep from the first to the last 5 ms frame whose RMS is
    within TRIM_THRESHOLD_DB of the loudest frame, and scale to the given peak. The result is
    padded to whole milliseconds so that placed times are exact in three decimals."""
    frame = int(TRIM_FRAME_S * SAMPLE_RATE)
    n = len(samples) // frame
    rms = np.sqrt(np.mean(samples[: n * frame].reshape(n, frame) ** 2, axis=1))
    active = np.nonzero(rms > rms.max() * 10 ** (TRIM_THRESHOLD_DB / 20))[0]
    clip = samples[active[0] * frame : (active[-1] + 1) * frame]
    clip = clip * (amplitude / np.abs(clip).max())
    return np.pad(clip, (0, -len(clip) % MS)).astype(np.float32)


# --------------------------------------------------------------------------------------------
# The scripted meeting
# --------------------------------------------------------------------------------------------

CROSSTALK_DB = -25.0  # each person's microphone also picks up the other voice this much lower
RAISED_DB = 12.0  # the raised-voice turn is this much louder than normal
LEAD_IN_S = 0.5
TAIL_S = 0.5
PAUSE_RANGE_S = (0.4, 1.2)  # between normal turns
SENTENCE_GAP_S = (0.3, 0.6)  # between the sentences of the monologue (one turn)
OVERLAP_S = 2.0  # the interruption starts this long before the caseworker's utterance ends
CALM_PAUSE_S = 0.8  # between the raised voice and the calm answer
SILENCE_S = 14.0
SEED = 20240611

S, B = CASEWORKER, CITIZEN


@dataclass(frozen=True)
class Event:
    kind: str  # long_monologue, interruption, raised_voice, calm_response, long_silence,
    #            open_question, citizen_story
    start: float  # seconds
    end: float
    role: str | None  # who it is about; None for the silence


@dataclass(frozen=True)
class PlacedTurn:
    role: str
    text: str
    start: float  # seconds, from the first to the last sample of speech
    end: float
    level_db: float  # gain over the normal level (peak 0.08): 0.0, or +12.0 for the raised voice


@dataclass
class SyntheticMeeting:
    stereo: Path  # 16 kHz 16-bit WAV: caseworker left (channel 1), citizen right (channel 2)
    mono: Path  # 16 kHz 16-bit WAV: the two voices summed, no crosstalk
    duration_s: float
    events: list[Event]
    turns: list[PlacedTurn]

    def events_of(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind == kind]

    @property
    def caseworker_share(self) -> float:
        return talk_share(self.turns)[CASEWORKER]


@dataclass(frozen=True)
class Line:
    """One scripted turn. `text` is a tuple of sentences for a turn placed sentence by sentence
    (the monologue); otherwise one espeak-ng utterance."""

    role: str
    text: str | tuple[str, ...]
    tag: str | None = None  # marks the turns the events are built from
    pause: float | None = None  # seconds of silence before it; None: a random normal pause
    overlap: float | None = None  # or: start this long before the previous turn ends
    level_db: float = 0.0


SCRIPT: list[Line] = [
    # ~20 s of ordinary opening dialogue
    Line(S, "Goddag, og velkommen. Sæt dig bare ned, så går vi i gang."),
    Line(B, "Tak. Jeg har taget de papirer med, som du bad om i brevet."),
    Line(S, "Det er fint, dem kigger vi på senere. Hvordan har du haft det siden sidst?"),
    Line(B, "Det går nogenlunde. Ryggen driller stadig, men jeg sover bedre end før."),
    # open question -> the citizen's story
    Line(S, "Hvordan ser en helt almindelig dag ud for dig?", tag="open_question"),
    Line(
        B,
        "Ja, altså, jeg står op ved syvtiden og får børnene i skole. Bagefter prøver jeg at gå en tur, "
        "fordi lægen har sagt, at det er godt for ryggen. Nogle dage går det fint, og så sidder jeg ved "
        "computeren og kigger efter job. Men andre dage har jeg så ondt, at jeg må ligge på sofaen det "
        "meste af formiddagen. Om tirsdagen går jeg til fysioterapeut, og det hjælper lidt på smerterne, "
        "men det tager også det meste af dagen, fordi jeg skal tage bussen begge veje. "
        "Om eftermiddagen henter jeg børnene, laver mad og hjælper med lektier. "
        "Og når de er lagt i seng, er jeg egentlig bare træt og går tidligt i seng selv, "
        "selv om jeg ikke har lavet noget særligt hele dagen.",
        tag="citizen_story",
    ),
    # normal dialogue
    Line(S, "Tak, fordi du fortæller det så åbent. Hvad tænker du selv, der kunne hjælpe dig videre?"),
    Line(B, "Jeg tror, jeg har brug for at komme ud blandt andre mennesker igen. Det er svært at være alene "
            "derhjemme hele dagen, og jeg savner faktisk at have kolleger at snakke med."),
    # the interruption
    Line(S, "Ja, og det er netop derfor, jeg gerne vil fortælle dig lidt om de forskellige muligheder, "
            "vi har her i jobcentret lige nu.", tag="interrupted"),
    Line(B, "Undskyld, men jeg har prøvet et kursus før, og det hjalp overhovedet ikke noget.",
         tag="interruption", overlap=OVERLAP_S),
    # normal dialogue
    Line(S, "Okay. Hvad var det, der ikke fungerede på det kursus?"),
    Line(B, "Vi var alt for mange på holdet, og ingen havde tid til at hjælpe. Jeg sad bare og ventede hele "
            "dagen, og til sidst holdt jeg op med at komme, fordi det føltes helt meningsløst."),
    # the long monologue: one turn, sentences 0.3-0.6 s apart
    Line(
        S,
        (
            "Det forstår jeg godt. Så lad mig fortælle, hvordan det hele hænger sammen.",
            "Når du modtager ydelse, har du ret og pligt til et tilbud, og vi skal lave en plan sammen.",
            "Planen beskriver, hvad dit mål er, og hvilke skridt vi tager for at nå det.",
            "Du skal stadig søge job hver uge og registrere dine ansøgninger i din joblog.",
            "Hvis du er syg, skal du melde dig syg samme dag, og så kan vi tage hensyn til det.",
            "Det, jeg vil foreslå, er en virksomhedspraktik i en genbrugsbutik her i byen.",
            "Du starter med ti timer om ugen, fordelt på tre dage, og så kan vi sætte timerne op, når du er klar.",
            "I praktikken får du en fast kontaktperson, som viser dig til rette og hjælper dig i gang.",
            "Du skal ikke sidde og vente på andre, for der er altid noget at lave i butikken.",
            "Efter fire uger holder vi et opfølgningsmøde, hvor vi taler om, hvordan det går.",
            "Hvis det går godt, kan praktikken forlænges, og måske kan det blive til et job med løntilskud.",
            "Vi skal også have en statusattest fra din læge, så vi ved, hvad ryggen kan holde til.",
            "Den sørger jeg for at bestille, og kommunen betaler for den.",
            "Jeg sender dig et brev i e-boks med planen, og du skal læse den igennem og godkende den.",
            "Hvis der er noget, du er uenig i, så skriver du bare til mig, så retter vi det sammen.",
            "Det vigtigste er, at du siger til, hvis noget ikke fungerer for dig.",
        ),
        tag="long_monologue",
    ),
    # normal dialogue
    Line(B, "Okay, det var godt nok meget på én gang. Jeg kan egentlig godt lide tanken om en genbrugsbutik, men hvad sker der, "
            "hvis ryggen ikke kan holde til det?"),
    Line(S, "Så skal du melde dig syg samme dag, ellers kan det få betydning for din ydelse, og det vil vi jo "
            "gerne undgå."),
    # raised voice -> calm answer
    Line(B, "Jeg er så træt af, at ingen lytter til mig! Det er mit liv, det handler om!", tag="raised_voice",
         level_db=RAISED_DB),
    Line(S, "Jeg hører dig, og jeg forstår godt, at det har været svært. Vi finder en løsning sammen.",
         tag="calm_response", pause=CALM_PAUSE_S),
    # normal dialogue
    Line(B, "Undskyld. Jeg blev bare så frustreret. Det er ikke dig, jeg er sur på, det er hele systemet."),
    Line(S, "Det er helt i orden. Giv mig et øjeblik, så skriver jeg i din plan, at du må holde pauser."),
    Line(B, "Ja, selvfølgelig. Tag du bare den tid, du skal bruge."),
    # the long silence (the caseworker writes), then a short ending
    Line(S, "Sådan, nu står det i planen. Vi ses igen om fjorten dage.",
         tag="after_silence", pause=SILENCE_S),
    Line(B, "Tak for i dag. Det lyder faktisk som noget, jeg godt kan klare."),
]


def _pause(rng: np.random.Generator, low_high: tuple[float, float]) -> int:
    """A random pause in whole milliseconds, as samples."""
    return round(rng.uniform(*low_high) * 1000) * MS


def _clip(line: Line, rng: np.random.Generator) -> np.ndarray:
    amplitude = AMPLITUDE * 10 ** (line.level_db / 20)
    if isinstance(line.text, str):
        return trim(synthesize(line.text, line.role), amplitude)
    parts = []
    for index, sentence in enumerate(line.text):
        if index:
            parts.append(np.zeros(_pause(rng, SENTENCE_GAP_S), dtype=np.float32))
        parts.append(trim(synthesize(sentence, line.role), amplitude))
    return np.concatenate(parts)


def _intervals_union(intervals: list[tuple[float, float]]) -> float:
    total, reach = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def talk_share(turns: list[PlacedTurn]) -> dict[str, float]:
    """Each role's talk time (union of its turns) over the sum of both."""
    talk = {role: _intervals_union([(t.start, t.end) for t in turns if t.role == role]) for role in VOICES}
    total = sum(talk.values())
    return {role: talk[role] / total for role in talk}


def _place(script: list[Line], seed: int) -> tuple[list[tuple[Line, int, int, np.ndarray]], int]:
    rng = np.random.default_rng(seed)
    placed = []
    cursor = int(LEAD_IN_S * SAMPLE_RATE)  # end of all speech so far, in samples
    for line in script:
        clip = _clip(line, rng)
        if not placed:
            start = cursor
        elif line.overlap is not None:
            start = placed[-1][2] - round(line.overlap * SAMPLE_RATE)
        elif line.pause is not None:
            start = cursor + round(line.pause * SAMPLE_RATE)
        else:
            start = cursor + _pause(rng, PAUSE_RANGE_S)
        placed.append((line, start, start + len(clip), clip))
        cursor = max(cursor, start + len(clip))
    return placed, cursor + int(TAIL_S * SAMPLE_RATE)


def _events(turns: list[PlacedTurn], tags: list[str | None]) -> list[Event]:
    by_tag = {tag: (index, turns[index]) for index, tag in enumerate(tags) if tag}
    events = []
    for kind in ("open_question", "citizen_story", "interruption", "long_monologue", "raised_voice",
                 "calm_response"):
        _, turn = by_tag[kind]
        events.append(Event(kind, turn.start, turn.end, turn.role))
    index, after = by_tag["after_silence"]
    events.append(Event("long_silence", turns[index - 1].end, after.start, None))
    return sorted(events, key=lambda e: e.start)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(f"synthetic meeting: {message}")


def _check(turns: list[PlacedTurn], tags: list[str | None], events: list[Event], duration: float) -> None:
    """The script's promises, checked on the placed times (so a different espeak-ng that speaks
    faster or slower fails loudly here rather than in the test that relies on them)."""
    ev = {e.kind: e for e in events}
    by_tag = {tag: turns[i] for i, tag in enumerate(tags) if tag}

    def span(e: Event | PlacedTurn) -> float:
        return e.end - e.start

    _require(200 <= duration <= 250, f"duration {duration:.1f} s, want about 3.5-4 minutes")
    _require(70 <= span(ev["long_monologue"]) <= 80, f"monologue {span(ev['long_monologue']):.1f} s")
    _require(6 <= span(by_tag["interrupted"]) <= 8, f"interrupted turn {span(by_tag['interrupted']):.1f} s")
    _require(4 <= span(ev["interruption"]) <= 5, f"interruption {span(ev['interruption']):.1f} s")
    overlap = by_tag["interrupted"].end - ev["interruption"].start
    _require(abs(overlap - OVERLAP_S) < 1e-6, f"overlap {overlap:.3f} s")
    _require(4 <= span(ev["raised_voice"]) <= 6, f"raised voice {span(ev['raised_voice']):.1f} s")
    _require(35 <= span(ev["citizen_story"]) <= 45, f"citizen story {span(ev['citizen_story']):.1f} s")
    _require(abs(span(ev["long_silence"]) - SILENCE_S) < 1e-6, "silence")

    special = {"long_monologue", "citizen_story", "interruption", "raised_voice"}
    for turn, tag in zip(turns, tags):
        if tag not in special:
            _require(2 <= turn.end - turn.start <= 12, f"normal turn of {turn.end - turn.start:.1f} s: {turn.text!r}")
        if tag != "raised_voice":
            _require(turn.level_db == 0.0, "only the raised voice is loud")
        if turn.role == CASEWORKER and tag != "long_monologue":
            _require(turn.end - turn.start <= 30, "a caseworker turn over 30 s")
    for (a, tag_a), (b, tag_b) in zip(zip(turns, tags), zip(turns[1:], tags[1:])):
        gap = b.start - a.end
        _require(a.role != b.role, f"two turns in a row by {a.role}")
        if tag_b == "interruption":
            continue
        _require(gap > 0, f"overlap at {b.start:.2f} s")
        _require(gap <= 3.0 or tag_b == "after_silence", f"pause of {gap:.1f} s at {a.end:.2f} s")

    # Scenes (an event with what belongs to it) at least 15 s apart, the first after ~20 s.
    scenes = [
        (ev["open_question"].start, ev["citizen_story"].end),
        (by_tag["interrupted"].start, ev["interruption"].end),
        (ev["long_monologue"].start, ev["long_monologue"].end),
        (ev["raised_voice"].start, ev["calm_response"].end),
        (ev["long_silence"].start, ev["long_silence"].end),
    ]
    _require(scenes[0][0] >= 18, f"first event at {scenes[0][0]:.1f} s")
    for (_, end), (start, _) in pairwise(scenes):
        _require(start - end >= 15, f"only {start - end:.1f} s between events at {end:.1f} s")

    share = talk_share(turns)[CASEWORKER]
    _require(0.50 <= share <= 0.60, f"caseworker share {share:.3f}, want 0.50-0.60")


def _write_wav(path: Path, channels: np.ndarray) -> None:
    """channels: float array (n_channels, n_samples), peak below 1; written as 16-bit PCM."""
    _require(np.abs(channels).max() < 1.0, "clipping")
    data = np.round(channels.T * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels.shape[0])
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(data.tobytes())


def build_meeting(out_dir: Path, seed: int = SEED) -> SyntheticMeeting:
    """Write meeting_stereo.wav, meeting_mono.wav and meeting.json into out_dir."""
    require_espeak()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    placed, length = _place(SCRIPT, seed)

    tracks = {role: np.zeros(length, dtype=np.float32) for role in VOICES}
    turns, tags = [], []
    for line, start, end, clip in placed:
        tracks[line.role][start:end] += clip
        text = line.text if isinstance(line.text, str) else " ".join(line.text)
        turns.append(PlacedTurn(line.role, text, start / SAMPLE_RATE, end / SAMPLE_RATE, line.level_db))
        tags.append(line.tag)
    duration = length / SAMPLE_RATE
    events = _events(turns, tags)
    _check(turns, tags, events, duration)

    crosstalk = 10 ** (CROSSTALK_DB / 20)
    left = tracks[CASEWORKER] + crosstalk * tracks[CITIZEN]
    right = tracks[CITIZEN] + crosstalk * tracks[CASEWORKER]
    meeting = SyntheticMeeting(
        stereo=out_dir / "meeting_stereo.wav",
        mono=out_dir / "meeting_mono.wav",
        duration_s=duration,
        events=events,
        turns=turns,
    )
    _write_wav(meeting.stereo, np.stack([left, right]))
    _write_wav(meeting.mono, (tracks[CASEWORKER] + tracks[CITIZEN])[None, :])
    info = {
        "sample_rate": SAMPLE_RATE,
        "duration_s": duration,
        "stereo": meeting.stereo.name,
        "mono": meeting.mono.name,
        "channels": {"1": CASEWORKER, "2": CITIZEN},
        "crosstalk_db": CROSSTALK_DB,
        "voices": VOICES,
        "espeak_ng": espeak_version(),
        "seed": seed,
        "caseworker_share": round(meeting.caseworker_share, 4),
        "events": [asdict(e) for e in events],
        "turns": [asdict(t) for t in turns],
    }
    (out_dir / "meeting.json").write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n")
    return meeting


if __name__ == "__main__":  # python -m tests.synth [OUT_DIR]: build one and print its events
    import sys
    import time

    began = time.perf_counter()
    m = build_meeting(Path(sys.argv[1] if len(sys.argv) > 1 else "synthetic-meeting"))
    print(f"{m.duration_s:.1f} s, {len(m.turns)} turns, caseworker share {m.caseworker_share:.3f}, "
          f"built in {time.perf_counter() - began:.1f} s")
    for e in m.events:
        print(f"  {e.kind:15s} {e.start:7.3f} - {e.end:7.3f} ({e.end - e.start:5.2f} s) {e.role}")
