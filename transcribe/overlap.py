"""Two voices at once on one microphone, found from GE2E embeddings.

The frame-level resegmentation (transcribe.resegment) gives every 20 ms to the voice that
explains it best, so where two people talk at once the louder one takes the time and an
interruption is never seen. Here short windows near every speaker change, and sparser ones
inside the turns (where a louder voice may have hidden the other), are embedded and asked: is
this one voice, a change from one voice to the other, or both at once?

No overlap has to be labelled to learn that. GE2E's input is a linear mel spectrogram, and two
sources add in power, so "both at once" is made from the recording itself: a window of one
voice's own speech plus a window of the other's, mel frame by mel frame, with the room's noise
floor taken off once (each window brought its own). "A change" is the first
half of one and the second half of the other. Those, and each voice's own windows, teach a small
linear classifier (class means with a shared, shrunken covariance: LDA) per recording and pair
of voices. A window is overlap when "both at once" beats every other class by a margin, and a
stretch of such windows at least overlap_min_s long is given to both voices.

Pure: mel frames, turns and an embedding function in, stretches out; numpy only, no torch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from meetings.intervals import union
from transcribe.speaker_options import SpeakerOptions
from transcribe.speakers import Turn

MEL_FRAMES_PER_SECOND = 100  # GE2E's 10 ms mel frames

Embed = Callable[[np.ndarray], np.ndarray]  # (batch, frames, 40) linear mel -> (batch, 256)


@dataclass(frozen=True)
class Overlap:
    start: float
    end: float
    speakers: tuple[int, int]


@dataclass(frozen=True)
class Classifier:
    """Linear discriminant over embeddings: one mean per class, one shared precision."""

    means: np.ndarray  # (classes, d)
    precision: np.ndarray  # (d, d)

    def scores(self, x: np.ndarray) -> np.ndarray:
        """(n, classes) log likelihoods up to a constant per row: with one shared covariance,
        -(x - m)' P (x - m) / 2 is x' P m - m' P m / 2 plus a term that is the same for
        every class, so the scores are linear in x."""
        weights = self.precision @ self.means.T  # (d, classes)
        return x @ weights - 0.5 * np.sum(self.means.T * weights, axis=0)


def fit_classifier(samples: list[np.ndarray], shrinkage: float) -> Classifier:
    """LDA from one (n_c, d) array per class; the pooled covariance is shrunk towards a
    scaled identity, since a few hundred samples do not pin down 256 dimensions."""
    means = np.stack([s.mean(axis=0) for s in samples])
    centred = np.concatenate([s - m for s, m in zip(samples, means)])
    covariance = centred.T @ centred / max(1, len(centred) - len(samples))
    d = covariance.shape[0]
    covariance = (1 - shrinkage) * covariance + shrinkage * np.eye(d) * np.trace(covariance) / d
    return Classifier(means, np.linalg.inv(covariance))


# ------------------------------------------------------------------------------------ detection


def find_overlaps(mel: np.ndarray, regions: list[tuple[float, float]], turns: list[Turn], n_speakers: int,
                  embed: Embed, options: SpeakerOptions = SpeakerOptions()) -> list[Overlap]:
    """Stretches where two voices sound at once, near the changes between them in `turns`,
    inside `regions` (the VAD's speech).

    mel: (n, 40) linear mel frames from time 0 (GE2E's; frames never computed are zero and
    are not read as a voice's own). turns: the speakers' turns, 0..n_speakers-1, possibly
    overlapping already. Returns stretches sorted by start, at least overlap_min_s long; none
    when a voice has too little speech of its own to learn from.
    """
    if n_speakers < 2 or not turns or not len(mel):
        return []
    size = round(options.overlap_window_s * MEL_FRAMES_PER_SECOND)
    n = len(mel)
    alone = _alone(turns, n_speakers, n)
    starts = [_clean_window_starts(alone, k, size) for k in range(n_speakers)]
    in_play = mel.any(axis=1)
    computed = np.concatenate([[0], np.cumsum(in_play)])
    floor = np.percentile(mel[in_play], options.overlap_floor_percentile, axis=0)  # the room's noise
    rng = np.random.default_rng(options.seed)
    changes = _changes_by_pair(turns)
    found: list[Overlap] = []
    for i in range(n_speakers):
        for j in range(i + 1, n_speakers):
            if min(len(starts[i]), len(starts[j])) < options.overlap_min_windows:
                continue
            classifier = _train(mel, starts[i], starts[j], size, embed, floor, options, rng)
            # A coarse look (near the changes between the two, and sparser inside their turns,
            # where a louder voice may have hidden the other), then a fine one around each hit.
            step = options.overlap_step_s
            pair_changes = changes.get((i, j), [])
            coarse = _coarse_ticks(turns, (i, j), pair_changes, options)
            hits = _two_voices(coarse, mel, computed, size, classifier, embed,
                               _margins(coarse, pair_changes, options), options)
            fine = np.setdiff1d(_ticks_around(np.round(hits / step).astype(int), options), coarse)
            centres = np.concatenate([hits, _two_voices(fine, mel, computed, size, classifier, embed,
                                                        _margins(fine, pair_changes, options), options)])
            found += _stretches(centres, _covers(centres, pair_changes, options), (i, j), regions, options)
    return sorted(found, key=lambda o: (o.start, o.speakers))


def _margins(ticks: np.ndarray, changes: list[float], options: SpeakerOptions) -> np.ndarray:
    """The margin each tick's window needs: overlap_margin near a change between the two
    voices, where an overlap is an interruption and a false one accuses somebody, and
    overlap_inside_margin inside a turn, where a short "ja" under the other voice changes only
    the balance."""
    return np.where(_inside_turn(ticks, changes, options), options.overlap_inside_margin, options.overlap_margin)


def _covers(centres: np.ndarray, changes: list[float], options: SpeakerOptions) -> np.ndarray:
    """How far either side of its centre a flagged window counts as two voices: overlap_cover_s
    near a change, overlap_inside_cover_s inside a turn. A window is flagged while a good part
    of it is two voices, so the flagged centres of a "ja" inside a turn already reach past both
    its ends: covered like a change's, a 0.65 s "ja" measured 1.1 s and became an interruption."""
    ticks = np.round(centres / options.overlap_step_s).astype(int)
    return np.where(_inside_turn(ticks, changes, options), options.overlap_inside_cover_s, options.overlap_cover_s)


def _inside_turn(ticks: np.ndarray, changes: list[float], options: SpeakerOptions) -> np.ndarray:
    """Mask of the ticks further than overlap_reach_s from every change between the two voices."""
    reach = round(options.overlap_reach_s / options.overlap_step_s)
    change_ticks = np.round(np.asarray(changes, dtype=float) / options.overlap_step_s).astype(int)
    return _far_from(ticks, change_ticks, reach)


def _two_voices(ticks: np.ndarray, mel: np.ndarray, computed: np.ndarray, size: int, classifier: Classifier,
                embed: Embed, margins: np.ndarray, options: SpeakerOptions) -> np.ndarray:
    """The centres (seconds) of the ticks whose window is two voices at once by its margin;
    windows that reach outside the recording or into frames never computed (`computed`:
    cumulative count of computed frames) are not looked at."""
    centres = ticks * options.overlap_step_s
    first = np.round(centres * MEL_FRAMES_PER_SECOND).astype(int) - size // 2
    keep = (first >= 0) & (first + size <= len(mel))
    keep[keep] = computed[first[keep] + size] - computed[first[keep]] == size
    if not keep.any():
        return centres[:0]
    scores = classifier.scores(_normalise(_embed_all(embed, _windows(mel, first[keep], size))))
    margin = scores[:, -1] - scores[:, :-1].max(axis=1)
    return centres[keep][margin > margins[keep]]


def with_overlaps(turns: list[Turn], overlaps: list[Overlap]) -> list[Turn]:
    """The turns plus each overlap stretch for both of its voices, each voice's turns united
    (a voice either speaks or not), sorted by start."""
    by_speaker: dict[int, list[tuple[float, float]]] = {}
    for t in turns:
        by_speaker.setdefault(t.speaker, []).append((t.start, t.end))
    for o in overlaps:
        for k in o.speakers:
            by_speaker.setdefault(k, []).append((o.start, o.end))
    merged = [Turn(round(a, 3), round(b, 3), k) for k, spans in by_speaker.items() for a, b in union(spans)]
    return sorted(merged, key=lambda t: (t.start, t.speaker))


# ---------------------------------------------------------------------------------- the pieces


def _alone(turns: list[Turn], n_speakers: int, n: int) -> np.ndarray:
    """(n_speakers, n) mel frames where that voice, and no other, speaks."""
    active = np.zeros((n_speakers, n), dtype=bool)
    for t in turns:
        active[t.speaker, _frame(t.start, n) : _frame(t.end, n)] = True
    return active & (active.sum(axis=0) == 1)[None, :]


def _clean_window_starts(alone: np.ndarray, speaker: int, size: int) -> np.ndarray:
    """First frames of windows that lie wholly in `speaker`'s speech alone."""
    counts = np.concatenate([[0], np.cumsum(alone[speaker])])
    first = np.arange(max(0, alone.shape[1] - size + 1))
    return first[counts[first + size] - counts[first] == size]


def _changes_by_pair(turns: list[Turn]) -> dict[tuple[int, int], list[float]]:
    """Times where one voice's turn starts within a short gap of another voice's speech: its
    start, and the end of the other's turn it follows or cuts into."""
    ordered = sorted(turns, key=lambda t: t.start)
    changes: dict[tuple[int, int], list[float]] = {}
    for index, turn in enumerate(ordered):
        before = [t for t in ordered[:index] if t.speaker != turn.speaker and t.end > turn.start - 0.5]
        for other in before[-1:]:
            pair = (min(turn.speaker, other.speaker), max(turn.speaker, other.speaker))
            changes.setdefault(pair, []).extend([turn.start, other.end])
    return changes


def _coarse_ticks(turns: list[Turn], pair: tuple[int, int], changes: list[float],
                  options: SpeakerOptions) -> np.ndarray:
    """Window centres to look at first, in ticks of overlap_step_s: every overlap_near_step_s
    within overlap_reach_s of a change, and every overlap_scan_step_s elsewhere in the pair's
    turns (0: not there). Each on its own grid, so a centre is never looked at twice."""
    step = options.overlap_step_s
    near_every = max(1, round(options.overlap_near_step_s / step))
    reach = round(options.overlap_reach_s / step)
    ticks = [np.zeros(0, dtype=int)]
    change_ticks = np.round(np.asarray(changes, dtype=float) / step).astype(int)
    for c in change_ticks.tolist():
        first = -(-(c - reach) // near_every) * near_every  # the first grid tick at or after c - reach
        ticks.append(np.arange(first, c + reach + 1, near_every))
    if options.overlap_scan_step_s > 0:
        scan_every = max(1, round(options.overlap_scan_step_s / step))
        for t in turns:
            if t.speaker in pair:
                first = -(-round(t.start / step) // scan_every) * scan_every
                inside = np.arange(first, round(t.end / step) + 1, scan_every)
                ticks.append(inside[_far_from(inside, change_ticks, reach)])
    return np.unique(np.concatenate(ticks))


def _far_from(ticks: np.ndarray, changes: np.ndarray, reach: int) -> np.ndarray:
    """Mask of the ticks further than `reach` from every change tick."""
    if not len(changes) or not len(ticks):
        return np.ones(len(ticks), dtype=bool)
    ordered = np.sort(changes)
    after = np.clip(np.searchsorted(ordered, ticks), 0, len(ordered) - 1)
    before = np.clip(after - 1, 0, len(ordered) - 1)
    return np.minimum(np.abs(ticks - ordered[before]), np.abs(ticks - ordered[after])) > reach


def _ticks_around(hits: np.ndarray, options: SpeakerOptions) -> np.ndarray:
    """Every tick within overlap_refine_s of a hit."""
    if not len(hits):
        return np.zeros(0, dtype=int)
    radius = round(options.overlap_refine_s / options.overlap_step_s)
    return np.unique((hits[:, None] + np.arange(-radius, radius + 1)[None, :]).ravel())


def _train(mel: np.ndarray, first_i: np.ndarray, first_j: np.ndarray, size: int, embed: Embed,
           floor: np.ndarray, options: SpeakerOptions, rng: np.random.Generator) -> Classifier:
    """Classes: voice i alone, voice j alone, a change between them, both at once (last).
    floor: (40,) the room's noise per mel band."""
    m = options.overlap_train_windows
    # The same windows of each voice are its own class and the parts of the mixtures and changes.
    wa, wb = _windows(mel, rng.choice(first_i, m), size), _windows(mel, rng.choice(first_j, m), size)
    own_i, own_j = wa, wb
    half = size // 2
    change = np.where(np.arange(m)[:, None, None] % 2 == 0,
                      np.concatenate([wa[:, :half], wb[:, half:]], axis=1),
                      np.concatenate([wb[:, :half], wa[:, half:]], axis=1))
    # Two sources add in power, but the room's noise is there once: each window brings its
    # own, so the mixture takes the noise floor off again. Left in, "both" also meant "3 dB
    # more noise", which a real overlap is not.
    both = np.maximum(wa + wb - floor, 0.5 * floor)
    samples = [_normalise(_embed_all(embed, w)) for w in (own_i, own_j, change, both)]
    return fit_classifier(samples, options.overlap_shrinkage)


def _stretches(centres: np.ndarray, covers: np.ndarray, pair: tuple[int, int],
               regions: list[tuple[float, float]], options: SpeakerOptions) -> list[Overlap]:
    """Flagged window centres as stretches: each covers its `covers` seconds (at least half a
    step) either side of its centre, neighbours join, each is cut to the speech regions, and
    pieces shorter than overlap_min_s are dropped."""
    order = np.argsort(centres, kind="stable")
    halves = np.maximum(covers[order], options.overlap_step_s / 2) + 1e-6
    out: list[Overlap] = []
    for c, half in zip(centres[order].tolist(), halves.tolist()):
        if out and c - half <= out[-1].end + 1e-6:
            out[-1] = Overlap(out[-1].start, max(out[-1].end, c + half), pair)
        else:
            out.append(Overlap(c - half, c + half, pair))
    pieces = [(max(o.start, a), min(o.end, b)) for o in out for a, b in regions]
    return [Overlap(round(a, 3), round(b, 3), pair) for a, b in pieces if b - a >= options.overlap_min_s]


def _windows(mel: np.ndarray, first: np.ndarray, size: int) -> np.ndarray:
    return mel[np.asarray(first)[:, None] + np.arange(size)[None, :]]


def _embed_all(embed: Embed, windows: np.ndarray, batch: int = 64) -> np.ndarray:
    return np.concatenate([embed(windows[i : i + batch]) for i in range(0, len(windows), batch)])


def _normalise(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _frame(t: float, n: int) -> int:
    return min(n, max(0, round(t * MEL_FRAMES_PER_SECOND)))
