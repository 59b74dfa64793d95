"""Cheap reads of the stored 16-bit PCM WAV: header facts, a time slice, or streaming blocks.

Only the requested frames are read (seek + read), so a two-hour recording is never loaded whole.
"""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np

SAMPLE_WIDTH = 2  # the stored recording is always 16-bit PCM
INT16_SCALE = 32768.0


def wav_info(path: Path) -> tuple[int, int, int]:
    """(sample_rate, channels, n_frames) from the header."""
    with _open(path) as wav:
        return wav.getframerate(), wav.getnchannels(), wav.getnframes()


def read_mono(path: Path, start_s: float = 0.0, end_s: float | None = None, channel: int | None = None) -> np.ndarray:
    """float32 mono in [-1, 1] for [start_s, end_s), clipped to the file: the channels averaged,
    or only `channel` (0-based) when given."""
    with _open(path) as wav:
        rate, n_total = wav.getframerate(), wav.getnframes()
        start = min(max(0, round(start_s * rate)), n_total)
        end = n_total if end_s is None else min(max(start, round(end_s * rate)), n_total)
        wav.setpos(start)
        data, channels = wav.readframes(end - start), wav.getnchannels()
        if channel is None:
            return _to_mono(data, channels)
        one = np.frombuffer(data, dtype="<i2").reshape(-1, channels)[:, channel].astype(np.float32)
        one *= np.float32(1 / INT16_SCALE)
        return one


def iter_mono_blocks(path: Path, block_s: float = 30.0) -> Iterator[np.ndarray]:
    """Consecutive float32 mono blocks of `block_s` seconds (the last may be shorter)."""
    with _open(path) as wav:
        block = max(1, round(block_s * wav.getframerate()))
        channels = wav.getnchannels()
        while data := wav.readframes(block):
            yield _to_mono(data, channels)


def iter_blocks(path: Path, block_s: float = 30.0) -> Iterator[np.ndarray]:
    """Consecutive float32 blocks of shape (frames, channels), every channel kept."""
    with _open(path) as wav:
        block = max(1, round(block_s * wav.getframerate()))
        channels = wav.getnchannels()
        while data := wav.readframes(block):
            samples = np.frombuffer(data, dtype="<i2").reshape(-1, channels).astype(np.float32)
            samples *= np.float32(1 / INT16_SCALE)
            yield samples


def _open(path: Path) -> wave.Wave_read:
    wav = wave.open(str(path), "rb")
    if wav.getsampwidth() != SAMPLE_WIDTH:
        wav.close()
        raise ValueError(f"{path}: expected 16-bit PCM, got {8 * wav.getsampwidth()}-bit")
    return wav


def _to_mono(data: bytes, channels: int) -> np.ndarray:
    # float32 throughout and scaled in place: int16 / float would make a float64 copy, which
    # for a whole 2-hour recording is 920 MB on its own.
    samples = np.frombuffer(data, dtype="<i2").reshape(-1, channels)
    mono = samples.mean(axis=1, dtype=np.float32) if channels > 1 else samples[:, 0].astype(np.float32)
    mono *= np.float32(1 / INT16_SCALE)
    return mono
