"""Loudness of stretches of a stored recording (capture/loudness.py), on real 16-bit WAVs."""

import math
import random
import tracemalloc
import wave
from pathlib import Path

import numpy as np
import pytest

import capture.loudness as loudness
from capture import wav as wav_module
from capture.loudness import FRAME_S, SILENCE_DB, LoudnessTrack, frame_power
from tests import audio_files

RATE = 16000
FRAME = round(FRAME_S * RATE)  # 160 samples


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    """float samples in [-1, 1], shape (n,) or (n, channels), as 16-bit PCM."""
    return audio_files.write_wav(path, np.round(np.asarray(samples, dtype=np.float64) * 32768.0), rate)


def read_wav(path: Path) -> np.ndarray:
    """float64 samples (n, channels), exactly as the file holds them."""
    return audio_files.read_wav(path).astype(np.float64) / 32768.0


def speech(danish_dir: Path, name: str = "ap_dan.wav") -> np.ndarray:
    return read_wav(danish_dir / name)[:, 0]


def sine(amplitude: float, seconds: float, freq: float = 997.0) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    return amplitude * np.sin(2 * np.pi * freq * t)


def rms_db(samples: np.ndarray) -> float:
    mean_square = float(np.mean(np.square(samples, dtype=np.float64)))
    return 10 * math.log10(mean_square) if mean_square > 0 else SILENCE_DB


def db(amplitude: float) -> float:
    return 20 * math.log10(amplitude)


# ---- absolute level --------------------------------------------------------------------------

@pytest.mark.parametrize("amplitude", [0.9, 0.5, 0.01])
def test_sine_level_is_its_rms_in_dbfs(tmp_path, amplitude):
    path = write_wav(tmp_path / "sine.wav", sine(amplitude, 2.0))
    track = LoudnessTrack.of_wav(path)
    expected = db(amplitude / math.sqrt(2))
    assert track.level_db(0.0, 2.0) == pytest.approx(expected, abs=0.1)
    assert track.level_db(0.53, 1.27) == pytest.approx(expected, abs=0.1)
    assert track.level_db(0.0, 2.0, channel=0) == pytest.approx(expected, abs=0.1)


def test_a_stretch_12_db_louder_measures_12_db_louder(tmp_path, danish_dir):
    gain = 10 ** (12 / 20)
    tone = np.concatenate([sine(0.05, 2.0), sine(0.05 * gain, 2.0)])
    track = LoudnessTrack.of_wav(write_wav(tmp_path / "tone.wav", tone))
    assert track.level_db(2.2, 3.8) - track.level_db(0.2, 1.8) == pytest.approx(12.0, abs=0.3)

    # Real speech: the same utterance quiet, then 12 dB louder.
    voice = speech(danish_dir, "u0042010.wav")
    voice = 0.15 * voice / np.max(np.abs(voice))
    n = len(voice) / RATE
    track = LoudnessTrack.of_wav(write_wav(tmp_path / "speech.wav", np.concatenate([voice, voice * gain])))
    quiet, loud = track.level_db(0.0, n), track.level_db(n, 2 * n)
    assert quiet < -20
    assert loud - quiet == pytest.approx(12.0, abs=0.3)


# ---- channels --------------------------------------------------------------------------------

def test_channels_are_measured_separately_and_none_is_the_mix(tmp_path, danish_dir):
    loud = 0.5 * speech(danish_dir, "u0042010.wav")[: 5 * RATE]
    quiet = 0.02 * speech(danish_dir, "u0042011.wav")[: 5 * RATE]
    n = min(len(loud), len(quiet))
    stereo = np.stack([loud[:n], quiet[:n]], axis=1)
    path = write_wav(tmp_path / "stereo.wav", stereo)
    data = read_wav(path)
    track = LoudnessTrack.of_wav(path)
    end = n // FRAME * FRAME / RATE
    left, right, mix = (track.level_db(0.0, end, channel) for channel in (0, 1, None))
    assert left == pytest.approx(rms_db(data[:, 0]), abs=0.05)
    assert right == pytest.approx(rms_db(data[:, 1]), abs=0.05)
    assert mix == pytest.approx(rms_db(data.mean(axis=1)), abs=0.05)
    assert left - right > 20  # the quiet microphone does not pick up the loud one's level
    assert right < mix < left


def test_stereo_sines_per_channel(tmp_path):
    path = write_wav(tmp_path / "st.wav", np.stack([sine(0.8, 1.0, 440.0), sine(0.08, 1.0, 1000.0)], axis=1))
    track = LoudnessTrack.of_wav(path)
    assert track.level_db(0, 1, 0) == pytest.approx(db(0.8 / math.sqrt(2)), abs=0.1)
    assert track.level_db(0, 1, 1) == pytest.approx(db(0.08 / math.sqrt(2)), abs=0.1)
    # Uncorrelated tones: the mix's power is the sum of the halves' powers.
    assert track.level_db(0, 1) == pytest.approx(10 * math.log10((0.4 ** 2 + 0.04 ** 2) / 2), abs=0.1)
    assert track.cumulative.shape == (RATE // FRAME + 1, 3)


# ---- several stretches ------------------------------------------------------------------------

def test_level_of_several_stretches_is_the_level_of_their_samples_together(tmp_path, danish_dir):
    path = write_wav(tmp_path / "speech.wav", speech(danish_dir))
    data = read_wav(path)[:, 0]
    track = LoudnessTrack.of_wav(path)
    stretches = [(0.5, 0.93), (2.1, 2.4), (7.77, 9.02), (15.0, 15.01), (20.3, 25.6)]
    together = np.concatenate([data[round(a * RATE): round(b * RATE)] for a, b in stretches])
    assert track.level_of(stretches) == pytest.approx(rms_db(together), abs=0.05)
    # Order does not matter, and one stretch is level_db.
    assert track.level_of(list(reversed(stretches))) == track.level_of(stretches)
    assert track.level_of([(2.1, 2.4)]) == track.level_db(2.1, 2.4)
    assert track.level_of([(2.1, 2.4)]) == pytest.approx(rms_db(data[round(2.1 * RATE): round(2.4 * RATE)]), abs=0.05)


def test_stretches_on_frame_edges_take_exactly_their_frames(tmp_path):
    """A stretch from 0.29 s to 0.30 s is frame 29 alone, although 0.29 / 0.01 is 28.999...:
    a neighbouring frame of another level must not leak in."""
    levels = np.where(np.arange(100) % 2 == 0, 0.5, 0.005)  # alternating loud and quiet frames
    samples = np.repeat(levels, FRAME) * np.where(np.arange(100 * FRAME) % 2 == 0, 1.0, -1.0)
    path = write_wav(tmp_path / "frames.wav", samples)
    data = read_wav(path)[:, 0]
    track = LoudnessTrack.of_wav(path)
    for k in range(99):
        start, end = k / 100, (k + 1) / 100
        expected = rms_db(data[k * FRAME:(k + 1) * FRAME])
        assert track.level_db(start, end) == pytest.approx(expected, abs=0.05), (start, end)
    for k in range(0, 95, 3):
        start, end = k / 100, (k + 5) / 100
        assert track.level_db(start, end) == pytest.approx(rms_db(data[k * FRAME:(k + 5) * FRAME]), abs=0.05)


# ---- silence and empty stretches ------------------------------------------------------------

def test_digital_silence_is_silence_db_not_minus_infinity(tmp_path, danish_dir):
    voice = speech(danish_dir, "u0042018.wav")
    path = write_wav(tmp_path / "s.wav", np.concatenate([np.zeros(RATE), voice]))
    track = LoudnessTrack.of_wav(path)
    assert track.level_db(0.0, 1.0) == SILENCE_DB == -100.0
    assert track.level_of([(0.1, 0.2), (0.5, 0.9)]) == SILENCE_DB
    assert track.level_db(1.0, 2.0) > SILENCE_DB
    silent = LoudnessTrack.of_wav(write_wav(tmp_path / "zero.wav", np.zeros((RATE, 2))))
    for channel in (0, 1, None):
        level = silent.level_db(0.0, 1.0, channel)
        assert level == SILENCE_DB and math.isfinite(level)


def test_stretches_outside_the_file_or_empty_give_none(tmp_path):
    track = LoudnessTrack.of_wav(write_wav(tmp_path / "t.wav", sine(0.3, 2.0)))
    assert track.level_db(5.0, 6.0) is None
    assert track.level_db(2.0, 3.0) is None
    assert track.level_db(-3.0, -1.0) is None
    assert track.level_db(1.0, 1.0) is None
    assert track.level_db(1.5, 1.2) is None
    assert track.level_of([]) is None
    assert track.level_of([(3.0, 4.0), (1.0, 1.0)]) is None
    # Partly outside: only the part inside counts.
    assert track.level_db(1.5, 9.0) == track.level_db(1.5, 2.0)
    assert track.level_db(-1.0, 0.5) == track.level_db(0.0, 0.5)
    assert track.level_of([(5.0, 6.0), (0.2, 0.4)]) == track.level_db(0.2, 0.4)

    empty = LoudnessTrack.of_wav(write_wav(tmp_path / "empty.wav", np.zeros((0, 2))))
    assert empty.level_db(0.0, 1.0) is None and empty.level_db(0.0, 1.0, 1) is None


# ---- lengths that are not whole blocks or frames ---------------------------------------------

def test_odd_lengths_match_a_direct_computation(tmp_path, danish_dir, monkeypatch):
    voice = speech(danish_dir)  # 591459 samples: not a whole number of 10 ms frames
    stereo = np.stack([voice, 0.3 * np.roll(voice, 7919)], axis=1)
    path = write_wav(tmp_path / "odd.wav", stereo)
    data = read_wav(path)
    n = len(data)
    assert n % FRAME != 0

    # Small, odd-sized blocks: frames straddle block edges all the way through.
    block_sizes = []

    def small_blocks(p, block_s=30.0):
        block_sizes.append(None)
        return wav_module.iter_blocks(p, block_s=0.01234)  # 197 samples

    whole = LoudnessTrack.of_wav(path)
    monkeypatch.setattr(loudness, "iter_blocks", small_blocks)
    blocky = LoudnessTrack.of_wav(path)
    assert block_sizes, "of_wav must read through capture.wav.iter_blocks"
    assert blocky.cumulative.shape == whole.cumulative.shape == (math.ceil(n / FRAME) + 1, 3)
    np.testing.assert_allclose(blocky.cumulative, whole.cumulative, rtol=1e-9, atol=1e-9)

    mix = data.mean(axis=1)
    columns = {0: data[:, 0], 1: data[:, 1], None: mix}
    full_frames = n // FRAME
    rng = random.Random(11)
    for _ in range(300):
        a = rng.randrange(0, full_frames - 1)
        b = rng.randrange(a + 1, min(full_frames, a + 1500) + 1)
        channel = rng.choice([0, 1, None])
        expected = rms_db(columns[channel][a * FRAME:b * FRAME])
        for track in (whole, blocky):
            assert track.level_db(a / 100, b / 100, channel) == pytest.approx(expected, abs=0.05), (a, b, channel)

    # The last, partial frame: on its own it is the level of the remaining samples.
    tail = data[full_frames * FRAME:]
    for channel in (0, 1, None):
        level = whole.level_db(full_frames / 100, n / RATE + 1.0, channel)
        assert level == pytest.approx(rms_db(tail[:, channel] if channel is not None else tail.mean(axis=1)), abs=0.05)
        assert whole.level_db(n / RATE - 3.0, n / RATE, channel) == whole.level_db(n / RATE - 3.0, 999.0, channel)


def test_frame_power_per_channel_and_mix():
    rng = np.random.default_rng(5)
    samples = rng.uniform(-1, 1, size=(1000, 2)).astype(np.float32)
    power = frame_power(samples, 160)
    assert power.shape == (6, 3)  # 40 trailing samples are not a whole frame
    shaped = samples[:960].astype(np.float64).reshape(6, 160, 2)
    np.testing.assert_allclose(power[:, 0], (shaped[:, :, 0] ** 2).mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(power[:, 1], (shaped[:, :, 1] ** 2).mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(power[:, 2], (shaped.mean(axis=2) ** 2).mean(axis=1), rtol=1e-12)
    assert frame_power(samples[:100], 160).shape == (0, 3)
    assert frame_power(samples[:, :1], 1000).shape == (1, 2)


# ---- a long recording is read in blocks -------------------------------------------------------

def test_ten_minutes_are_read_in_blocks_with_little_memory(tmp_path, danish_dir):
    seconds = 600
    path = tmp_path / "long.wav"
    voice = np.concatenate([speech(danish_dir, name) for name in ("ap_dan.wav", "u0042010.wav", "u0013002.wav")])
    pcm = np.round(voice * 32768).astype("<i2")
    total = seconds * RATE + 123  # not a whole number of frames or blocks
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        written = 0
        while written < total:
            piece = pcm[: total - written]
            w.writeframes(piece.tobytes())
            written += len(piece)
    del voice, pcm
    assert path.stat().st_size > 19_000_000

    tracemalloc.start()
    try:
        track = LoudnessTrack.of_wav(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 60 * 2 ** 20, f"of_wav peaked at {peak / 2 ** 20:.0f} MB: it must read in blocks"
    assert track.cumulative.shape == (math.ceil(total / FRAME) + 1, 2)

    # And the track is right: the same stretch of speech at the start and a whole tiling later.
    period = 591459 + 121344 + 66944
    first, again = track.level_db(1.0, 5.0), track.level_db(1.0 + period / RATE * 10, 5.0 + period / RATE * 10)
    assert first > -60
    with wave.open(str(path), "rb") as w:
        w.setpos(RATE)
        direct = np.frombuffer(w.readframes(4 * RATE), dtype="<i2").astype(np.float64) / 32768
    assert first == pytest.approx(rms_db(direct), abs=0.05)
    assert track.level_db(595.0, 600.0) is not None and track.level_db(601.0, 602.0) is None
    assert again == pytest.approx(rms_db(read_wav_slice(path, 1.0 + period / RATE * 10, 4.0)), abs=0.1)


def read_wav_slice(path: Path, start_s: float, seconds: float) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        w.setpos(round(start_s * RATE))
        return np.frombuffer(w.readframes(round(seconds * RATE)), dtype="<i2").astype(np.float64) / 32768
