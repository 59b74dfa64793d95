"""Meeting speakers matched to enrolled voice prints (GE2E centroids), one-to-one."""

from __future__ import annotations

import numpy as np

from transcribe.clustering import normalise


# Cosine similarity a meeting speaker's centroid needs to an enrolled voice print. Measured with
# GE2E utterance embeddings on the shared Danish clips (12 clips of nst_da_0042, 1 of nst_da_0013,
# ap_dan): an enrolment centroid of six 0042 clips against the six held-out 0042 clips gives
# 0.72-0.94 (0.72 only for the 3-second clip; 0.85-0.94 for 5-8 s), against the other two voices
# 0.70 and 0.67; all different-voice pairs of single clips <= 0.73, same-voice median 0.84.
# 0.75 refuses every different voice seen, accepts every same voice with >= 5 s of speech.
VOICEPRINT_THRESHOLD = 0.75


def match_voiceprints(centroids: np.ndarray, voiceprints: dict[str, np.ndarray], threshold: float) -> dict[int, str]:
    """Speaker index -> enrolled user: the most similar (cosine) pairs first, one-to-one, and
    only where the similarity reaches `threshold` (VOICEPRINT_THRESHOLD, measured above)."""
    if centroids is None or not len(centroids) or not voiceprints:
        return {}
    c = normalise(np.asarray(centroids, dtype=np.float64))
    users = sorted(voiceprints)
    v = normalise(np.stack([np.asarray(voiceprints[u], dtype=np.float64).reshape(-1) for u in users]))
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
