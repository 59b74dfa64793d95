"""Who spoke when with one microphone per person: each speaker's channel energy decides
(channel_turns), so talking at the same time is measured, not guessed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from transcribe.speaker_options import SpeakerOptions
from transcribe.speakers import Turn, regions_of

DIGITAL_SILENCE_DB = -120.0  # energy floor for all-zero frames, so log10 never sees 0


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
    allowed = np.repeat(_mask(regions_of(speech), n_frames, frame_s)[:, None], len(channel_of_speaker), axis=1)
    if channel_speech is not None:
        for i, channel in enumerate(channel_of_speaker):
            regions = regions_of(channel_speech[channel]) if channel < len(channel_speech) else []
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
