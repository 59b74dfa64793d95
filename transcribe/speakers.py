"""Who spoke when: pure functions from speaker embeddings (or channel energies) to speaker turns.

Single microphone: speech regions are cut into overlapping windows (plan_windows), the caller
embeds each window (transcribe.embedding.SpeakerEncoder), and spectral clustering with the known
number of speakers labels them (cluster); attribute() turns the window labels into turns at 10 ms
resolution. One microphone per person: channel energy decides instead (channel_turns).
split_segments then gives every transcript segment one speaker, splitting at word boundaries.

No model, no file, no store here: numpy in, dataclasses out, so every step is testable with
hand-made embeddings and the live path can reuse the same functions on a growing window list.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

import numpy as np

from meetings.records import Segment, Word

FRAME_S = 0.01  # resolution of the turns attribute() produces
DIGITAL_SILENCE_DB = -120.0  # energy floor for all-zero frames, so log10 never sees 0

# Cosine similarity a meeting speaker's centroid needs to an enrolled voice print. Measured with
# GE2E utterance embeddings on the shared Danish clips (12 clips of nst_da_0042, 1 of nst_da_0013,
# ap_dan): an enrolment centroid of six 0042 clips against the six held-out 0042 clips gives
# 0.72-0.94 (0.72 only for the 3-second clip; 0.85-0.94 for 5-8 s), against the other two voices
# 0.70 and 0.67; all different-voice pairs of single clips <= 0.73, same-voice median 0.84.
# 0.75 refuses every different voice seen, accepts every same voice with >= 5 s of speech.
VOICEPRINT_THRESHOLD = 0.75


@dataclass(frozen=True)
class SpeakerOptions:
    """Defaults measured on the AMI excerpts and the synthetic Danish dialogues
    (tests/unit/test_speakers.py, benchmarks/attribution_speed.py)."""

    # GE2E was trained on, and Resemblyzer embeds, partial utterances of exactly 1.6 s (160 mel
    # frames): a window of that length is one forward pass over the context the encoder knows,
    # and the shortest that does (less voice of a neighbouring turn per window). Measured on the
    # AMI excerpts and the dialogues: share error of the 2-speaker recordings <= 2.4 points
    # (2.0 s: up to 9.7 on dev00), and 1.5 / 1.75 s give the same picture, so it is no knife edge.
    window_s: float = 1.6
    step_s: float = 0.5
    # The VAD pads speech by 0.3 s for Whisper's sake; attribution trims it back to ~0.1 s,
    # which halves the padding's share of the diarization error (measured on the dialogues).
    speech_trim_s: float = 0.2
    min_window_s: float = 0.5  # a speech region shorter than this carries too little voice
    # Bounds the clustering (an N x N affinity and its eigenvectors) and the encoder's work on
    # long meetings: 60 minutes of speech then gives a window every ~1.5 s, still overlapping.
    max_windows: int = 2400
    # Below this much speech two voices cannot be told apart reliably (a handful of windows).
    min_speech_s: float = 5.0
    # Pruned affinity: each row keeps its p_neighbours fraction of most similar windows
    # (at least min_neighbours). Candidates are searched per recording (NME-SC, Park et al. 2019).
    p_candidates: tuple[float, ...] = (0.15, 0.2, 0.25, 0.3)
    min_neighbours: int = 3
    cluster_max_windows: int = 600  # spectral step on an even subsample of at most this many
    kmeans_inits: int = 10
    seed: int = 0
    min_turn_s: float = 0.5  # shorter runs of one speaker inside speech go to a neighbour
    # Frame-level resegmentation (transcribe.resegment), measured with
    # benchmarks/speaker_accuracy.py on the built dialogues, the AMI excerpts and the espeak ones.
    resegment: bool = True
    reseg_frame_s: float = 0.02  # 20 ms frames: sharp enough for a turn edge, half the work of 10 ms
    reseg_cepstra: int = 20  # MFCCs c0-c19 of GE2E's 40 mel bands
    reseg_components: int = 8  # Gaussians per voice model
    reseg_em_iterations: int = 8
    reseg_iterations: int = 2  # learn the models, decode, learn again from the new labels, decode
    reseg_max_train_frames: int = 20000
    # Frames are strongly correlated, so their log likelihoods are scaled down before adding
    # (VBx's acoustic scale); the change cost is then in the same, scaled nats.
    reseg_acoustic_scale: float = 0.3
    reseg_change_cost: float = 10.0
    reseg_min_run_s: float = 0.1  # a shorter run of one voice is dropped
    reseg_context_s: float = 0.5  # non-speech around each VAD region teaches the "nobody" model
    reseg_min_speech_s: float = 2.0  # a voice with less first-pass speech keeps the first pass
    reseg_nobody: bool = True  # a "nobody" state: pauses inside the VAD's speech are nobody's talk
    reseg_boundary_s: float = 1.0  # a frame's voice may change freely only this close to a first-pass change
    # ... or this close to either end of a VAD region (padded by 0.3 s, so 0.5 reaches 0.2 s into
    # the speech): a turn's first or last words next to a pause, with the other voice on the
    # other side, get no first-pass window of their own. On the 15 built dialogues 0.5 gives mean
    # DER 12.4 -> 12.1 %, mean share error 2.32 -> 2.02 (worst 6.7 -> 5.5), false interruptions
    # 2 -> 1; 0.3-0.4 change nothing, 0.6-1.0 lower the share error a little more but give 2-3
    # false interruptions. On seeds 4-6, not used to choose it: share error 2.05 -> 1.93.
    reseg_edge_s: float = 0.5
    # Elsewhere the models learn with the first pass's voice fixed, but the last decoding may
    # give a frame another voice for this much per frame (scaled nats): a short turn wholly
    # inside the other's speech, next to no pause, gets no first-pass window of its own either
    # (dialog2's 1.8 s turn at 14.4 s, 0.4 s of it alone). 1.0 on the 15 built dialogues: mean
    # share error 2.02 -> 1.89 (worst 5.5 -> 4.8), false interruptions 1 -> 2; on seeds 4-6
    # 1.93 -> 1.85 and 18 -> 21 of 39 interruptions. 0.3-1.2 find dialog2's; below 1.0 3 false,
    # above 1.2 not found. Learning with it too moved every model and gave 3 false.
    reseg_far_cost: float = 1.0
    reseg_fill_s: float = 0.3  # shorter pauses inside one voice's speech stay its speech
    # A voice's model learns only from its frames louder than this percentile of the room
    # without speech: the first pass gives a voice its pauses too, and a model that learned
    # room tone took everybody's pauses (the LibriVox reader 13-15 s of them in the monologues).
    # 40: on the 15 built dialogues 30-60 give the same mean share error; above 50 AMI dev01's
    # grows, at 50 dev00's reaches 3.0.
    reseg_voice_above_room_pct: float = 40.0
    # Two voices at once, near a first-pass change (one microphone can hear an interruption):
    # entering that state costs this much more than a plain change.
    reseg_overlap: bool = True
    reseg_overlap_cost: float = 10.0
    # Two voices at once from GE2E embeddings (transcribe.overlap): windows of overlap_window_s,
    # first every overlap_near_step_s within overlap_reach_s of a speaker change and every
    # overlap_scan_step_s inside the turns (0: not there), then every overlap_step_s within
    # overlap_refine_s of a hit. A window is overlap when "both at once" beats "one voice" and "a
    # change" by overlap_margin near a change, overlap_inside_margin further inside a turn (LDA
    # log likelihood), and a stretch needs overlap_min_s.
    # Measured with benchmarks/speaker_accuracy.py; the work with benchmarks/attribution_speed.py.
    overlap: bool = True
    overlap_window_s: float = 0.8
    overlap_step_s: float = 0.1
    overlap_near_step_s: float = 0.3
    overlap_reach_s: float = 1.2
    overlap_scan_step_s: float = 0.8
    overlap_refine_s: float = 0.4
    overlap_margin: float = 2.0  # near a change: an overlap there is an interruption
    # Inside a turn a window of one voice scores below -1 (99th percentile on the built
    # dialogues) and one that is 40 % or more two voices has a median of -3 and a 90th
    # percentile of 3-4; a "ja" there changes the balance, not the interruptions.
    overlap_inside_margin: float = 0.0
    overlap_min_s: float = 0.3
    # A flagged window is two voices this far either side of its centre: near a change, and
    # inside a turn (transcribe.overlap._covers). 0.2 near a change made real overlaps of
    # 0.4-0.7 s long enough to cross feedback's interruption threshold; 0.15 inside a turn made a
    # 0.6-0.7 s "ja" measure over 1 s, feedback's longest backchannel (2 of 4 false
    # interruptions on the 15 built dialogues).
    overlap_cover_s: float = 0.15
    overlap_inside_cover_s: float = 0.05
    overlap_train_windows: int = 200  # per class and pair of voices
    overlap_floor_percentile: float = 10.0  # of each mel band over the speech: the room's noise floor
    # A voice needs this many windows of its own speech alone (6 s of window starts, about 7 s
    # of speech): with less, as for the 4-voice AMI excerpts, the classifier found false overlaps.
    overlap_min_windows: int = 600
    overlap_shrinkage: float = 0.5
    # Channels: a channel counts as its speaker's voice only if it is no more than this far below
    # the loudest mapped channel; lapel crosstalk is typically 15-25 dB down.
    crosstalk_margin_db: float = 12.0
    # A word's onset and decay are quiet: next to a loud other voice they fall below the margin.
    # Activity is extended by up to channel_edge_s into frames within channel_edge_margin_db
    # (the stereo test file's decays need 0.11 s); crosstalk can gain at most that at a change.
    channel_edge_s: float = 0.15
    channel_edge_margin_db: float = 35.0
    channel_min_gap_s: float = 0.6  # gaps in one speaker's channel activity shorter than this close
    channel_min_run_s: float = 0.1  # shorter bursts of activity are clicks, not speech


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
    for start, end in _pairs(speech):
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


# ------------------------------------------------------------------------------ clustering


def cluster(embeddings: np.ndarray, n_speakers: int, options: SpeakerOptions = SpeakerOptions()) -> np.ndarray:
    """Labels 0..n_speakers-1 per window: spectral clustering with the known count.

    Cosine affinity, pruned row-wise to the most similar neighbours and symmetrised; the
    eigenvectors of the Laplacian's smallest eigenvalues embed the windows so that each
    speaker becomes a tight point cloud, which deterministic k-means then separates.
    """
    x = _normalise(np.asarray(embeddings, dtype=np.float64))
    n = len(x)
    if n_speakers < 1:
        raise ValueError(f"n_speakers must be >= 1, got {n_speakers}")
    if n == 0:
        return np.zeros(0, dtype=int)
    if n_speakers == 1:
        return np.zeros(n, dtype=int)
    if n_speakers >= n:
        return np.arange(n)
    if _distinct_points(x) < n_speakers:
        # Identical voices cannot be split; say "one speaker" rather than invent a difference.
        return np.zeros(n, dtype=int)
    return _labels(x, _spectrum(x, options), n_speakers, options)


def estimate_speakers(embeddings: np.ndarray, max_speakers: int = 8, options: SpeakerOptions = SpeakerOptions()) -> int:
    """The number of speakers by the largest eigengap of the same pruned affinity's Laplacian."""
    x = _normalise(np.asarray(embeddings, dtype=np.float64))
    n = len(x)
    if n < 3 or _distinct_points(x) < 2:
        return 1 if n else 0
    values, _vectors, _pick = _spectrum(x, options)
    return _eigengap_count(values, min(max_speakers, n - 1))


def _spectrum(x: np.ndarray, options: SpeakerOptions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eigenvalues (ascending), eigenvectors and the windows they belong to: an even
    subsample of at most cluster_max_windows. The eigendecomposition is O(N^3) (2400 windows
    take seconds on 2 cores, 600 a tenth of a second), and 600 windows hold plenty of every
    voice in a meeting; the rest are labelled by their nearest centroid (_labels)."""
    pick = np.arange(len(x))
    if len(x) > options.cluster_max_windows:
        pick = np.unique(np.linspace(0, len(x) - 1, options.cluster_max_windows).round().astype(int))
    similarity = x[pick] @ x[pick].T
    p = _tune_p(similarity, options)
    values, vectors = np.linalg.eigh(_laplacian(_pruned_affinity(similarity, p, options.min_neighbours)))
    return values, vectors, pick


def _labels(x: np.ndarray, spectrum, k: int, options: SpeakerOptions) -> np.ndarray:
    _values, vectors, pick = spectrum
    sub_labels = _kmeans(vectors[:, :k], k, options.kmeans_inits, options.seed)
    if len(pick) == len(x):
        return sub_labels
    # Windows left out of the spectral step go to the most similar centroid; one refinement
    # with all windows' centroids keeps the subsample from biasing the boundary.
    labels = (x @ _centroids(x[pick], sub_labels, k).T).argmax(axis=1)
    labels[pick] = sub_labels
    return (x @ _centroids(x, labels, k).T).argmax(axis=1)


def _tune_p(similarity: np.ndarray, options: SpeakerOptions) -> float:
    """NME-SC: pick the pruning fraction whose Laplacian has the clearest eigengap relative to
    how much was kept (ratio p / normalised gap, smallest wins)."""
    best_p, best_ratio = options.p_candidates[0], math.inf
    for p in options.p_candidates:
        values = np.linalg.eigvalsh(_laplacian(_pruned_affinity(similarity, p, options.min_neighbours)))
        top = min(8, len(values) - 1)
        gaps = np.diff(values[: top + 1])
        gap = float(gaps.max()) / max(float(values[-1]), 1e-10) if len(gaps) else 0.0
        ratio = p / max(gap, 1e-10)
        if ratio < best_ratio:
            best_p, best_ratio = p, ratio
    return best_p


def _pruned_affinity(similarity: np.ndarray, p: float, min_neighbours: int) -> np.ndarray:
    """Binary affinity: each row keeps its k most similar windows; (A + A^T) / 2 symmetrises."""
    n = len(similarity)
    k = min(n - 1, max(min_neighbours, int(math.ceil(p * n))))
    affinity = np.zeros_like(similarity)
    # k + 1: the window itself (similarity 1) is always among its own nearest.
    nearest = np.argpartition(-similarity, kth=min(k, n - 1), axis=1)[:, : k + 1]
    np.put_along_axis(affinity, nearest, 1.0, axis=1)
    np.fill_diagonal(affinity, 0.0)
    return (affinity + affinity.T) / 2


def _laplacian(affinity: np.ndarray) -> np.ndarray:
    return np.diag(affinity.sum(axis=1)) - affinity


def _eigengap_count(values: np.ndarray, max_speakers: int) -> int:
    values = np.sort(values)[: max_speakers + 1]
    if len(values) < 2:
        return 1
    return int(np.argmax(np.diff(values))) + 1


def _kmeans(points: np.ndarray, k: int, n_inits: int, seed: int, max_iter: int = 100) -> np.ndarray:
    """Lloyd's k-means with k-means++ starts; a fixed seed and several starts (the lowest
    inertia wins) make the result the same on every run."""
    rng = np.random.default_rng(seed)
    best_labels, best_inertia = np.zeros(len(points), dtype=int), math.inf
    for _ in range(n_inits):
        centres = _kmeans_plus_plus(points, k, rng)
        labels = np.zeros(len(points), dtype=int)
        for iteration in range(max_iter):
            distances = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
            new_labels = distances.argmin(axis=1)
            if iteration and np.array_equal(new_labels, labels):
                break
            labels = new_labels
            for j in range(k):
                members = points[labels == j]
                if len(members):
                    centres[j] = members.mean(axis=0)
        inertia = float(((points - centres[labels]) ** 2).sum())
        if inertia < best_inertia - 1e-12:
            best_labels, best_inertia = labels, inertia
    return best_labels


def _kmeans_plus_plus(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centres = [points[rng.integers(len(points))]]
    for _ in range(1, k):
        distances = ((points[:, None, :] - np.array(centres)[None]) ** 2).sum(axis=2).min(axis=1)
        total = distances.sum()
        if total <= 0:  # fewer distinct points than k: any point will do
            centres.append(points[rng.integers(len(points))])
        else:
            centres.append(points[rng.choice(len(points), p=distances / total)])
    return np.array(centres, dtype=np.float64)


def _distinct_points(x: np.ndarray, tolerance: float = 1e-6) -> int:
    """How many distinct embeddings there are, up to rounding (enough to know < k)."""
    return len(np.unique(np.round(x / tolerance).astype(np.int64), axis=0)) if len(x) else 0


def _normalise(x: np.ndarray) -> np.ndarray:
    if x.ndim != 2:
        x = x.reshape(len(x), -1)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


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
    regions = [(s, e) for s, e in _pairs(speech) if e > s]
    windows = list(windows)
    x = _normalise(np.asarray(embeddings, dtype=np.float64)) if len(windows) else np.zeros((0, 0))
    if len(x) != len(windows):
        raise ValueError(f"{len(windows)} windows but {len(x)} embeddings")
    speech_s = sum(e - s for s, e in regions)
    if not regions:
        return Attribution([], 0, None, None, "Ingen tale fundet; ingen talere tildelt.")
    if not windows:
        note = f"For lidt tale til at skelne talere ({speech_s:.0f} s); alt tildelt én taler."
        return Attribution(_one_speaker(regions), 1, None, None, note)

    spectrum = _spectrum(x, options) if len(x) >= 3 and _distinct_points(x) >= 2 else None
    estimated = 1 if spectrum is None else _eigengap_count(spectrum[0], min(8, len(x) - 1))
    note = None
    if n_speakers > 1 and speech_s < options.min_speech_s:
        note = f"For lidt tale til at skelne talere ({speech_s:.0f} s); alt tildelt én taler."
        n_speakers = 1
    elif n_speakers > 1 and _distinct_points(x) < 2:
        note = "Stemmerne kunne ikke skelnes fra hinanden; alt tildelt én taler."
        n_speakers = 1
    elif n_speakers > len(windows):
        note = (
            f"{n_speakers} talere ønsket, men kun {len(windows)} taleafsnit at skelne imellem; "
            f"bruger {len(windows)}."
        )
        n_speakers = len(windows)
    if n_speakers == 1:
        return Attribution(_one_speaker(regions), 1, estimated, _centroids(x, np.zeros(len(x), int), 1), note)

    if n_speakers >= len(x) or spectrum is None:
        labels = cluster(x, n_speakers, options)
    else:
        labels = _labels(x, spectrum, n_speakers, options)
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
    return Attribution(turns, n_speakers, estimated, _centroids(x, labels, n_speakers), note)


def _one_speaker(regions: list[tuple[float, float]]) -> list[Turn]:
    return [Turn(s, e, 0) for s, e in regions]


def _centroids(x: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    centroids = np.zeros((k, x.shape[1]))
    for j in range(k):
        if np.any(labels == j):
            centroids[j] = x[labels == j].mean(axis=0)
    return _normalise(centroids)


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


# -------------------------------------------------------------------------------- channels


def frame_energies_db(samples: np.ndarray, sample_rate: int, frame_s: float = 0.02) -> np.ndarray:
    """(n_frames, channels) mean-square energy in dBFS of consecutive frames of frame_s (a
    trailing partial frame is dropped). `samples` is float in [-1, 1], (n,) or (n, channels)."""
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    frame = max(1, round(frame_s * sample_rate))
    n = len(x) // frame
    blocks = x[: n * frame].reshape(n, frame, x.shape[1]).astype(np.float64)
    power = np.mean(blocks**2, axis=1)
    return np.maximum(10 * np.log10(np.maximum(power, 1e-30)), DIGITAL_SILENCE_DB)


def channel_turns(
    frame_energies_db: np.ndarray,
    frame_s: float,
    speech: Sequence,
    channel_of_speaker: Sequence[int],
    options: SpeakerOptions = SpeakerOptions(),
    channel_speech: Sequence[Sequence] | None = None,
) -> list[Turn]:
    """Turns from one microphone per person: speaker i speaks where their channel
    (channel_of_speaker[i]) is within crosstalk_margin_db of the loudest mapped channel, inside
    the speech. With channel_speech (per-channel VAD regions, indexed by channel) a speaker
    must also be in their own channel's speech, which removes the noise-only stretches.

    Unlike attribute(), turns of different speakers may overlap: with a microphone each,
    talking at the same time is measurable, and the balance should count it. A channel map
    that does not fit the file raises ValueError with a Danish message (the caller falls back
    to embeddings).
    """
    energies = np.asarray(frame_energies_db, dtype=np.float64)
    if energies.ndim == 1:
        energies = energies[:, None]
    n_frames, n_channels = energies.shape
    bad = [c for c in channel_of_speaker if not 0 <= c < n_channels]
    if bad or not channel_of_speaker:
        raise ValueError(
            f"Kanaltildelingen {list(channel_of_speaker)} passer ikke til optagelsen med "
            f"{n_channels} kanal(er)."
        )
    mapped = energies[:, list(channel_of_speaker)]
    loudest = mapped.max(axis=1, keepdims=True)
    allowed = np.repeat(_mask(_pairs(speech), n_frames, frame_s)[:, None], len(channel_of_speaker), axis=1)
    if channel_speech is not None:
        for i, channel in enumerate(channel_of_speaker):
            regions = _pairs(channel_speech[channel]) if channel < len(channel_speech) else []
            allowed[:, i] &= _mask(regions, n_frames, frame_s)
    # Digital silence on a channel never starts its speaker, even if every channel is silent;
    # a short silent pause inside a turn is still closed below.
    audible = allowed & (mapped > DIGITAL_SILENCE_DB + 1)
    active = audible & (mapped >= loudest - options.crosstalk_margin_db)
    edge = audible & (mapped >= loudest - options.channel_edge_margin_db)
    turns = []
    min_gap = round(options.channel_min_gap_s / frame_s)
    min_run = round(options.channel_min_run_s / frame_s)
    edge_frames = round(options.channel_edge_s / frame_s)
    for speaker in range(len(channel_of_speaker)):
        column = _extend_edges(active[:, speaker], edge[:, speaker], edge_frames)
        column = _close_gaps(column, min_gap) & allowed[:, speaker]
        for a, b in _true_runs(column):
            if b - a >= min_run:
                turns.append(Turn(round(a * frame_s, 3), round(b * frame_s, 3), speaker))
    return sorted(turns, key=lambda t: (t.start, t.speaker))


def _mask(regions, n_frames: int, frame_s: float) -> np.ndarray:
    mask = np.zeros(n_frames, dtype=bool)
    for s, e in regions:
        mask[max(0, round(s / frame_s)) : max(0, round(e / frame_s))] = True
    return mask


def _true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _extend_edges(mask: np.ndarray, loose: np.ndarray, limit: int) -> np.ndarray:
    """Each run of `mask` grown by up to `limit` frames on both sides while `loose` holds."""
    out = mask.copy()
    for a, b in _true_runs(mask):
        i = a
        while i > 0 and a - i < limit and loose[i - 1]:
            i -= 1
        j = b
        while j < len(mask) and j - b < limit and loose[j]:
            j += 1
        out[i:j] = True
    return out


def _close_gaps(mask: np.ndarray, min_gap: int) -> np.ndarray:
    out = mask.copy()
    runs = _true_runs(mask)
    for (_, b), (a, _) in zip(runs, runs[1:]):
        if a - b < min_gap:
            out[b:a] = True
    return out


# ------------------------------------------------------------------------------ transcript


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


# ---------------------------------------------------------------------------- voice prints


def match_voiceprints(centroids: np.ndarray, voiceprints: dict[str, np.ndarray], threshold: float) -> dict[int, str]:
    """Speaker index -> enrolled user: the most similar (cosine) pairs first, one-to-one, and
    only where the similarity reaches `threshold` (VOICEPRINT_THRESHOLD measured below)."""
    if centroids is None or not len(centroids) or not voiceprints:
        return {}
    c = _normalise(np.asarray(centroids, dtype=np.float64))
    users = sorted(voiceprints)
    v = _normalise(np.stack([np.asarray(voiceprints[u], dtype=np.float64).reshape(-1) for u in users]))
    similarity = c @ v.T
    pairs = sorted(
        ((similarity[i, j], i, j) for i in range(len(c)) for j in range(len(users))),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    matched: dict[int, str] = {}
    taken: set[int] = set()
    for sim, i, j in pairs:
        if sim < threshold:
            break
        if i in matched or j in taken:
            continue
        matched[i] = users[j]
        taken.add(j)
    return matched


# ----------------------------------------------------------------------------------- helpers


def _pairs(speech: Sequence) -> list[tuple[float, float]]:
    """(start, end) pairs from tuples or from objects with .start/.end (capture.vad's
    SpeechSegment), sorted."""
    pairs = [(float(s.start), float(s.end)) if hasattr(s, "start") else (float(s[0]), float(s[1])) for s in speech]
    return sorted(pairs)
