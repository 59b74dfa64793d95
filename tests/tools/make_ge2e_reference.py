"""Reference speaker embeddings from Resemblyzer itself (development time only, needs torch).

Run in the environment described in tests/tools/convert_ge2e.py:

    /tmp/ge2e-venv/bin/python tests/tools/make_ge2e_reference.py

Writes tests/fixtures/ge2e_reference.npz: only small results (lengths, mel excerpts,
embeddings); tests/unit/test_embedding.py re-reads the audio from the shared data directory
(MEDLYT_SHARED_DATA, default ../shared/data) and compares transcribe/embedding.py with these.
"""

from __future__ import annotations

import os
import sys
import wave
from pathlib import Path

import numpy as np
import torch
from resemblyzer import VoiceEncoder, preprocess_wav
from resemblyzer.audio import normalize_volume, wav_to_mel_spectrogram

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("MEDLYT_SHARED_DATA", REPO.parent / "shared" / "data"))
OUT = REPO / "tests" / "fixtures" / "ge2e_reference.npz"
sys.path.insert(0, str(REPO))  # run as a script from the development venv
from tests.ge2e_clips import CLIPS  # noqa: E402

MEL_CLIP = "nst42"
MEL_HEAD, MEL_TAIL = 60, 20  # frames kept from each end: the ends test the STFT padding
WINDOW_CLIP = "dev00"
# (start_s, end_s) windows on the volume-normalised (not trimmed) clip, as diarization uses them.
WINDOWS = [(0.0, 1.6), (1.0, 2.6), (2.35, 3.95), (4.0, 6.0), (5.5, 7.5), (8.4, 10.0)]
FRAMES_PER_SECOND = 100


def read_clip(relative: str, seconds: float | None) -> np.ndarray:
    """float32 mono in [-1, 1], scaled like capture/wav.py (int16 / 32768)."""
    with wave.open(str(SHARED_DATA / relative), "rb") as wav:
        assert wav.getframerate() == 16000 and wav.getnchannels() == 1
        n = wav.getnframes() if seconds is None else int(seconds * 16000)
        data = wav.readframes(n)
    return (np.frombuffer(data, dtype="<i2") / 32768.0).astype(np.float32)


def main() -> None:
    torch.set_num_threads(1)
    encoder = VoiceEncoder("cpu", verbose=False)
    out: dict[str, np.ndarray] = {}
    for name, (relative, seconds) in CLIPS.items():
        processed = preprocess_wav(read_clip(relative, seconds))
        out[f"{name}_preprocessed_len"] = np.array(len(processed))
        out[f"{name}_preprocessed_sum"] = np.array(np.sum(processed, dtype=np.float64))
        out[f"{name}_utterance"] = encoder.embed_utterance(processed)
        if name == MEL_CLIP:
            mel = wav_to_mel_spectrogram(processed)
            out["mel_n_frames"] = np.array(len(mel))
            out["mel_head"] = mel[:MEL_HEAD]
            out["mel_tail"] = mel[-MEL_TAIL:]

    normalised = normalize_volume(read_clip(*CLIPS[WINDOW_CLIP]), -30, increase_only=True)
    mel = wav_to_mel_spectrogram(normalised)
    embeds = []
    for start, end in WINDOWS:
        first = round(start * FRAMES_PER_SECOND)
        frames = mel[first : first + round((end - start) * FRAMES_PER_SECOND)]
        with torch.no_grad():
            embeds.append(encoder(torch.from_numpy(frames[None].copy())).numpy()[0])
    out["windows"] = np.array(WINDOWS, dtype=np.float64)
    out["window_embeddings"] = np.stack(embeds)

    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **out)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e3:.1f} kB)")


if __name__ == "__main__":
    main()
