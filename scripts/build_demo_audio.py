"""Build the shipped demo recording from licence-clean clips in ../shared/data/danish.

A mock caseworker-citizen exchange: real read Danish speech by three speakers with natural
pauses. Run once by a developer; the FLAC it writes is committed with its licence lines
(medlyt/demo/LICENSE.md). Usage: python scripts/build_demo_audio.py [SHARED_DANISH_DIR]
"""

import sys
import wave
from pathlib import Path

import av
import numpy as np

SAMPLE_RATE = 16000
REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "medlyt" / "demo" / "demo_meeting.flac"
# (clip, pause after it in seconds)
SCRIPT = [
    ("u0042008.wav", 1.2),  # caseworker asks an open question
    ("ap_dan.wav", 0.9),  # the citizen tells at length
    ("u0042018.wav", 1.5),
    ("u0013002.wav", 0.8),
    ("u0042011.wav", 1.1),
    ("u0042017.wav", 1.0),
]
LEAD_IN_S = 1.0


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as wav:
        assert wav.getframerate() == SAMPLE_RATE and wav.getnchannels() == 1 and wav.getsampwidth() == 2
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)


def build(source_dir: Path) -> np.ndarray:
    parts = [np.zeros(int(LEAD_IN_S * SAMPLE_RATE), dtype=np.int16)]
    for name, pause in SCRIPT:
        parts.append(read_wav(source_dir / name))
        parts.append(np.zeros(int(pause * SAMPLE_RATE), dtype=np.int16))
    return np.concatenate(parts)


def write_flac(samples: np.ndarray, path: Path) -> None:
    with av.open(str(path), "w", format="flac") as container:
        stream = container.add_stream("flac", rate=SAMPLE_RATE, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "data" / "danish"
    audio = build(source)
    write_flac(audio, OUTPUT)
    print(f"{OUTPUT}: {len(audio) / SAMPLE_RATE:.1f} s")
