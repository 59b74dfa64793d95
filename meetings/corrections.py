"""Manual corrections of who spoke and of what was said, applied as pure functions to a
transcript.

A correction names speakers by the meeting time in which they spoke, and a line by its time (see
records.Correction), so the same correction finds the same voice or line again after
re-processing has renumbered and re-cut them; one that finds nothing changes nothing.
"""

import dataclasses

from meetings.records import Correction, Segment, Speaker, Speech, Word

ANCHOR_SEGMENTS = 20  # enough stretches to find a voice again, few enough to store
TEXT_KINDS = ("text", "split", "join")
SAME_LINE = 0.5  # a line found again shares at least this part of its time with the corrected one


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
    """One correction; one whose speakers or line cannot be found any more changes nothing."""
    if correction.kind in TEXT_KINDS:
        return apply_to_text(segments, correction), speakers
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


def line_at(items: list, start: float, end: float) -> int | None:
    """The index of the transcript line (a Segment among `items`) that is the one corrected at
    start..end: the one sharing most of its time with it, if it shares enough."""
    best, best_shared = None, 0.0
    for i, item in enumerate(items):
        if not isinstance(item, Segment):
            continue
        shared = min(item.end, end) - max(item.start, start)
        if shared > best_shared:
            best, best_shared = i, shared
    span = max(end - start, 1e-6)
    if best is None or best_shared < SAME_LINE * max(span, items[best].end - items[best].start):
        return None
    return best


def spread(text: str, start: float, end: float) -> list[Word]:
    """Words a person wrote, spread over the line's time; certain, since a person wrote them."""
    tokens = text.split()
    step = (end - start) / max(len(tokens), 1)
    return [Word(round(start + k * step, 3), round(start + (k + 1) * step, 3), (" " if k else "") + token, 1.0)
            for k, token in enumerate(tokens)]


def apply_to_text(items: list, correction: Correction) -> list:
    i = line_at(items, correction.start, correction.end)
    if i is None:
        return items
    line = items[i]
    if correction.kind == "text":
        return [*items[:i], dataclasses.replace(line, text=correction.text, words=spread(correction.text, line.start,
                                                                                         line.end)), *items[i + 1:]]
    if correction.kind == "split":
        # Whisper's words are the text's words, except where a person corrected the text.
        words = line.words if len(line.words) == len(line.text.split()) else spread(line.text, line.start, line.end)
        k = correction.at_word
        if k is None or not 0 < k < len(words):
            return items
        cut = words[k].start
        first = dataclasses.replace(line, end=cut, words=words[:k], text="".join(w.text for w in words[:k]).strip())
        second = dataclasses.replace(line, start=cut, words=[dataclasses.replace(words[k], text=words[k].text.lstrip()),
                                                             *words[k + 1:]],
                                     text="".join(w.text for w in words[k:]).strip())
        return [*items[:i], first, second, *items[i + 1:]]
    if correction.kind == "join":
        later = [j for j, item in enumerate(items) if isinstance(item, Segment) and item.start >= line.end - 1e-6
                 and j != i]
        if not later:
            return items
        j = min(later, key=lambda k: items[k].start)
        after = items[j]
        joined = dataclasses.replace(line, end=after.end, text=f"{line.text.strip()} {after.text.strip()}",
                                     words=[*line.words, *[dataclasses.replace(w, text=" " + w.text.lstrip())
                                                           for w in after.words[:1]], *after.words[1:]])
        return [joined if k == i else item for k, item in enumerate(items) if k != j]
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
