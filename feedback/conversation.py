"""One meeting's transcript seen as a conversation: turns, who holds which role, utterances,
loudness. Built once per analysis; the metrics and flag rules read from it."""

import math
from dataclasses import dataclass, field

import numpy as np

from feedback.config import Thresholds
from feedback.metrics import CASEWORKER, CITIZEN, Talk, Turn, conversation_turns, talks, turns, valid
from feedback.questions import QuestionRules
from feedback.utterances import Utterance, utterances
from meetings.records import Bookmark, Segment, Speaker, Speech


@dataclass(frozen=True)
class Sounds:
    """One speaker's measured stretches of voice (words, or segments without words) in time
    order, with their loudness: arrays, because a long meeting has tens of thousands."""

    starts: np.ndarray
    ends: np.ndarray
    levels_db: np.ndarray

    def __len__(self) -> int:
        return len(self.starts)

    def between(self, start: float, end: float) -> slice:
        """The stretches that overlap [start, end)."""
        first = int(np.searchsorted(self.ends, start, side="right"))
        last = int(np.searchsorted(self.starts, end, side="left"))
        return slice(first, max(first, last))

    def level_of(self, part: slice) -> float | None:
        return energy_mean(self.starts[part], self.ends[part], self.levels_db[part])


@dataclass
class Conversation:
    segments: list[Segment]
    speakers: list[Speaker]
    duration_s: float
    th: Thresholds
    rules: QuestionRules
    speech: list[Speech] = field(default_factory=list)
    bookmarks: list[Bookmark] = field(default_factory=list)
    timing: list = field(init=False)  # what timing rests on: the measured speech, else the text
    turns: list[Turn] = field(init=False)
    floor: list[Turn] = field(init=False)  # turns without backchannels
    talk: dict[str, Talk] = field(init=False)
    utterances: list[Utterance] = field(init=False)
    sounds: dict[str, Sounds] = field(init=False)

    def __post_init__(self):
        self.segments = valid(self.segments)
        self.speech = valid(self.speech)
        # Whisper can drop words or make some up; the speaker attribution measured the audio.
        # A transcript without measured speech (typed, or from an older version) still works.
        self.timing = self.speech or self.segments
        self.turns = turns(self.timing, self.th.turn_gap_s)
        self.floor = conversation_turns(self.turns, self.th.backchannel_s)
        self.talk = talks(self.timing)
        self.utterances = utterances(self.segments, self.rules)
        measured = [s for s in self.speech if s.loudness_db is not None]
        self.sounds = sounds_of_speech(measured) if measured else sounds_by_speaker(self.segments)
        last_end = max((s.end for s in self.timing), default=0.0)
        self.duration_s = max(self.duration_s, last_end)

    def role(self, speaker: str | None) -> str | None:
        return next((s.role for s in self.speakers if s.id == speaker), None)

    def label(self, speaker: str | None) -> str:
        return next((s.label for s in self.speakers if s.id == speaker), speaker or "Ukendt taler")

    def with_role(self, role: str) -> set[str]:
        return {s.id for s in self.speakers if s.role == role}

    @property
    def caseworkers(self) -> set[str]:
        return self.with_role(CASEWORKER)

    @property
    def citizens(self) -> set[str]:
        return self.with_role(CITIZEN)

    def median_loudness(self, speaker: str) -> float | None:
        """The speaker's normal level; None when too little of their speech is measured."""
        own = self.sounds.get(speaker)
        if own is None or len(own) < self.th.raised_voice_min_words:
            return None
        return float(np.median(own.levels_db))

    def loudness_between(self, speaker: str, start: float, end: float) -> float | None:
        own = self.sounds.get(speaker)
        return own.level_of(own.between(start, end)) if own is not None else None


def sounds_of_speech(speech: list[Speech]) -> dict[str, Sounds]:
    spans: dict[str, list[tuple[float, float, float]]] = {}
    for piece in speech:
        spans.setdefault(piece.speaker, []).append((piece.start, piece.end, piece.loudness_db))
    return {who: _table(own) for who, own in spans.items()}


def _table(spans: list[tuple[float, float, float]]) -> Sounds:
    table = np.array(sorted(spans), dtype=float).reshape(-1, 3)
    return Sounds(table[:, 0], table[:, 1], table[:, 2])


def sounds_by_speaker(segments: list[Segment]) -> dict[str, Sounds]:
    spans: dict[str, list[tuple[float, float, float]]] = {}
    for segment in segments:
        own = spans.setdefault(segment.speaker, [])
        measured = [(w.start, w.end, w.loudness_db) for w in segment.words
                    if w.loudness_db is not None and w.end > w.start]
        if measured:
            own.extend(measured)
        elif segment.loudness_db is not None:
            own.append((segment.start, segment.end, segment.loudness_db))
    return {who: _table(own) for who, own in spans.items() if own}


def energy_mean(starts: np.ndarray, ends: np.ndarray, levels_db: np.ndarray) -> float | None:
    """The level of several stretches together: their power averaged over time, in dB."""
    seconds = ends - starts
    total = float(seconds.sum())
    if total <= 0:
        return None
    power = float((seconds * 10 ** (levels_db / 10)).sum()) / total
    return 10 * math.log10(power) if power > 0 else float(levels_db.min())
