"""Two-person dialogues built from real Danish voices, with a reference of who spoke when.

Real Danish conversations with reference turns are scarce, so these are assembled: phrases of
real read speech (shared data: the NST speakers nst_da_0042 and the ReadAlongs speaker ap_dan in
danish/, the LibriVox reader in danish_long/ — four different people, see
../shared/data/README.md for provenance and licences) are cut at their pauses and placed as a
conversation between two of them:

- turns of one to several phrases, with pauses of 0.3-0.8 s inside a turn;
- gaps of 0.1-1.2 s between turns, or an overlap: the next turn starts 0.3-2.0 s before the
  previous one ends;
- backchannels: the listener says something short (0.2-0.7 s, their own voice) inside a long turn;
- a level difference between the two voices (one sits further from the microphone);
- a simple synthetic room response per speaker (direct sound plus an exponentially decaying
  noise tail with the room's RT60, at a given direct-to-reverberant ratio);
- pink noise at 10-20 dB SNR (speech power over the reference speech against noise power).

The reference marks where each voice sounds, dry (the reverberation tail is not speech): one
line per placed phrase, whose internal pauses are shorter than PHRASE_GAP_S. It counts a voice
down to ACTIVE_BELOW_PEAK_DB under its loud frames, so at 10-20 dB SNR a phrase's quiet edges
lie under the noise. The audible reference is the same phrases with their edges trimmed to
where the voice, as it reaches the microphone, is heard over the noise (audible_reference).
Everything is seeded, so a dialogue is the same on every machine; nothing is committed but
this recipe.

    build_dialogue(DIALOGUES["kontor"]) -> Dialogue(audio, reference)
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.signal import fftconvolve

from tests import audio_files
from tests.conftest import SHARED_DATA

RATE = 16000
FRAME_S = 0.01
PHRASE_GAP_S = 0.3  # a pause this long ends a phrase (NIST's usual 0.3 s for joining speech)
PHRASE_MIN_S = 0.2  # shorter bursts of energy are clicks and breaths, not phrases
PHRASE_BELOW_VOICE_DB = 20.0  # ... and so are quieter ones (see phrases)
ACTIVE_BELOW_PEAK_DB = 35.0  # a frame is voice if within this of the source's loud frames
ACTIVE_ABOVE_FLOOR_DB = 10.0  # ... and this far above its quiet frames (the LibriVox hiss)
EDGE_S = 0.05  # quiet room tone kept around each cut phrase, so it does not start with a click
SPEECH_LEVEL_DBFS = -26.0  # active speech level of the nearer voice
AUDIBLE_FRAME_S = 0.02
# A phrase is heard from its first to its last frame whose voice at the microphone is at most
# this far below the noise: people detect speech somewhat below broadband noise, not far below.
AUDIBLE_BELOW_NOISE_DB = 6.0

Turn = tuple[float, float, str]


@dataclass(frozen=True)
class Recipe:
    """One dialogue: which two voices, how they talk, and the room."""

    name: str
    voices: tuple[str, str]
    seconds: tuple[float, float]  # about this much speech of each voice
    snr_db: float
    rt60_s: float
    drr_db: tuple[float, float]  # direct-to-reverberant ratio per voice (the further one lower)
    level_db: tuple[float, float]  # gain per voice relative to SPEECH_LEVEL_DBFS
    phrases_per_turn: tuple[float, float]  # mean phrases in a turn, per voice
    overlap_p: float = 0.2  # chance that a turn starts before the previous one ends
    backchannel_p: float = 0.3  # chance that the listener backchannels inside a turn of >= 3 s
    seed: int = 0
    librivox_from_s: float = 0.0  # where in the 6-minute story this dialogue's reader starts


# Five rooms and pairs. "samtale" and "skranke" are the small, fast subset the tests use.
DIALOGUES = {
    r.name: r
    for r in [
        Recipe("kontor", ("nst_da_0042", "librivox"), (55, 55), 20, 0.3, (8, 6), (0, -2), (2.0, 2.0), seed=1),
        Recipe("samtale", ("ap_dan", "librivox"), (30, 40), 15, 0.4, (7, 4), (0, -4), (2.0, 1.5),
               overlap_p=0.25, seed=2, librivox_from_s=70),
        Recipe("skranke", ("nst_da_0042", "ap_dan"), (45, 30), 12, 0.5, (6, 3), (0, -6), (1.5, 1.5),
               overlap_p=0.3, seed=3),
        Recipe("monolog", ("librivox", "nst_da_0042"), (120, 35), 10, 0.6, (5, 3), (0, -3), (4.0, 1.0),
               seed=4, librivox_from_s=130),
        Recipe("hurtig", ("ap_dan", "nst_da_0042"), (30, 45), 18, 0.35, (8, 5), (-3, 0), (1.0, 1.0),
               overlap_p=0.35, backchannel_p=0.5, seed=5),
    ]
}
SUBSET = ("samtale", "skranke")


def variants(count: int) -> dict[str, Recipe]:
    """Every recipe `count` times, so a figure does not rest on one draw: the recipe itself,
    then with other seeds (other phrases, gaps, overlaps, backchannels, room and noise), named
    kontor, kontor-2, kontor-3 and so on."""
    return {recipe.name if k == 0 else f"{recipe.name}-{k + 1}":
            replace(recipe, name=recipe.name if k == 0 else f"{recipe.name}-{k + 1}", seed=recipe.seed + 100 * k)
            for recipe in DIALOGUES.values() for k in range(count)}


@dataclass
class Dialogue:
    name: str
    audio: np.ndarray  # float32 mono, 16 kHz
    reference: list[Turn]  # (start, end, voice), sorted
    audible: list[Turn]  # the reference with each phrase's edges trimmed to where it is heard

    @property
    def duration_s(self) -> float:
        return len(self.audio) / RATE

    def write_wav(self, path: Path) -> Path:
        return audio_files.write_wav(path, np.round(np.clip(self.audio, -1, 1) * 32767), RATE)


# ------------------------------------------------------------------------------------ sources


def read_wav(path: Path) -> np.ndarray:
    samples = audio_files.read_wav(path)
    assert samples.shape[1] == 1, path
    return samples[:, 0].astype(np.float32) / 32768.0


def source_files(voice: str) -> list[Path]:
    if voice == "librivox":
        return sorted((SHARED_DATA / "danish_long").glob("*.wav"))
    with open(SHARED_DATA / "danish" / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    files = [SHARED_DATA / "danish" / r["file"] for r in rows if r["speaker"] == voice]
    if voice == "ap_dan":
        files = [SHARED_DATA / "danish" / "ap_dan.wav"]
    return files


@lru_cache(maxsize=None)
def phrases(voice: str) -> tuple[np.ndarray, ...]:
    """The voice's recordings cut at pauses >= PHRASE_GAP_S into phrases, each with EDGE_S of
    its own room tone around the voiced part; (samples, voiced start, voiced end) are packed as
    an array whose first EDGE_S and last EDGE_S are the edges. A burst more than
    PHRASE_BELOW_VOICE_DB below the voice's median phrase is a breath or a click, not a phrase
    (the NST speaker's and ap_dan's only bursts under 0.3 s are 30 dB down: as backchannels
    they were a "ja" nobody could hear)."""
    out = []
    for path in source_files(voice):
        samples = read_wav(path)
        for a, b in voiced_runs(samples):
            edge = round(EDGE_S * RATE)
            lo, hi = max(0, a - edge), min(len(samples), b + edge)
            clip = samples[lo:hi].copy()
            # Fade the room tone in and out over the edge, so neighbouring clips do not click.
            ramp = np.linspace(0.0, 1.0, a - lo, dtype=np.float32)
            clip[: a - lo] *= ramp
            ramp = np.linspace(1.0, 0.0, hi - b, dtype=np.float32)
            clip[len(clip) - (hi - b):] *= ramp
            out.append((clip, a - lo, (a - lo) + (b - a)))
    levels = [_level_db(clip[a:b]) for clip, a, b in out]
    loud_enough = np.median(levels) - PHRASE_BELOW_VOICE_DB
    return tuple(p for p, level in zip(out, levels) if level >= loud_enough)


def _level_db(samples: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(samples.astype(np.float64) ** 2) + 1e-12))


def voiced_runs(samples: np.ndarray) -> list[tuple[int, int]]:
    """Sample ranges of phrases: 10 ms frames within ACTIVE_BELOW_PEAK_DB of the recording's
    loud frames (95th percentile) and ACTIVE_ABOVE_FLOOR_DB above its quiet ones (5th), pauses shorter than PHRASE_GAP_S closed, bursts shorter than
    PHRASE_MIN_S dropped."""
    frame = round(FRAME_S * RATE)
    n = len(samples) // frame
    power = np.mean(samples[: n * frame].reshape(n, frame).astype(np.float64) ** 2, axis=1)
    db = 10 * np.log10(power + 1e-12)
    threshold = max(np.percentile(db, 95) - ACTIVE_BELOW_PEAK_DB, np.percentile(db, 5) + ACTIVE_ABOVE_FLOOR_DB)
    active = db > threshold
    runs = _runs(active)
    closed: list[list[int]] = []
    for a, b in runs:
        if closed and a - closed[-1][1] < PHRASE_GAP_S / FRAME_S:
            closed[-1][1] = b
        else:
            closed.append([a, b])
    return [(a * frame, b * frame) for a, b in closed if (b - a) * FRAME_S >= PHRASE_MIN_S]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def pool(voice: str, seconds: float, rng: np.random.Generator, from_s: float = 0.0) -> list:
    """Phrases of `voice` worth about `seconds` of voice. The LibriVox reader's story is long:
    take consecutive phrases from `from_s` on (so dialogues use different parts of it); the
    short sources are shuffled."""
    all_phrases = list(phrases(voice))
    if voice == "librivox":
        starts = np.cumsum([0] + [len(c) for c, _, _ in all_phrases[:-1]]) / RATE
        all_phrases = [p for p, s in zip(all_phrases, starts) if s >= from_s]
    else:
        all_phrases = [all_phrases[i] for i in rng.permutation(len(all_phrases))]
    chosen, total = [], 0.0
    for p in all_phrases:
        if total >= seconds:
            break
        chosen.append(p)
        total += (p[2] - p[1]) / RATE
    return chosen


# ----------------------------------------------------------------------------------- the room


def room_response(rt60_s: float, drr_db: float, rng: np.random.Generator) -> np.ndarray:
    """Direct sound, then an exponentially decaying noise tail (60 dB down after rt60_s)
    starting 2-5 ms later, scaled so direct / tail energy is drr_db."""
    n = round(rt60_s * RATE)
    t = np.arange(n) / RATE
    tail = rng.standard_normal(n) * np.exp(-6.91 * t / rt60_s)
    tail[: round(rng.uniform(0.002, 0.005) * RATE)] = 0.0
    tail *= np.sqrt(10 ** (-drr_db / 10) / np.sum(tail**2))
    tail[0] = 1.0
    return tail


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / RATE)
    spectrum /= np.sqrt(np.maximum(f, 20.0))  # 1/f power, flat below 20 Hz
    noise = np.fft.irfft(spectrum, n)
    return noise / np.sqrt(np.mean(noise**2))


# ---------------------------------------------------------------------------------- the script


def build_dialogue(recipe: Recipe) -> Dialogue:
    rng = np.random.default_rng(recipe.seed)
    pools = [pool(v, s, rng, recipe.librivox_from_s) for v, s in zip(recipe.voices, recipe.seconds)]
    placed: list[tuple[int, int, np.ndarray]] = []  # (voice index, start sample, clip)
    reference: list[Turn] = []

    def place(who: int, clip, at_s: float) -> float:
        """Put a phrase whose voice starts at at_s; returns where its voice ends."""
        samples, a, b = clip
        start = round(at_s * RATE) - a
        placed.append((who, start, samples))
        reference.append((round((start + a) / RATE, 3), round((start + b) / RATE, 3), recipe.voices[who]))
        return (start + b) / RATE

    t = 0.8
    who = 0
    previous_end, previous_start = None, None
    while pools[0] or pools[1]:
        if not pools[who]:
            who = 1 - who
        count = max(1, int(rng.poisson(recipe.phrases_per_turn[who] - 1) + 1))
        turn = [pools[who].pop(0) for _ in range(min(count, len(pools[who])))]
        if previous_end is None:
            start = t
        elif rng.random() < recipe.overlap_p:
            overlap = rng.uniform(0.3, 2.0)
            first_voice = (turn[0][2] - turn[0][1]) / RATE
            # Overlap only within the previous turn, and never longer than the new first phrase.
            overlap = min(overlap, previous_end - previous_start - 0.3, first_voice - 0.2)
            start = previous_end - max(overlap, 0.0) if overlap >= 0.3 else previous_end + rng.uniform(0.1, 0.4)
        else:
            start = previous_end + rng.uniform(0.1, 1.2)
        turn_start, end = start, start
        for i, clip in enumerate(turn):
            if i:
                start = end + rng.uniform(0.3, 0.8)
            end = place(who, clip, start)
        listener = 1 - who
        if end - turn_start >= 3.0 and rng.random() < recipe.backchannel_p:
            at = rng.uniform(turn_start + 1.0, end - 1.5)
            place(listener, backchannel(recipe.voices[listener], rng), at)
        previous_start, previous_end = turn_start, end
        who = listener

    length = round((max(r[1] for r in reference) + 1.0) * RATE)
    tracks = np.zeros((2, length))
    for voice_index, start, samples in placed:
        tracks[voice_index, start : start + len(samples)] += samples
    reference.sort()
    mix = np.zeros(length)
    wets = []
    for i in range(2):
        track = tracks[i]
        level = _active_level(track, [r for r in reference if r[2] == recipe.voices[i]])
        track = track * 10 ** ((SPEECH_LEVEL_DBFS + recipe.level_db[i] - level) / 20)
        wet = fftconvolve(track, room_response(recipe.rt60_s, recipe.drr_db[i], rng))[:length]
        mix += wet
        wets.append(wet)
    speech_power = 10 ** (_active_level(mix, reference) / 10)
    noise = pink_noise(length, rng) * np.sqrt(speech_power / 10 ** (recipe.snr_db / 10))
    mix += noise
    peak = np.abs(mix).max()
    if peak > 0.95:
        mix *= 0.95 / peak
    audible = audible_reference(reference, recipe.voices, wets, noise)
    return Dialogue(recipe.name, mix.astype(np.float32), reference, audible)


def audible_reference(reference: list[Turn], voices: tuple[str, str], wets: list[np.ndarray],
                      noise: np.ndarray) -> list[Turn]:
    """Each phrase from its first to its last AUDIBLE_FRAME_S frame where its voice at the
    microphone (with the room) is at most AUDIBLE_BELOW_NOISE_DB below the noise, power
    averaged over three frames. Dips inside a phrase stay speech, as a listener hears them; a
    phrase never heard over the noise is left out."""
    frame = round(AUDIBLE_FRAME_S * RATE)

    def power(x: np.ndarray) -> np.ndarray:
        n = len(x) // frame
        return np.convolve(np.mean(x[: n * frame].reshape(n, frame) ** 2, axis=1), np.ones(3) / 3, mode="same")

    threshold = power(noise) * 10 ** (-AUDIBLE_BELOW_NOISE_DB / 10)
    voice_power = [power(w) for w in wets]
    audible = []
    for s, e, who in reference:
        a, b = round(s / AUDIBLE_FRAME_S), round(e / AUDIBLE_FRAME_S)
        heard = np.flatnonzero(voice_power[voices.index(who)][a:b] > threshold[a:b])
        if len(heard):
            audible.append((round(max(s, (a + heard[0]) * AUDIBLE_FRAME_S), 3),
                            round(min(e, (a + heard[-1] + 1) * AUDIBLE_FRAME_S), 3), who))
    return audible


def backchannel(voice: str, rng: np.random.Generator):
    """A short utterance in the voice ("ja", "mm" and the like): a short phrase of theirs if
    there is one, else the first 0.2-0.7 s of a phrase, faded out."""
    short = [p for p in phrases(voice) if (p[2] - p[1]) / RATE <= 0.7]
    if short:
        return short[rng.integers(len(short))]
    samples, a, b = phrases(voice)[rng.integers(len(phrases(voice)))]
    cut = a + round(rng.uniform(0.2, 0.7) * RATE)
    edge = round(EDGE_S * RATE)
    clip = samples[: cut + edge].copy()
    clip[cut:] *= np.linspace(1.0, 0.0, len(clip) - cut, dtype=np.float32)
    return clip, a, cut


def _active_level(track: np.ndarray, turns: list[Turn]) -> float:
    """Mean power in dB over the reference speech of these turns."""
    mask = np.zeros(len(track), dtype=bool)
    for s, e, _ in turns:
        mask[round(s * RATE) : round(e * RATE)] = True
    return 10 * np.log10(np.mean(track[mask] ** 2) + 1e-20)


def talk_shares(reference: list[Turn]) -> dict[str, float]:
    from tests.diarization_eval import speaker_seconds

    seconds = speaker_seconds(reference)
    total = sum(seconds.values())
    return {k: v / total for k, v in seconds.items()}
