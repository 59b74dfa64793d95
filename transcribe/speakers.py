"""Who spoke when on one microphone, the first pass: pure functions from speaker embeddings to
speaker turns.

Speech regions are cut into overlapping windows (plan_windows), the caller embeds each window
(transcribe.embedding.SpeakerEncoder), spectral clustering with the known number of speakers
labels them (transcribe.clustering), and attribute() turns the window labels into turns at 10 ms
resolution. transcribe.resegment then decides each 20 ms again and transcribe.overlap finds two
voices at once; with one microphone per person transcribe.channels decides instead, and
transcribe.speaker_segments gives every transcript segment one speaker.

No model, no file, no store here: numpy in, dataclasses out, so every step is testable with
hand-made embeddings and the live path can reuse the same functions on a growing window list.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from transcribe.clustering import (
    centroids,
    cluster,
    distinct_points,
    eigengap_count,
    normalise,
    spectral_labels,
    spectrum,
)
from transcribe.speaker_options import SpeakerOptions

FRAME_S = 0.01  # resolution of the turns attribute() produces


@dataclass(frozen=True)
class Turn:
    start: float
    end: float
    speaker: int  # index 0..n_speakers-1

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Attribution:
    turns: list[Turn]  # sorted, non-overlapping, covering the speech
    n_speakers: int  # the number used (0 when there was no speech)
    estimated_speakers: int | None  # the automatic estimate: a suggestion, never used silently
    centroids: np.ndarray | None  # (n_speakers, dim) L2-normalised mean embeddings
    note: str | None = None  # Danish: why a fallback happened


# --------------------------------------------------------------------------------- windows


def plan_windows(speech: Sequence, options: SpeakerOptions = SpeakerOptions()) -> list[tuple[float, float]]:
    """Windows of window_s every step_s inside each speech region, the last one flush with the
    region's end so its tail is heard too. A region shorter than window_s but at least
    min_window_s gives one window covering it. Evenly thinned to max_windows."""
    windows: list[tuple[float, float]] = []
    for start, end in regions_of(speech):
        length = end - start
        if length < options.min_window_s:
            continue
        if length <= options.window_s:
            windows.append((start, end))
            continue
        n = int(math.floor((length - options.window_s) / options.step_s + 1e-9)) + 1
        starts = [start + i * options.step_s for i in range(n)]
        if end - (starts[-1] + options.window_s) > 1e-6:
            starts.append(end - options.window_s)
        windows.extend((round(s, 3), round(s + options.window_s, 3)) for s in starts)
    if len(windows) > options.max_windows:
        keep = np.unique(np.linspace(0, len(windows) - 1, options.max_windows).round().astype(int))
        windows = [windows[i] for i in keep]
    return windows


# ----------------------------------------------------------------------------- attribution


def attribute(
    speech: Sequence,
    windows: Sequence[tuple[float, float]],
    embeddings: np.ndarray,
    n_speakers: int,
    options: SpeakerOptions = SpeakerOptions(),
) -> Attribution:
    """Speaker turns covering the speech, from window embeddings and the known speaker count.

    Never raises on poor input (only on n_speakers < 1, a caller's bug): silence gives no
    turns; too little speech, or voices that cannot be told apart, give one speaker; more
    speakers than windows are capped. Each fallback says why in `note` (Danish).
    """
    if n_speakers < 1:
        raise ValueError(f"n_speakers must be >= 1, got {n_speakers}")
    regions = [(s, e) for s, e in regions_of(speech) if e > s]
    windows = list(windows)
    x = normalise(np.asarray(embeddings, dtype=np.float64)) if len(windows) else np.zeros((0, 0))
    if len(x) != len(windows):
        raise ValueError(f"{len(windows)} windows but {len(x)} embeddings")
    speech_s = sum(e - s for s, e in regions)
    if not regions:
        return Attribution([], 0, None, None, "Ingen tale fundet; ingen talere tildelt.")
    if not windows:
        note = f"For lidt tale til at skelne talere ({speech_s:.0f} s); alt tildelt én taler."
        return Attribution(_one_speaker(regions), 1, None, None, note)

    eigen = spectrum(x, options) if len(x) >= 3 and distinct_points(x) >= 2 else None
    estimated = 1 if eigen is None else eigengap_count(eigen[0], min(8, len(x) - 1))
    note = None
    if n_speakers > 1 and speech_s < options.min_speech_s:
        note = f"For lidt tale til at skelne talere ({speech_s:.0f} s); alt tildelt én taler."
        n_speakers = 1
    elif n_speakers > 1 and distinct_points(x) < 2:
        note = "Stemmerne kunne ikke skelnes fra hinanden; alt tildelt én taler."
        n_speakers = 1
    elif n_speakers > len(windows):
        note = (
            f"{n_speakers} talere ønsket, men kun {len(windows)} taleafsnit at skelne imellem; "
            f"bruger {len(windows)}."
        )
        n_speakers = len(windows)
    if n_speakers == 1:
        return Attribution(_one_speaker(regions), 1, estimated, centroids(x, np.zeros(len(x), int), 1), note)

    if n_speakers >= len(x) or eigen is None:
        labels = cluster(x, n_speakers, options)
    else:
        labels = spectral_labels(x, eigen, n_speakers, options)
    frame_labels, offset = _vote_frames(regions, windows, labels, n_speakers, options)
    turns = _frames_to_turns(frame_labels, offset, regions, options)
    # Number speakers by first appearance, so "Taler 1" is whoever speaks first.
    order = {}
    for turn in turns:
        order.setdefault(turn.speaker, len(order))
    for label in range(n_speakers):
        order.setdefault(label, len(order))
    turns = [Turn(t.start, t.end, order[t.speaker]) for t in turns]
    labels = np.array([order[label] for label in labels])
    used = len({t.speaker for t in turns})
    if used < n_speakers and note is None:
        note = f"Kun {used} af {n_speakers} talere fik taletid; de øvrige havde for lidt tale."
    return Attribution(turns, n_speakers, estimated, centroids(x, labels, n_speakers), note)


def _one_speaker(regions: list[tuple[float, float]]) -> list[Turn]:
    return [Turn(s, e, 0) for s, e in regions]


def _vote_frames(regions, windows, labels, k, options) -> tuple[np.ndarray, int]:
    """Per 10 ms frame of the span covered by speech, the label with the most window votes.
    Votes are weighted by a triangle peaking at the window's centre: near a speaker change the
    windows centred on the frame know best. Frames no window reaches take the nearest voted
    frame's label. Returns labels (-1 outside speech) and the index of the first frame."""
    first = int(math.floor(regions[0][0] / FRAME_S))
    last = int(math.ceil(max(e for _, e in regions) / FRAME_S))
    n = last - first
    votes = np.zeros((n, k))
    for (ws, we), label in zip(windows, labels):
        a, b = max(0, round(ws / FRAME_S) - first), min(n, round(we / FRAME_S) - first)
        if b <= a:
            continue
        centre = (a + b - 1) / 2
        half = max((b - a) / 2, 1.0)
        idx = np.arange(a, b)
        votes[a:b, label] += 1.0 - np.abs(idx - centre) / (half + 1)
    voted = votes.max(axis=1) > 0
    frame_labels = votes.argmax(axis=1)
    if not voted.all() and voted.any():
        where = np.flatnonzero(voted)
        pos = np.searchsorted(where, np.arange(n))
        left = where[np.clip(pos - 1, 0, len(where) - 1)]
        right = where[np.clip(pos, 0, len(where) - 1)]
        nearest = np.where(np.abs(np.arange(n) - left) <= np.abs(right - np.arange(n)), left, right)
        frame_labels = frame_labels[nearest]
    mask = np.zeros(n, dtype=bool)
    for s, e in regions:
        mask[max(0, round(s / FRAME_S) - first) : min(n, round(e / FRAME_S) - first)] = True
    frame_labels = np.where(mask, frame_labels, -1)
    return frame_labels, first


def _frames_to_turns(frame_labels, offset, regions, options) -> list[Turn]:
    min_run = max(1, round(options.min_turn_s / FRAME_S))
    turns: list[Turn] = []
    for s, e in regions:
        a, b = max(0, round(s / FRAME_S) - offset), round(e / FRAME_S) - offset
        runs = _smooth_runs(_runs(frame_labels[a:b]), min_run)
        position = a
        for label, length in runs:
            start = s if position == a else (position + offset) * FRAME_S
            end = e if position + length == b else (position + length + offset) * FRAME_S
            turns.append(Turn(round(start, 3), round(end, 3), int(label)))
            position += length
    return turns


def _runs(labels: np.ndarray) -> list[list[int]]:
    """[label, length] runs of equal consecutive labels."""
    if len(labels) == 0:
        return []
    change = np.flatnonzero(np.diff(labels)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(labels)]])
    return [[int(labels[a]), int(b - a)] for a, b in zip(starts, ends)]


def _smooth_runs(runs: list[list[int]], min_run: int) -> list[list[int]]:
    """Give runs shorter than min_run to a neighbour, shortest first (the longer neighbour
    wins), merging equal neighbours, until none is short or one run is left. A 0.3 s flicker is
    far more often a voting artefact than a real turn."""
    runs = [r[:] for r in runs]
    while len(runs) > 1:
        i = min(range(len(runs)), key=lambda j: runs[j][1])
        if runs[i][1] >= min_run:
            break
        left = runs[i - 1] if i > 0 else None
        right = runs[i + 1] if i + 1 < len(runs) else None
        target = i - 1 if right is None or (left is not None and left[1] >= right[1]) else i + 1
        runs[target][1] += runs[i][1]
        del runs[i]
        merged = []
        for run in runs:
            if merged and merged[-1][0] == run[0]:
                merged[-1][1] += run[1]
            else:
                merged.append(run)
        runs = merged
    return runs


# ----------------------------------------------------------------------------------- helpers


def regions_of(speech: Sequence) -> list[tuple[float, float]]:
    """(start, end) pairs from tuples or from objects with .start/.end (capture.vad's
    SpeechSegment), sorted."""
    pairs = [(float(s.start), float(s.end)) if hasattr(s, "start") else (float(s[0]), float(s[1])) for s in speech]
    return sorted(pairs)
