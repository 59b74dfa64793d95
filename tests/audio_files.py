"""Audio files for the tests: 16-bit PCM WAV written and read in one place, and real compressed
files made with PyAV for the importer's tests."""

import wave
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np

from meetings.records import AudioInfo

SAMPLE_RATE = 16000


def encode(path: Path, samples: np.ndarray, codec: str, rate: int, container: str | None = None) -> Path:
    """16 kHz int16 (frames, channels) encoded with PyAV into `path` at `rate`."""
    channels = samples.shape[1]
    layout = {1: "mono", 2: "stereo"}.get(channels, f"{channels} channels")
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        if codec == "vorbis":  # FFmpeg's own Vorbis encoder is marked experimental
            stream.codec_context.options = {"strict": "experimental"}
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples).reshape(1, -1), format="s16", layout=layout)
        frame.sample_rate = SAMPLE_RATE
        resampler = av.AudioResampler(format=stream.codec_context.format, layout=layout, rate=rate)
        for converted in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(converted):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def write_wav(path: Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    """16-bit PCM WAV of samples on the int16 scale, (frames,) or (frames, channels): clipped to
    the int16 range and truncated toward zero, as numpy's astype does (round first for rounding)."""
    samples = np.asarray(samples)
    samples = samples if samples.ndim == 2 else samples[:, None]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(samples.shape[1]), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes(np.clip(samples, -32768, 32767).astype("<i2").tobytes())
    return path


def read_wav(path: Path) -> np.ndarray:
    """A 16-bit WAV's samples exactly as the file holds them: int16, (frames, channels)."""
    with wave.open(str(path), "rb") as w:
        assert w.getsampwidth() == 2, path
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, w.getnchannels())


def pcm_writer(seconds: float, pattern: bytes = b"\x00\x00", source_name: str = "") -> Callable[[Path], AudioInfo]:
    """What Store.attach_audio calls to write a recording: `seconds` of mono 16 kHz PCM made of
    one repeated 2-byte sample, so a test can look for those bytes (or their absence) on disk."""
    def write(path: Path) -> AudioInfo:
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(SAMPLE_RATE)
            w.writeframes(pattern * int(SAMPLE_RATE * seconds))
        return AudioInfo(path=str(path), sample_rate=SAMPLE_RATE, channels=1, duration_s=seconds,
                         source_name=source_name)
    return write
