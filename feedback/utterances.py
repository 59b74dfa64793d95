"""A transcript as spoken units: tokens with times, and utterances classified as questions."""

import math
from dataclasses import dataclass

from feedback.questions import QuestionRules, classify, split_utterances
from meetings.records import Segment, Word


@dataclass(frozen=True)
class Utterance:
    speaker: str | None
    start: float
    end: float
    text: str
    question: str | None  # "open", "closed" or None
    confidence: float | None  # the words' mean probability, as Whisper gave it


def tokens_of(segment: Segment) -> list[Word]:
    """The segment's words with their times. A segment without word times (typed by hand, or
    from an old import) is split on spaces, with its time spread evenly over the words."""
    if segment.words:
        return segment.words
    texts = segment.text.split()
    if not texts:
        return []
    step = max(segment.end - segment.start, 0.0) / len(texts)
    probability = confidence_of_segment(segment)
    return [Word(segment.start + i * step, segment.start + (i + 1) * step, text, probability)
            for i, text in enumerate(texts)]


def confidence_of_segment(segment: Segment) -> float | None:
    return round(math.exp(segment.avg_logprob), 3) if segment.avg_logprob is not None else None


def confidence(words: list[Word]) -> float | None:
    known = [w.probability for w in words if w.probability is not None]
    return round(sum(known) / len(known), 3) if known else None


def utterances(segments: list[Segment], rules: QuestionRules) -> list[Utterance]:
    """Every segment split at sentence ends, each piece classified, in time order."""
    result = []
    for segment in sorted(segments, key=lambda s: (s.start, s.end)):
        words = tokens_of(segment)
        texts = [w.text for w in words]
        for first, end in split_utterances(texts):
            piece = words[first:end]
            result.append(Utterance(
                speaker=segment.speaker,
                start=piece[0].start,
                end=piece[-1].end,
                text=" ".join(t.strip() for t in texts[first:end]),
                question=classify(texts[first:end], rules),
                confidence=confidence(piece),
            ))
    # Segments can coincide in time; a full order keeps the result independent of input order.
    return sorted(result, key=lambda u: (u.start, u.end, u.speaker or "", u.text,
                                         -1.0 if u.confidence is None else u.confidence))
