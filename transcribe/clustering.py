"""Speaker embeddings to speaker labels: spectral clustering with the known number of speakers
(cluster), and the eigengap estimate of that number (estimate_speakers). The pruning fraction is
searched per recording (NME-SC, Park et al. 2019). Pure numpy: embeddings in, labels out."""

from __future__ import annotations

import math

import numpy as np

from transcribe.speaker_options import SpeakerOptions


def cluster(embeddings: np.ndarray, n_speakers: int, options: SpeakerOptions = SpeakerOptions()) -> np.ndarray:
    """Labels 0..n_speakers-1 per window: spectral clustering with the known count.

    Cosine affinity, pruned row-wise to the most similar neighbours and symmetrised; the
    eigenvectors of the Laplacian's smallest eigenvalues embed the windows so that each
    speaker becomes a tight point cloud, which deterministic k-means then separates.
    """
    x = normalise(np.asarray(embeddings, dtype=np.float64))
    n = len(x)
    if n_speakers < 1:
        raise ValueError(f"n_speakers must be >= 1, got {n_speakers}")
    if n == 0:
        return np.zeros(0, dtype=int)
    if n_speakers == 1:
        return np.zeros(n, dtype=int)
    if n_speakers >= n:
        return np.arange(n)
    if distinct_points(x) < n_speakers:
        # Identical voices cannot be split; say "one speaker" rather than invent a difference.
        return np.zeros(n, dtype=int)
    return spectral_labels(x, spectrum(x, options), n_speakers, options)


def estimate_speakers(embeddings: np.ndarray, max_speakers: int = 8, options: SpeakerOptions = SpeakerOptions()) -> int:
    """The number of speakers by the largest eigengap of the same pruned affinity's Laplacian."""
    x = normalise(np.asarray(embeddings, dtype=np.float64))
    n = len(x)
    if n < 3 or distinct_points(x) < 2:
        return 1 if n else 0
    values, _vectors, _pick = spectrum(x, options)
    return eigengap_count(values, min(max_speakers, n - 1))


def spectrum(x: np.ndarray, options: SpeakerOptions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eigenvalues (ascending), eigenvectors and the windows they belong to: an even
    subsample of at most cluster_max_windows. The eigendecomposition is O(N^3) (2400 windows
    take seconds on 2 cores, 600 a tenth of a second), and 600 windows hold plenty of every
    voice in a meeting; the rest are labelled by their nearest centroid (spectral_labels)."""
    pick = np.arange(len(x))
    if len(x) > options.cluster_max_windows:
        pick = np.unique(np.linspace(0, len(x) - 1, options.cluster_max_windows).round().astype(int))
    similarity = x[pick] @ x[pick].T
    p = _tune_p(similarity, options)
    values, vectors = np.linalg.eigh(_laplacian(_pruned_affinity(similarity, p, options.min_neighbours)))
    return values, vectors, pick


def spectral_labels(x: np.ndarray, eigen, k: int, options: SpeakerOptions) -> np.ndarray:
    """k labels from `eigen` (spectrum's eigenvalues, eigenvectors and subsample)."""
    _values, vectors, pick = eigen
    sub_labels = _kmeans(vectors[:, :k], k, options.kmeans_inits, options.seed)
    if len(pick) == len(x):
        return sub_labels
    # Windows left out of the spectral step go to the most similar centroid; one refinement
    # with all windows' centroids keeps the subsample from biasing the boundary.
    labels = (x @ centroids(x[pick], sub_labels, k).T).argmax(axis=1)
    labels[pick] = sub_labels
    return (x @ centroids(x, labels, k).T).argmax(axis=1)


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


def eigengap_count(values: np.ndarray, max_speakers: int) -> int:
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


def distinct_points(x: np.ndarray, tolerance: float = 1e-6) -> int:
    """How many distinct embeddings there are, up to rounding (enough to know < k)."""
    return len(np.unique(np.round(x / tolerance).astype(np.int64), axis=0)) if len(x) else 0


def normalise(x: np.ndarray) -> np.ndarray:
    if x.ndim != 2:
        x = x.reshape(len(x), -1)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def centroids(x: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    means = np.zeros((k, x.shape[1]))
    for j in range(k):
        if np.any(labels == j):
            means[j] = x[labels == j].mean(axis=0)
    return normalise(means)
