"""Spectral clustering of speaker embeddings (transcribe.clustering) on hand-made embeddings:
well-separated noisy clusters of unit vectors, so the right labels are known."""

from itertools import permutations

import numpy as np
import pytest

from transcribe.clustering import cluster, estimate_speakers
from transcribe.speaker_options import SpeakerOptions

DIM = 256


def blobs(sizes, noise=0.6, seed=0):
    """Well-separated noisy clusters of unit vectors, and their true labels."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(sizes), DIM))
    points = [centres[i] + noise * rng.normal(size=(n, DIM)) for i, n in enumerate(sizes)]
    x = np.vstack(points)
    return x / np.linalg.norm(x, axis=1, keepdims=True), np.repeat(np.arange(len(sizes)), sizes)


def agreement(labels, truth) -> float:
    """Fraction of equal labels under the best permutation of label names."""
    k = max(labels.max(), truth.max()) + 1
    return max(np.mean(np.array(p)[labels] == truth) for p in permutations(range(k)))


@pytest.mark.parametrize("sizes", [(30, 20), (40, 8), (20, 15, 25), (6, 5)])
def test_cluster_recovers_hand_made_speakers(sizes):
    x, truth = blobs(sizes)
    labels = cluster(x, len(sizes))
    assert agreement(labels, truth) == 1.0


def test_cluster_is_deterministic():
    x, _ = blobs((25, 25, 25), noise=1.2)
    assert np.array_equal(cluster(x, 3), cluster(x, 3))


def test_cluster_subsamples_long_meetings_and_labels_the_rest():
    x, truth = blobs((900, 700))
    labels = cluster(x, 2, SpeakerOptions(cluster_max_windows=200))
    assert agreement(labels, truth) == 1.0


@pytest.mark.parametrize("sizes", [(30, 20), (20, 15, 25)])
def test_estimate_speakers_finds_the_count(sizes):
    x, _ = blobs(sizes)
    assert estimate_speakers(x) == len(sizes)


def test_cluster_edge_cases():
    x, _ = blobs((3, 2))
    assert list(cluster(x, 1)) == [0] * 5
    assert sorted(cluster(x, 5)) == [0, 1, 2, 3, 4]
    assert sorted(cluster(x, 9)) == [0, 1, 2, 3, 4]  # never more labels than windows
    same = np.tile(x[:1], (10, 1))
    assert list(cluster(same, 2)) == [0] * 10  # identical voices are not split
    assert estimate_speakers(same) == 1
    assert len(cluster(np.zeros((0, DIM)), 2)) == 0
    with pytest.raises(ValueError):
        cluster(x, 0)

