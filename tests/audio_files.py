"""Real compressed audio files made with PyAV, for the importer's tests."""

from pathlib import Path

import av
import numpy as np

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
