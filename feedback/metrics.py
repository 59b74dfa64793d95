"""Speaker balance and coaching metrics from a transcript: pure functions, no I/O.

Computed on intervals (as pyannote.core does): each speaker's speech is the union of their
segments, so overlapping, zero-length or unsorted segments are counted once and in order.
A turn is one speaker's run of speech with pauses shorter than the turn gap kept inside; turns
of different speakers may overlap (talk at the same time), which is how interruptions show.
"""

import statistics
from dataclasses import dataclass

import numpy as np

from meetings.intervals import union
from meetings.records import Segment

CASEWORKER = "sagsbehandler"
CITIZEN = "borger"


@dataclass(frozen=True)
class Turn:
    speaker: str
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Interruption:
    turn: Turn  # the turn that started while someone else spoke
    interrupted: str  # that someone
    overlap_s: float


def speaker_order(speaker: str) -> tuple[int, str]:
    return len(speaker), speaker  # S2 before S10


def valid(segments: list[Segment]) -> list[Segment]:
    """Segments that can count as someone's speech, in time order."""
    return sorted((s for s in segments if s.speaker and s.end > s.start), key=lambda s: (s.start, s.end))


class Talk:
    """One speaker's speech as disjoint intervals, answering "how much did they talk between
    a and b" in logarithmic time, so sliding windows over a 3-hour meeting stay cheap."""

    def __init__(self, intervals: list[tuple[float, float]]):
        merged = union(intervals)
        self.starts = np.array([s for s, _ in merged], dtype=float)
        self.ends = np.array([e for _, e in merged], dtype=float)
        self.before_start = np.concatenate([[0.0], np.cumsum(self.ends - self.starts)])[:-1]
        self.total = float((self.ends - self.starts).sum())

    def until(self, t):
        """Seconds of speech before time t (t may be an array)."""
        index = np.searchsorted(self.starts, t, side="right") - 1
        safe = np.maximum(index, 0)
        inside = np.clip(t - self.starts[safe], 0.0, self.ends[safe] - self.starts[safe]) if len(self.starts) else 0.0
        return np.where(index >= 0, self.before_start[safe] + inside, 0.0) if len(self.starts) else np.zeros_like(t, float)

    def within(self, start: float, end: float) -> float:
        return float(self.until(end) - self.until(start)) if end > start else 0.0


def talks(segments: list[Segment]) -> dict[str, Talk]:
    by_speaker: dict[str, list[tuple[float, float]]] = {}
    for s in valid(segments):
        by_speaker.setdefault(s.speaker, []).append((s.start, s.end))
    return {who: Talk(by_speaker[who]) for who in sorted(by_speaker, key=speaker_order)}


def turns(segments: list[Segment], gap_s: float) -> list[Turn]:
    """Every speaker's runs of speech, joined across their own pauses shorter than gap_s, in
    order of start. Someone else's "mm" inside a pause does not end a turn."""
    by_speaker: dict[str, list[tuple[float, float]]] = {}
    for s in valid(segments):
        by_speaker.setdefault(s.speaker, []).append((s.start, s.end))
    result = [Turn(who, start, end) for who, spans in by_speaker.items() for start, end in union(spans, gap_s)]
    return sorted(result, key=lambda t: (t.start, t.end, speaker_order(t.speaker)))


def conversation_turns(all_turns: list[Turn], backchannel_s: float) -> list[Turn]:
    """The turns that take the floor: backchannels left out."""
    covering = _covering(all_turns)
    return [t for t, cover in zip(all_turns, covering)
            if not (t.duration < backchannel_s and cover is not None and cover.end >= t.end)]


def _covering(all_turns: list[Turn]) -> list[Turn | None]:
    """For each turn: another speaker's turn that started no later and reaches furthest, if
    it is still going when this one starts (one sweep over turns in start order)."""
    result: list[Turn | None] = []
    furthest: dict[str, Turn] = {}
    for turn in all_turns:
        others = [t for who, t in furthest.items() if who != turn.speaker and t.end > turn.start]
        result.append(max(others, key=lambda t: t.end) if others else None)
        if turn.speaker not in furthest or turn.end > furthest[turn.speaker].end:
            furthest[turn.speaker] = turn
    return result


def balance(segments: list[Segment], gap_s: float) -> dict[str, dict]:
    """Per speaker: talk time (s), share of all talk, number of turns, longest turn (s)."""
    speaker_talk = talks(segments)
    total = sum(t.total for t in speaker_talk.values())
    all_turns = turns(segments, gap_s)
    return {
        who: {
            "talk_s": round(talk.total, 2),
            "share": round(talk.total / total, 4) if total else 0.0,
            "turns": sum(1 for t in all_turns if t.speaker == who),
            "longest_turn_s": round(max((t.duration for t in all_turns if t.speaker == who), default=0.0), 2),
        }
        for who, talk in speaker_talk.items()
    }


def interruptions(all_turns: list[Turn], speaker_talk: dict[str, Talk],
                  min_overlap_s: float, backchannel_s: float) -> list[Interruption]:
    """Turns that start while another speaker is speaking, overlap them by at least
    min_overlap_s of actual speech, and are not a short backchannel."""
    found = []
    for turn, cover in zip(all_turns, _covering(all_turns)):
        if cover is None or turn.duration < backchannel_s:
            continue
        overlap = speaker_talk[cover.speaker].within(turn.start, min(cover.end, turn.end))
        if overlap >= min_overlap_s:
            found.append(Interruption(turn, cover.speaker, round(overlap, 2)))
    return found


def silences(segments: list[Segment], min_s: float) -> list[tuple[float, float]]:
    """Stretches longer than min_s between speech in which nobody speaks."""
    speech = union([(s.start, s.end) for s in valid(segments)])
    return [(a_end, b_start) for (_, a_end), (b_start, _) in zip(speech, speech[1:]) if b_start - a_end > min_s]


def speaker_changes(floor: list[Turn]) -> int:
    return sum(1 for a, b in zip(floor, floor[1:]) if a.speaker != b.speaker)


def response_pauses(floor: list[Turn], citizens: set[str], caseworkers: set[str]) -> list[float]:
    """For each citizen turn answered straight away by the caseworker: the pause before the
    answer (0 when the caseworker started before the citizen finished)."""
    return [max(0.0, b.start - a.end) for a, b in zip(floor, floor[1:])
            if a.speaker in citizens and b.speaker in caseworkers]


def window_shares(speaker_talk: dict[str, Talk], speaker: str, duration_s: float,
                  window_s: float, step_s: float) -> list[tuple[float, float, float, float]]:
    """(start, end, speaker's share, all talk) for windows of window_s every step_s."""
    if duration_s <= window_s or speaker not in speaker_talk:
        return []
    starts = np.arange(0.0, duration_s - window_s + step_s / 2, step_s)
    ends = starts + window_s
    per_speaker = {who: talk.until(ends) - talk.until(starts) for who, talk in speaker_talk.items()}
    total = sum(per_speaker.values())
    share = np.divide(per_speaker[speaker], total, out=np.zeros_like(total), where=total > 0)
    return list(zip(starts.tolist(), ends.tolist(), share.tolist(), total.tolist()))


def median_or_none(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def longest(turn_list: list[Turn], speakers: set[str]) -> float | None:
    durations = [t.duration for t in turn_list if t.speaker in speakers]
    return round(max(durations), 2) if durations else None
