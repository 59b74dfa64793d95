"""GE2E speaker embeddings in numpy equal Resemblyzer's own (fixture from
tests/tools/make_ge2e_reference.py), separate speakers, and load offline without torch or librosa."""

import itertools
import os
import subprocess
import sys

import numpy as np
import pytest

from capture.wav import read_mono
from tests.conftest import REPO, SHARED_DATA
from tests.ge2e_clips import CLIPS
from transcribe.embedding import (
    SAMPLE_RATE,
    SpeakerEncoder,
    normalize_volume,
    partial_starts,
    preprocess_wav,
)

REFERENCE = REPO / "tests" / "fixtures" / "ge2e_reference.npz"

TOLERANCE = 1e-5  # max abs difference of unit-length float32 embeddings


@pytest.fixture(scope="module")
def encoder() -> SpeakerEncoder:
    return SpeakerEncoder.load()


@pytest.fixture(scope="module")
def reference():
    with np.load(REFERENCE) as npz:
        return {name: npz[name] for name in npz.files}


def clip(name: str) -> np.ndarray:
    relative, seconds = CLIPS[name]
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.fail(f"shared test data missing at {path}; set MEDLYT_SHARED_DATA")
    return read_mono(path, 0.0, seconds)


@pytest.mark.parametrize("name", CLIPS)
def test_preprocess_wav_matches_resemblyzer(name, reference):
    processed = preprocess_wav(clip(name))
    # The same length means the same silences were cut: that decision is what must match exactly.
    assert len(processed) == reference[f"{name}_preprocessed_len"]
    # The samples themselves may differ by float32 rounding between numpy releases (the gain's
    # mean is summed in another order): ~1e-9 of the signal's size was seen. A signed sum cancels,
    # so bound the difference by the signal's absolute size; 1e-6 of it is still far below what
    # would move an embedding by the 1e-5 the embedding tests demand.
    scale = np.sum(np.abs(processed), dtype=np.float64)
    difference = abs(np.sum(processed, dtype=np.float64) - float(reference[f"{name}_preprocessed_sum"]))
    assert difference <= 1e-6 * scale


def test_mel_matches_librosa(encoder, reference):
    mel = encoder.mel_frames(preprocess_wav(clip("nst42")))
    assert mel.shape == (reference["mel_n_frames"], 40) and mel.dtype == np.float32
    for mine, theirs in ((mel[:60], reference["mel_head"]), (mel[-20:], reference["mel_tail"])):
        # Relative to the loudest bin: float32 FFT noise on near-empty bins is not an error.
        assert np.abs(mine - theirs).max() <= 1e-5 * theirs.max()
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6 * theirs.max())


@pytest.mark.parametrize("name", CLIPS)
def test_embed_utterance_matches_resemblyzer(name, encoder, reference):
    embed = encoder.embed_utterance(preprocess_wav(clip(name)))
    assert embed.shape == (256,) and embed.dtype == np.float32
    assert np.abs(embed - reference[f"{name}_utterance"]).max() <= TOLERANCE


def test_embed_windows_matches_resemblyzer(encoder, reference):
    windows = [tuple(w) for w in reference["windows"]]
    embeds = encoder.embed_windows(normalize_volume(clip("dev00")), windows, batch_size=4)
    assert embeds.shape == (len(windows), 256) and embeds.dtype == np.float32
    assert np.abs(embeds - reference["window_embeddings"]).max() <= TOLERANCE


def test_embed_windows_is_independent_of_batching(encoder):
    wav = normalize_volume(clip("dev00"))
    windows = [(s, s + 2.0) for s in np.arange(0.0, 8.5, 0.5)] + [(9.2, 10.8), (3.0, 4.6)]
    together = encoder.embed_windows(wav, windows, batch_size=64)
    alone = np.stack([encoder.embed_windows(wav, [w])[0] for w in windows])
    assert np.abs(together - alone).max() <= 1e-6
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-6)
    assert encoder.embed_windows(wav, []).shape == (0, 256)


def test_same_speaker_is_closer_than_different_speakers(encoder):
    danish = SHARED_DATA / "danish"
    speakers = {
        "nst42": [read_mono(danish / f"u00420{n}.wav") for n in ("08", "09", "10")],
        "nst13": [read_mono(danish / "u0013002.wav")],
        "aidan": [read_mono(danish / "ap_dan.wav", s, s + 10) for s in (0, 10)],
    }
    embeds = [
        (who, encoder.embed_utterance(preprocess_wav(wav)))
        for who, wavs in speakers.items()
        for wav in wavs
    ]
    same, different = [], []
    for (a, ea), (b, eb) in itertools.combinations(embeds, 2):
        (same if a == b else different).append(float(ea @ eb))
    assert min(same) > max(different), (same, different)


def test_short_and_silent_input_give_sensible_results(encoder):
    silence = np.zeros(SAMPLE_RATE, dtype=np.float32)
    assert np.array_equal(normalize_volume(silence), silence)  # no division by zero
    assert len(preprocess_wav(silence)) == 0  # Resemblyzer trims all-silence away
    assert len(preprocess_wav(np.zeros(100, dtype=np.float32))) == 0
    short = clip("nst13")[: SAMPLE_RATE // 2]  # shorter than one 1.6 s partial
    assert partial_starts(len(short)) == [0]
    assert np.isfinite(encoder.embed_utterance(short)).all()


def test_loads_offline_without_torch_or_librosa():
    # A fresh interpreter, with sockets disabled, so nothing could download or be preloaded.
    code = """
import socket, sys
import numpy as np
def no_network(*args, **kwargs):
    raise OSError("network disabled in this test")
socket.socket = no_network
socket.create_connection = no_network
from transcribe.embedding import SpeakerEncoder, preprocess_wav
encoder = SpeakerEncoder.load()
wav = (np.random.default_rng(0).standard_normal(3 * 16000) * 0.05).astype(np.float32)
assert encoder.embed_utterance(wav).shape == (256,)
assert encoder.embed_windows(wav, [(0.0, 2.0), (0.5, 2.5)]).shape == (2, 256)
preprocess_wav(wav)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "librosa", "scipy"))
assert not loaded, loaded
print("ok")
"""
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_in_place_volume_normalisation_matches_resemblyzers_gain():
    from transcribe.embedding import normalize_volume_in_place

    rng = np.random.default_rng(1)
    quiet = (rng.normal(0, 0.003, 16000 * 3)).astype(np.float32)
    loud = (rng.normal(0, 0.3, 16000 * 3)).astype(np.float32)
    for wav in (quiet, loud, np.zeros(100, np.float32)):
        expected = normalize_volume(wav)
        actual = wav.copy()
        normalize_volume_in_place(actual)
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-9)
