"""Speaker balance from a transcript: pure functions, no I/O.

Computed on intervals (as pyannote.core does), so overlapping or unsorted segments are counted
once and in order.
"""

from dataclasses import dataclass

from meetings.records import Segment

TURN_GAP_S = 1.0  # DESIGN: a turn is a maximal run of one speaker, gaps under 1.0 s merged


@dataclass(frozen=True)
class Turn:
    speaker: str
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def union_length(intervals: list[tuple[float, float]]) -> float:
    total, reach = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def turns(segments: list[Segment], gap_s: float = TURN_GAP_S) -> list[Turn]:
    result: list[Turn] = []
    for segment in sorted((s for s in segments if s.speaker and s.end > s.start), key=lambda s: s.start):
        last = result[-1] if result else None
        if last and last.speaker == segment.speaker and segment.start - last.end < gap_s:
            result[-1] = Turn(last.speaker, last.start, max(last.end, segment.end))
        else:
            result.append(Turn(segment.speaker, segment.start, segment.end))
    return result


def balance(segments: list[Segment]) -> dict[str, dict]:
    """Per speaker: talk time (s), share of all talk, number of turns, longest turn (s)."""
    speakers = sorted({s.speaker for s in segments if s.speaker}, key=lambda x: (len(x), x))
    talk = {who: union_length([(s.start, s.end) for s in segments if s.speaker == who and s.end > s.start])
            for who in speakers}
    total = sum(talk.values())
    all_turns = turns(segments)
    return {
        who: {
            "talk_s": round(talk[who], 2),
            "share": round(talk[who] / total, 4) if total else 0.0,
            "turns": sum(1 for t in all_turns if t.speaker == who),
            "longest_turn_s": round(max((t.duration for t in all_turns if t.speaker == who), default=0.0), 2),
        }
        for who in speakers
    }
