"""Manual speaker corrections, applied as pure functions to a transcript.

A correction names speakers by the meeting time in which they spoke (see records.Correction),
so the same correction finds the same voice again after re-processing has renumbered them.
"""

import dataclasses

from meetings.records import Correction, Segment, Speaker, Speech

ANCHOR_SEGMENTS = 20  # enough stretches to find a voice again, few enough to store


def anchor_of(segments: list[Segment], speaker_id: str) -> tuple[tuple[float, float], ...]:
    """The speaker's longest stretches of speech, as an anchor for a correction."""
    own = sorted((s for s in segments if s.speaker == speaker_id), key=lambda s: s.start - s.end)
    return tuple(sorted((s.start, s.end) for s in own[:ANCHOR_SEGMENTS]))


def speaker_of(segments: list[Segment], anchor: tuple[tuple[float, float], ...]) -> str | None:
    """The speaker who talks most inside the anchor's stretches, or None if nobody does."""
    overlap: dict[str, float] = {}
    for segment in segments:
        for start, end in anchor:
            shared = min(segment.end, end) - max(segment.start, start)
            if shared > 0 and segment.speaker is not None:
                overlap[segment.speaker] = overlap.get(segment.speaker, 0.0) + shared
    return max(overlap, key=overlap.get) if overlap else None


def apply(segments: list[Segment], speakers: list[Speaker], correction: Correction
          ) -> tuple[list[Segment], list[Speaker]]:
    """One correction; one whose speakers cannot be found any more changes nothing."""
    if correction.kind == "rename":
        who = speaker_of(segments, correction.anchor)
        renamed = [dataclasses.replace(s, label=correction.label or s.label, role=correction.role)
                   if s.id == who else s for s in speakers]
        return segments, renamed
    target = speaker_of(segments, correction.target)
    if target is None:
        return segments, speakers
    if correction.kind == "merge":
        source = speaker_of(segments, correction.anchor)
        if source is None or source == target:
            return segments, speakers
        moved = [dataclasses.replace(s, speaker=target) if s.speaker == source else s for s in segments]
        return moved, [s for s in speakers if s.id != source]
    if correction.kind == "move":
        inside = lambda s: correction.start <= (s.start + s.end) / 2 <= correction.end
        return [dataclasses.replace(s, speaker=target) if inside(s) else s for s in segments], speakers
    raise ValueError(f"unknown correction kind {correction.kind!r}")


def apply_all(segments: list[Segment], speakers: list[Speaker], corrections: list[Correction]
              ) -> tuple[list[Segment], list[Speaker]]:
    for correction in corrections:
        segments, speakers = apply(segments, speakers, correction)
    return segments, speakers


def apply_with_speech(segments: list[Segment], speech: list[Speech], speakers: list[Speaker],
                      corrections: list[Correction]) -> tuple[list[Segment], list[Speech], list[Speaker]]:
    """The corrections applied to the transcript and the measured speech together, so both
    keep saying the same thing about who spoke when."""
    both, speakers = apply_all([*segments, *speech], speakers, corrections)
    return ([x for x in both if isinstance(x, Segment)], [x for x in both if isinstance(x, Speech)], speakers)
