"""Whisper's windows over a recording's speech: the VAD's pieces, trimmed of the room tone at
their edges, laid end to end, and cut into windows of up to 30 s that the encoder hears whole;
and the clock that maps a time in the joined speech back to the meeting's."""

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from pathlib import Path

import numpy as np

from capture.vad import SpeechSegment
from capture.wav import read_mono

SAMPLE_RATE = 16000


class BlockClock:
    """Maps a time in the joined block audio back to the meeting's clock."""

    def __init__(self, sources: list[float], durations: list[float]):
        self.sources = sources
        self.durations = durations
        self.offsets: list[float] = []
        offset = 0.0
        for duration in self.durations:
            self.offsets.append(offset)
            offset += duration

    def piece_of(self, t: float) -> int:
        return max(0, min(len(self.offsets) - 1, bisect_right(self.offsets, t) - 1))

    def to_meeting(self, t: float, is_end: bool = False) -> float:
        # At a joint between two pieces a start belongs to the later piece, an end to the earlier.
        find = bisect_left if is_end else bisect_right
        i = max(0, min(len(self.offsets) - 1, find(self.offsets, t) - 1))
        within = min(max(t - self.offsets[i], 0.0), self.durations[i])
        return round(self.sources[i] + within, 3)

    def piece_end(self, i: int) -> float:
        return round(self.sources[i] + self.durations[i], 3)


WINDOW_S = 30.0  # what Whisper's encoder hears at once
QUIET_SEARCH_S = 8.0  # a long stretch of speech is cut at its quietest moment in this last part of a window
FRAME_MS = 20


def windows(durations: list[float], window_s: float = WINDOW_S,
            quietest: Callable[[int, int], int] | None = None) -> list[tuple[float, float]]:
    """(start, end) of Whisper windows over pieces of speech laid end to end (`durations`, in
    order): consecutive pieces gathered up to `window_s`, cut between pieces when that leaves
    the window in its last seconds; otherwise (a piece that does not fit, or is longer than a
    window) the piece is cut where `quietest(from_ms, to_ms)` finds the quietest moment of the
    window's last seconds (a pause between words), else hard at the window's length. A window
    decoded on its own cannot take back a word cut in two, as Whisper one window after the
    other does. Counted in whole milliseconds, so no window is a rounding error too long."""
    limit, search = round(window_s * 1000), round(QUIET_SEARCH_S * 1000)
    out: list[tuple[int, int]] = []
    start = end = 0
    total = 0.0  # exact, so rounding to milliseconds never drifts over a long meeting
    for duration in durations:
        total += duration
        piece_end = round(total * 1000)
        # Cut between pieces, unless the window would then be short of its last seconds: a
        # piece that does not fit is then cut at its quietest moment there instead, so the
        # windows stay full (each one costs the encoder a whole 30 s, however little it holds).
        if end > start and piece_end - start > limit and end - start >= limit - search:
            out.append((start, end))
            start = end
        end = piece_end
        while end - start > limit:
            cut = start + limit
            if quietest is not None:
                cut = min(max(quietest(cut - search, cut), start + 1), cut)
            out.append((start, cut))
            start = cut
    if end > start:
        out.append((start, end))
    return [(a / 1000, b / 1000) for a, b in out]


FRAME = SAMPLE_RATE * FRAME_MS // 1000


def frame_energies(audio: np.ndarray) -> np.ndarray:
    """Mean square of each whole 20 ms frame."""
    n = len(audio) // FRAME
    return np.square(audio[: n * FRAME].reshape(n, FRAME), dtype=np.float64).mean(axis=1)


def quietest_of(energy: np.ndarray) -> Callable[[int, int], int]:
    """quietest(from_ms, to_ms): the start (ms) of the quietest 20 ms frame there, given the
    frames' energies."""
    n = len(energy)

    def quietest(from_ms: int, to_ms: int) -> int:
        lo, hi = max(0, from_ms // FRAME_MS), min(n, to_ms // FRAME_MS)
        return to_ms if hi <= lo else (lo + int(np.argmin(energy[lo:hi]))) * FRAME_MS

    return quietest


def quietest_in(audio: np.ndarray) -> Callable[[int, int], int]:
    """quietest(from_ms, to_ms): the start (ms) of the quietest 20 ms frame of `audio` there."""
    return quietest_of(frame_energies(audio))


# What Whisper hears of each piece: the VAD pads its pieces (0.3 s) and hears room tone as speech
# at their edges, so a piece is trimmed to its first and last 20 ms that stand out from the
# recording's quietest moments, with a margin for the soft start and end of a word.
EDGE_ABOVE_FLOOR_DB = 6.0
EDGE_MARGIN_S = 0.2
FLOOR_PERCENTILE = 5  # the quietest 5 % of the speech pieces' 20 ms frames are the room's floor


def trimmed(speech: list[SpeechSegment], energies: list[np.ndarray]) -> list[SpeechSegment]:
    """Each piece of `speech` (with the energies of its 20 ms frames) without its edges that are
    no louder than the room: from EDGE_MARGIN_S before its first frame EDGE_ABOVE_FLOOR_DB above
    the floor to as long after its last. A piece with no such frame is kept whole: the floor is
    only an estimate, and a piece of speech is never dropped for it."""
    if not speech:
        return speech
    loud_above = np.percentile(np.concatenate(energies), FLOOR_PERCENTILE) * 10 ** (EDGE_ABOVE_FLOOR_DB / 10)
    margin = EDGE_MARGIN_S * 1000
    out = []
    for segment, energy in zip(speech, energies):
        loud = np.flatnonzero(energy > loud_above)
        if len(loud) == 0:
            out.append(segment)
            continue
        first_ms, last_ms = max(0.0, loud[0] * FRAME_MS - margin), (loud[-1] + 1) * FRAME_MS + margin
        out.append(SpeechSegment(round(segment.start + first_ms / 1000, 3),
                                 min(segment.end, round(segment.start + last_ms / 1000, 3))))
    return out


class JoinedSpeech:
    """A recording's speech segments, trimmed, laid end to end, as Whisper hears them, without
    holding their audio (two hours of it would not fit the memory budget): each piece's length
    as read, and the energy of every 20 ms of the joined audio, so the windows over the whole
    meeting can be planned first and then filled batch by batch."""

    def __init__(self, path: Path, speech: list[SpeechSegment], channel: int | None = None):
        self.path, self.channel = path, channel
        self.speech = trimmed(speech, [frame_energies(self.read(s)) for s in speech])
        self.lengths: list[int] = []  # samples, as read: the clock never drifts from the audio
        energies, carry = [], np.zeros(0, np.float32)
        for segment in self.speech:
            piece = self.read(segment)
            self.lengths.append(len(piece))
            joined = np.concatenate([carry, piece])
            energies.append(frame_energies(joined))
            carry = joined[len(joined) // FRAME * FRAME:]
        self.energy = np.concatenate(energies) if energies else np.zeros(0)

    def read(self, segment: SpeechSegment) -> np.ndarray:
        return read_mono(self.path, segment.start, segment.end, self.channel)

    def windows(self) -> list[tuple[float, float]]:
        return windows([n / SAMPLE_RATE for n in self.lengths], quietest=quietest_of(self.energy))

    def audio(self, start_s: float, end_s: float) -> tuple[np.ndarray, BlockClock]:
        """The joined audio from `start_s` to `end_s` (joined time), and its clock."""
        first, last = round(start_s * SAMPLE_RATE), round(end_s * SAMPLE_RATE)
        parts, sources, durations = [], [], []
        offset = 0
        for segment, n in zip(self.speech, self.lengths):
            lo, hi = max(first, offset), min(last, offset + n)
            if lo < hi:
                parts.append(self.read(segment)[lo - offset:hi - offset])
                sources.append(segment.start + (lo - offset) / SAMPLE_RATE)
                durations.append((hi - lo) / SAMPLE_RATE)
            offset += n
            if offset >= last:
                break
        return np.concatenate(parts), BlockClock(sources, durations)
