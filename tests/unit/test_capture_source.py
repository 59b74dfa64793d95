"""File import on real audio: every supported format, any channel count, and bad inputs."""

import os
import wave
from pathlib import Path

import av
import numpy as np
import pytest

from capture.source import SAMPLE_RATE, SUPPORTED_EXTENSIONS, AudioError, import_audio
from capture.wav import iter_mono_blocks, read_mono, wav_info
from tests.audio_files import encode
from tests.conftest import SHARED_DATA

DANISH = SHARED_DATA / "danish"
DIARIZATION = SHARED_DATA / "diarization"

CLIPS = ["u0042008.wav", "u0042009.wav", "u0042010.wav", "u0042011.wav", "u0042012.wav",
         "u0042013.wav", "u0042014.wav", "u0042015.wav"]  # fmt: skip


def read_pcm(path: Path) -> np.ndarray:
    """int16 samples, shape (frames, channels)."""
    with wave.open(str(path)) as wav:
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        return data.reshape(-1, wav.getnchannels())


def write_wav(path: Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    samples = samples if samples.ndim == 2 else samples[:, None]
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(samples.shape[1])
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.astype("<i2").tobytes())
    return path


def best_correlation(a: np.ndarray, b: np.ndarray, max_lag: int = 1600) -> float:
    """Peak normalised cross-correlation of two signals within +-max_lag samples (codec delay)."""
    n = min(len(a), len(b))
    a, b = a[:n].astype(np.float64), b[:n].astype(np.float64)
    size = 1 << (2 * n - 1).bit_length()
    xcorr = np.fft.irfft(np.fft.rfft(a, size) * np.conj(np.fft.rfft(b, size)), size)
    lags = np.concatenate([xcorr[: max_lag + 1], xcorr[-max_lag:]])
    return float(lags.max() / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    return read_pcm(DANISH / "u0042012.wav")  # 8 s of read Danish, mono


def check_import(src: Path, dest: Path, original: np.ndarray, max_extra_s: float = 0.05):
    info = import_audio(src, dest)
    assert info.path == str(dest) and info.source_name == src.name
    assert info.sample_rate == SAMPLE_RATE and info.channels == original.shape[1]
    assert abs(info.duration_s - len(original) / SAMPLE_RATE) <= max_extra_s
    assert wav_info(dest) == (SAMPLE_RATE, original.shape[1], round(info.duration_s * SAMPLE_RATE))
    imported = read_pcm(dest)
    for ch in range(original.shape[1]):
        assert best_correlation(imported[:, ch], original[:, ch]) > 0.9, f"channel {ch}"
    assert not dest.with_name(dest.name + ".part").exists()
    return info, imported


@pytest.mark.parametrize(
    "codec, ext, rate",
    [
        ("pcm_s16le", ".wav", 44100),
        ("flac", ".flac", 44100),
        ("libmp3lame", ".mp3", 44100),
        ("aac", ".m4a", 48000),
        ("aac", ".aac", 44100),  # raw ADTS: no priming info, ~30 ms of codec padding stays
        ("aac", ".mp4", 48000),
        ("libopus", ".opus", 48000),
        ("libopus", ".ogg", 48000),
        ("vorbis", ".oga", 32000),  # FFmpeg's own Vorbis encoder: stereo only
        ("libopus", ".webm", 48000),
    ],
)
def test_imports_every_format(tmp_path, clip, codec, ext, rate):
    assert ext in SUPPORTED_EXTENSIONS
    original = np.repeat(clip, 2, axis=1) if codec == "vorbis" else clip
    src = encode(tmp_path / f"clip{ext}", original, codec, rate)
    check_import(src, tmp_path / "out.wav", original)


def test_keeps_stereo_channels_apart(tmp_path):
    left, right = (read_pcm(DANISH / name)[:, 0] for name in CLIPS[:2])
    n = min(len(left), len(right))
    original = np.stack([left[:n], right[:n]], axis=1)
    src = encode(tmp_path / "stereo.m4a", original, "aac", 44100)
    _, imported = check_import(src, tmp_path / "out.wav", original)
    assert best_correlation(imported[:, 0], original[:, 1]) < 0.5


def test_keeps_six_channels_in_order(tmp_path):
    clips = [read_pcm(DANISH / name)[:, 0] for name in CLIPS[:6]]
    n = min(map(len, clips))
    original = np.stack([c[:n] for c in clips], axis=1)
    src = encode(tmp_path / "six.flac", original, "flac", 48000)
    _, imported = check_import(src, tmp_path / "out.wav", original)
    for ch in range(6):  # each channel is its own clip, not a mix or a neighbour
        others = [best_correlation(imported[:, ch], original[:, k]) for k in range(6) if k != ch]
        assert max(others) < 0.5


def test_eight_channel_wav_at_48k(tmp_path):
    mono = read_pcm(DANISH / "u0042018.wav")[:, 0]
    original = np.stack([np.roll(mono, 800 * k) for k in range(8)], axis=1)  # shifted copies
    src = encode(tmp_path / "eight.wav", original, "pcm_s16le", 48000)
    check_import(src, tmp_path / "out.wav", original)


def test_shared_stereo_file_is_bit_exact(tmp_path):
    src = DIARIZATION / "stereo_diarization.wav"
    info = import_audio(src, tmp_path / "out.wav")
    assert (info.channels, info.duration_s) == (2, 5.0)
    imported, original = read_pcm(tmp_path / "out.wav"), read_pcm(src)
    assert np.array_equal(imported, original)  # already 16 kHz s16: nothing to resample
    assert best_correlation(imported[:, 0], imported[:, 1]) < 0.5  # two different speakers


def test_progress_and_wav_readers(tmp_path):
    src = DANISH / "ap_dan.wav"  # 37 s
    seen = []
    info = import_audio(src, tmp_path / "out.wav", progress=seen.append)
    assert seen == sorted(seen) and len(seen) >= 3 and seen[-1] == info.duration_s
    whole = read_mono(tmp_path / "out.wav")
    assert len(whole) == round(info.duration_s * SAMPLE_RATE) and whole.dtype == np.float32
    assert np.array_equal(read_mono(tmp_path / "out.wav", 10.0, 10.5), whole[160000:168000])
    assert len(read_mono(tmp_path / "out.wav", 36.0, 99.0)) == len(whole) - 36 * SAMPLE_RATE
    assert len(read_mono(tmp_path / "out.wav", 99.0)) == 0
    blocks = list(iter_mono_blocks(tmp_path / "out.wav", block_s=10.0))
    assert [len(b) for b in blocks[:-1]] == [160000] * 3
    assert np.array_equal(np.concatenate(blocks), whole)


def test_read_mono_averages_channels(tmp_path):
    stereo = np.stack([np.full(1600, 16384), np.full(1600, -8192)], axis=1)
    path = write_wav(tmp_path / "s.wav", stereo)
    assert np.allclose(read_mono(path), 0.125)


# --- bad inputs: one clear Danish AudioError, and never a file at dest -----------------------


def wav_header(n_frames: int) -> bytes:
    """A 44-byte WAV header claiming `n_frames` of 16 kHz mono 16-bit data."""
    data = n_frames * 2
    return (b"RIFF" + (36 + data).to_bytes(4, "little") + b"WAVEfmt "
            + (16).to_bytes(4, "little") + (1).to_bytes(2, "little") + (1).to_bytes(2, "little")
            + SAMPLE_RATE.to_bytes(4, "little") + (2 * SAMPLE_RATE).to_bytes(4, "little")
            + (2).to_bytes(2, "little") + (16).to_bytes(2, "little")
            + b"data" + data.to_bytes(4, "little"))  # fmt: skip


def make_bad(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / "in.wav"
    if kind == "missing":
        return tmp_path / "findes-ikke.wav"
    if kind == "directory":
        (tmp_path / "mappe.wav").mkdir()
        return tmp_path / "mappe.wav"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("Dette er ikke lyd, bare tekst i en fil der hedder .wav\n" * 20)
    elif kind == "unknown_extension":
        path = tmp_path / "noter.txt"
        path.write_bytes((DANISH / "u0042018.wav").read_bytes())
    elif kind == "header_only":
        path.write_bytes(wav_header(16000))
    elif kind == "header_and_few_bytes":
        path.write_bytes(wav_header(16000) + b"\x01\x02\x03\x04\x05\x06\x07")
    elif kind == "zero_frames":
        write_wav(path, np.zeros((0, 1)))
    elif kind == "garbage_after_riff":
        path.write_bytes(b"RIFF" + os.urandom(4000))
    elif kind == "no_audio_stream":
        path = tmp_path / "video.mp4"
        with av.open(str(path), "w") as out:
            stream = out.add_stream("mpeg4", rate=10)
            stream.width, stream.height = 32, 32
            for _ in range(10):
                frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
                for packet in stream.encode(frame):
                    out.mux(packet)
            for packet in stream.encode(None):
                out.mux(packet)
    return path


@pytest.mark.parametrize(
    "kind, message",
    [
        ("missing", "findes ikke"),
        ("directory", "er en mappe"),
        ("empty", "er tom (0 byte)"),
        ("text", "kan ikke afkodes"),
        ("unknown_extension", ".flac"),  # the message lists what is supported
        ("header_only", "ingen lyd"),
        ("header_and_few_bytes", "for lidt lyd"),
        ("zero_frames", "ingen lyd"),
        ("garbage_after_riff", "kan ikke afkodes"),
        ("no_audio_stream", "intet lydspor"),
    ],
)
def test_bad_input_gives_audio_error_and_no_file(tmp_path, kind, message):
    src = make_bad(tmp_path, kind)
    dest = tmp_path / "out" / "meeting.wav"
    dest.parent.mkdir()
    with pytest.raises(AudioError) as error:
        import_audio(src, dest)
    text = str(error.value)
    assert message in text and src.name in text and "\n" not in text
    assert list(dest.parent.iterdir()) == []  # neither dest nor a .part file


def test_truncated_wav_is_refused(tmp_path):
    # Decision: a WAV whose data stops short of what its header states was cut off in transfer;
    # importing the part would silently lose the end of a meeting, so it is refused.
    full = (DANISH / "u0042012.wav").read_bytes()
    src = tmp_path / "cut.wav"
    src.write_bytes(full[: 44 + 2 * 3 * SAMPLE_RATE])  # header claims 8 s, 3 s present
    with pytest.raises(AudioError, match="afkortet"):
        import_audio(src, tmp_path / "out.wav")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.wav"]


@pytest.fixture(scope="module")
def long_flac(tmp_path_factory) -> Path:
    """About 2.5 minutes of real speech, so progress is reported many times during decoding."""
    speech = read_pcm(DANISH / "ap_dan.wav")
    path = tmp_path_factory.mktemp("long") / "long.flac"
    return encode(path, np.concatenate([speech] * 4), "flac", 44100)


@pytest.mark.parametrize("change", ["delete", "truncate"])
def test_source_changing_mid_import(tmp_path, long_flac, change):
    src = tmp_path / "moving.flac"
    src.write_bytes(long_flac.read_bytes())
    dest = tmp_path / "out.wav"

    def sabotage(seconds_done: float) -> None:
        if seconds_done > 20 and src.exists():
            if change == "delete":
                src.unlink()
            else:
                with open(src, "r+b") as f:
                    f.truncate(src.stat().st_size // 3)

    with pytest.raises(AudioError, match="moving.flac"):
        import_audio(src, dest, progress=sabotage)
    assert sorted(p.name for p in tmp_path.iterdir()) == (["moving.flac"] if change == "truncate" else [])


def test_import_overwrites_nothing_on_failure_of_callback(tmp_path):
    """An exception in the caller's progress callback propagates, and leaves no file."""

    def cancel(seconds_done: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_audio(DANISH / "ap_dan.wav", tmp_path / "out.wav", progress=cancel)
    assert list(tmp_path.iterdir()) == []


def test_iter_blocks_keeps_every_channel_across_many_blocks():
    from capture.wav import iter_blocks

    stereo = SHARED_DATA / "diarization" / "stereo_diarization.wav"
    blocks = list(iter_blocks(stereo, block_s=0.5))
    assert len(blocks) == 10 and all(b.shape[1] == 2 and b.dtype == np.float32 for b in blocks)
    whole = np.concatenate(blocks)
    assert np.array_equal(whole.mean(axis=1, dtype=np.float32), read_mono(stereo))
