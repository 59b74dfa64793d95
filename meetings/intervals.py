"""Time intervals, the one place their union is worked out (as pyannote.core's Timeline.support):
speaker turns, speech regions, frame spans. Below every stage package, like meetings.records."""


def union(intervals, gap_s: float = 0.0) -> list[tuple]:
    """Sorted disjoint intervals covering the input; pieces closer than gap_s are joined, empty
    ones dropped. Works on seconds and on whole frame numbers alike."""
    merged: list[tuple] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and (start <= merged[-1][1] or start - merged[-1][1] < gap_s):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def union_length(intervals) -> float:
    return sum(end - start for start, end in union(intervals))
