"""Loudness of stretches of a stored recording: RMS in dBFS (full scale = 1.0).

The recording is read once, in blocks, into a cumulative power track of 10 ms frames per
channel (plus the mix); any stretch's level is then two look-ups. A 3-hour stereo meeting's
track is about 30 MB, where the samples themselves would be 1.4 GB as float32.
"""

from pathlib import Path

import numpy as np

from capture.wav import iter_blocks, wav_info

FRAME_S = 0.01
SILENCE_DB = -100.0  # the level of digital silence, so that no stretch is -inf


class LoudnessTrack:
    def __init__(self, frame_power: np.ndarray, frame_s: float = FRAME_S):
        """frame_power: (frames, columns) mean square per frame; column -1 is the mix."""
        self.frame_s = frame_s
        self.cumulative = np.vstack([np.zeros((1, frame_power.shape[1])), np.cumsum(frame_power, axis=0)])

    @classmethod
    def of_wav(cls, path: Path, frame_s: float = FRAME_S) -> "LoudnessTrack":
        rate, channels, _frames = wav_info(path)
        frame = round(frame_s * rate)
        pieces, carry = [], np.zeros((0, channels), np.float32)
        for block in iter_blocks(path):
            block = np.vstack([carry, block])
            whole = len(block) // frame * frame
            pieces.append(frame_power(block[:whole], frame))
            carry = block[whole:]
        if len(carry):
            pieces.append(frame_power(carry, len(carry)))
        power = np.vstack(pieces) if pieces else np.zeros((0, channels + 1))
        return cls(power, frame_s)

    def level_db(self, start: float, end: float, channel: int | None = None) -> float | None:
        """RMS level of [start, end) on a 0-based channel, or the mix; None for an empty stretch."""
        return self.level_of([(start, end)], channel)

    def level_of(self, stretches: list[tuple[float, float]], channel: int | None = None) -> float | None:
        """RMS level of several stretches taken together (e.g. a segment's words)."""
        column = -1 if channel is None else channel
        n = len(self.cumulative) - 1
        energy, frames = 0.0, 0
        for start, end in stretches:
            # Rounded first: 0.29 / 0.01 is 28.999..., and 0.07 / 0.01 is 7.000...1; a stretch on
            # frame edges must take exactly its frames, not a neighbour of another level.
            a = min(max(0, int(np.floor(round(start / self.frame_s, 6)))), n)
            b = min(max(a, int(np.ceil(round(end / self.frame_s, 6)))), n)
            energy += self.cumulative[b, column] - self.cumulative[a, column]
            frames += b - a
        if frames == 0:
            return None
        mean_square = energy / frames
        return round(max(SILENCE_DB, 10 * float(np.log10(mean_square))), 2) if mean_square > 0 else SILENCE_DB


def frame_power(samples: np.ndarray, frame: int) -> np.ndarray:
    """Mean square per frame for every channel, and for the channels' mix as the last column."""
    n = len(samples) // frame
    shaped = samples[: n * frame].reshape(n, frame, samples.shape[1]).astype(np.float64)
    mix = shaped.mean(axis=2, keepdims=True)
    return np.concatenate([(shaped ** 2).mean(axis=1), (mix ** 2).mean(axis=1)], axis=1)
