"""Meeting speakers matched to enrolled voice prints (transcribe.voiceprints)."""

import numpy as np

from transcribe.voiceprints import VOICEPRINT_THRESHOLD, match_voiceprints

DIM = 256


def voices(n, seed):
    """n random unit 'voices'."""
    v = np.random.default_rng(seed).normal(size=(n, DIM))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_match_voiceprints_picks_the_nearest_one_to_one_and_refuses_strangers():
    v = voices(4, 9)
    noisy = v[:3] + 0.02 * voices(3, 10)
    centroids = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
    prints = {"anna": v[1], "bo": v[0]}
    assert match_voiceprints(centroids, prints, VOICEPRINT_THRESHOLD) == {1: "anna", 0: "bo"}
    assert match_voiceprints(centroids, {"stranger": v[3]}, VOICEPRINT_THRESHOLD) == {}
    # Two prints of the same voice: only the better one gets that speaker.
    twin = v[1] + 0.3 * voices(1, 11)[0]
    assert match_voiceprints(centroids[1:2], {"anna": v[1], "twin": twin}, 0.5) == {0: "anna"}
    assert match_voiceprints(None, prints, 0.5) == {}
    assert match_voiceprints(centroids, {}, 0.5) == {}

