"""The transcript by speaker: every Whisper segment gets the speaker of its words, and a
segment whose words span a speaker change is split at word boundaries (split_segments)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from meetings.records import Segment, Word
from transcribe.speakers import Turn


def split_segments(segments: Sequence[Segment], turns: Sequence[Turn], labels: Sequence[str]) -> list[Segment]:
    """Every segment gets a speaker label (labels[turn.speaker]); a segment whose words span a
    speaker change is split at word boundaries, so no segment mixes two speakers. Each word goes
    to the speaker it overlaps most (no overlap: the nearest turn). Without turns the segments
    are returned unlabelled."""
    turns = sorted(turns, key=lambda t: t.start)
    if not turns:
        return [_copy(s, s.words, s.speaker) for s in segments]
    out: list[Segment] = []
    for segment in segments:
        if not segment.words:
            out.append(_copy(segment, [], labels[_speaker_at(turns, segment.start, segment.end)]))
            continue
        runs = [(speaker, [w for w, _ in run]) for speaker, run in
                groupby(((w, _speaker_at(turns, w.start, w.end)) for w in segment.words), key=lambda pair: pair[1])]
        if len(runs) == 1:  # one speaker: keep the segment as Whisper made it
            out.append(_copy(segment, segment.words, labels[runs[0][0]]))
        else:
            out.extend(_from_words(segment, words, labels[speaker]) for speaker, words in runs)
    return out


def _speaker_at(turns: Sequence[Turn], start: float, end: float) -> int:
    """The speaker with the most overlap with [start, end]; ties and no overlap: nearest turn."""
    overlap: dict[int, float] = {}
    for turn in turns:
        shared = min(end, turn.end) - max(start, turn.start)
        if shared > 0:
            overlap[turn.speaker] = overlap.get(turn.speaker, 0.0) + shared
    if overlap:
        best = max(overlap.values())
        tied = [s for s, v in overlap.items() if v >= best - 1e-9]
        if len(tied) == 1:
            return tied[0]
        turns = [t for t in turns if t.speaker in tied]
    middle = (start + end) / 2
    return min(turns, key=lambda t: (max(t.start - middle, middle - t.end, 0.0), t.start)).speaker


def _from_words(segment: Segment, words: list[Word], speaker: str) -> Segment:
    return Segment(
        start=words[0].start,
        end=words[-1].end,
        text=" ".join(w.text.strip() for w in words),
        words=list(words),
        speaker=speaker,
        avg_logprob=segment.avg_logprob,
        no_speech_prob=segment.no_speech_prob,
    )


def _copy(segment: Segment, words, speaker) -> Segment:
    return Segment(
        start=segment.start,
        end=segment.end,
        text=segment.text,
        words=list(words),
        speaker=speaker,
        avg_logprob=segment.avg_logprob,
        no_speech_prob=segment.no_speech_prob,
    )
