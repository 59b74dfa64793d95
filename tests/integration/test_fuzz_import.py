"""Bad input at scale: random, truncated and damaged files under every audio extension, WAV
headers with absurd fields, and odd but valid formats, through the real store.

Every input either imports cleanly (the stored audio is then a 16 kHz 16-bit WAV with the
source's channels) or is refused with the project's own error (AudioError or MeetingError,
one line); nothing else is raised, nothing hangs, and nothing half-written is left in the data
directory. The outcomes are counted per category and printed at the end of the module
(`pytest -s`): they are the README's figure.
"""

import os
import struct
import time
import wave
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from capture.source import SAMPLE_RATE, AudioError
from medlyt.cli import main
from medlyt.pipeline import import_recording
from meetings.errors import MeetingError
from meetings.store import Store
from tests.audio_files import encode
from tests.conftest import DANISH
from tests.consented import consented_meeting

EXTENSIONS = (".wav", ".flac", ".mp3", ".m4a", ".ogg", ".opus", ".webm", ".aac")
CLIP = DANISH / "u0042012.wav"  # 8 s of read Danish, 16 kHz mono
MAX_ATTEMPT_S = 10.0  # one small file that takes longer than this counts as a hang
# The same examples every run, so the counts in the README can be reproduced. For a longer hunt
# with fresh examples: MEDLYT_FUZZ_SCALE=20 pytest -s tests/integration/test_fuzz_import.py
SCALE = float(os.environ.get("MEDLYT_FUZZ_SCALE", "1"))
FUZZ = settings(deadline=None, derandomize=SCALE == 1, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def examples(n: int) -> int:
    return max(1, round(n * SCALE))


# category -> outcome ("imported", "rejected", "crashed") -> count; printed at module end.
COUNTS: dict[str, Counter] = defaultdict(Counter)
VALID = "odd but valid (must import)"  # counted apart: these are no bad input
SLOWEST: list[float] = [0.0]


# ---- building audio ----------------------------------------------------------------------------

def clip_pcm() -> np.ndarray:
    """The shared clip as int16, shape (frames, 1)."""
    with wave.open(str(CLIP), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 1)


def stereo(seconds: float = 2.0) -> np.ndarray:
    """Two different channels of real speech: the clip, and the clip backwards, quieter."""
    mono = clip_pcm()[: round(seconds * SAMPLE_RATE)]
    return np.concatenate([mono, (mono[::-1] // 2)], axis=1)


def wav_bytes(samples: np.ndarray, rate: int = SAMPLE_RATE, width: int = 2) -> bytes:
    """Integer PCM WAV of int16 `samples` (frames, channels), stored with `width` bytes."""
    samples = samples if samples.ndim == 2 else samples[:, None]
    wide = samples.astype(np.int32)
    if width == 1:
        data = ((wide >> 8) + 128).astype(np.uint8).tobytes()
    elif width == 2:
        data = samples.astype("<i2").tobytes()
    elif width == 3:
        data = (wide << 8).astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    else:
        raise ValueError(width)
    return riff(1, samples.shape[1], rate, 8 * width, data)


def float_wav_bytes(samples: np.ndarray, rate: int = SAMPLE_RATE) -> bytes:
    """IEEE float 32-bit WAV (format tag 3), which the wave module cannot write."""
    data = (samples.astype(np.float32) / 32768.0).astype("<f4").tobytes()
    return riff(3, samples.shape[1], rate, 32, data)


def riff(tag: int, channels: int, rate: int, bits: int, data: bytes, data_size: int | None = None,
         block_align: int | None = None, byte_rate: int | None = None) -> bytes:
    """A RIFF/WAVE file with exactly the given header fields, however absurd."""
    block_align = channels * bits // 8 if block_align is None else block_align
    byte_rate = rate * block_align if byte_rate is None else byte_rate
    fmt = struct.pack("<HHIIHH", tag & 0xFFFF, channels & 0xFFFF, rate & 0xFFFFFFFF, byte_rate & 0xFFFFFFFF,
                      block_align & 0xFFFF, bits & 0xFFFF)
    size = len(data) if data_size is None else data_size
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", size & 0xFFFFFFFF) + data
    if len(data) % 2:
        body += b"\x00"
    return b"RIFF" + struct.pack("<I", len(body)) + body


VALID_FORMATS = {  # extension -> (codec, rate, container); each encoded once per module
    ".wav": ("pcm_s16le", 16000, None),
    ".flac": ("flac", 16000, None),
    ".mp3": ("mp3", 16000, None),
    ".m4a": ("aac", 16000, None),
    ".aac": ("aac", 16000, "adts"),
    ".ogg": ("vorbis", 16000, None),
    ".opus": ("libopus", 48000, None),
    ".webm": ("libopus", 48000, None),
}


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory) -> dict[str, bytes]:
    """Two seconds of real stereo speech in every supported extension, as bytes to damage."""
    folder = tmp_path_factory.mktemp("valid")
    audio = stereo(2.0)
    made = {}
    for ext, (codec, rate, container) in VALID_FORMATS.items():
        path = folder / f"tale{ext}"
        if ext == ".wav":
            path.write_bytes(wav_bytes(audio))
        else:
            encode(path, audio, codec, rate, container)
        made[ext] = path.read_bytes()
    return made


# ---- one attempt through the real store ----------------------------------------------------------

@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory):
    home = tmp_path_factory.mktemp("fuzz-home")
    with Store(home) as store:
        yield store


def files_under(home: Path) -> set[str]:
    return {str(p.relative_to(home)) for p in home.rglob("*")
            if p.is_file() and not p.name.endswith(("-wal", "-shm", ".sqlite3"))}


def attempt(store: Store, category: str, src: Path) -> str:
    """Import `src` into a fresh consented meeting; 'imported' or 'rejected', or the test fails."""
    meeting_id = consented_meeting(store, "Fuzz").id
    before = files_under(store.home)
    started = time.monotonic()
    try:
        meeting = import_recording(store, meeting_id, src)
    except (AudioError, MeetingError) as error:
        outcome, message = "rejected", str(error)
        assert message.strip() and "\n" not in message, repr(message)
    except BaseException:
        COUNTS[category]["crashed"] += 1
        raise
    else:
        outcome = "imported"
        check_stored(store, meeting)
    took = time.monotonic() - started
    SLOWEST[0] = max(SLOWEST[0], took)
    added = files_under(store.home) - before
    expected = {f"audio/{meeting_id}.audio"} if outcome == "imported" else set()
    assert added == expected, f"left behind: {added - expected}"
    assert not any(".part" in name for name in files_under(store.home))
    COUNTS[category][outcome] += 1
    assert took < MAX_ATTEMPT_S, f"{src.name}: {took:.1f} s"
    return outcome


def check_stored(store: Store, meeting) -> None:
    """The stored recording is a complete 16 kHz 16-bit WAV that matches what the store says."""
    with store.audio_file(meeting.id) as path, wave.open(str(path), "rb") as w:
        assert (w.getframerate(), w.getsampwidth()) == (SAMPLE_RATE, 2)
        assert w.getnchannels() == meeting.audio.channels >= 1
        assert w.getnframes() / SAMPLE_RATE == pytest.approx(meeting.audio.duration_s, abs=1e-6)
        assert path.stat().st_size == 44 + w.getnframes() * w.getnchannels() * 2
    assert meeting.audio.sample_rate == SAMPLE_RATE and meeting.audio.duration_s >= 0.1


def write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("inputs")


@pytest.fixture(scope="module", autouse=True)
def summary():
    yield
    total = Counter()
    for category, counts in COUNTS.items():
        if category != VALID:
            total.update(counts)
    tried = sum(total.values())
    print(f"\nbad inputs: {tried} tried, {total['rejected']} rejected cleanly, {total['imported']} imported, "
          f"{total['crashed']} crashed (slowest {SLOWEST[0]:.2f} s)")
    for category in sorted(COUNTS):
        c = COUNTS[category]
        print(f"  {category}: {sum(c.values())} tried, {c['rejected']} rejected cleanly, {c['imported']} imported, "
              f"{c['crashed']} crashed")


# ---- random and damaged bytes ---------------------------------------------------------------------

MAGIC = [b"RIFF\x00\x00\x00\x00WAVEfmt ", b"fLaC", b"ID3\x04\x00\x00", b"\xff\xfb", b"OggS\x00\x02",
         b"\x00\x00\x00\x20ftypM4A ", b"\x1a\x45\xdf\xa3", b"\xff\xf1\x50\x80"]


@settings(FUZZ, max_examples=examples(600))
@given(data=st.binary(min_size=1, max_size=4096), ext=st.sampled_from(EXTENSIONS))
def test_random_bytes_under_audio_extensions(fuzz_store, scratch, data, ext):
    attempt(fuzz_store, "random bytes", write(scratch, f"tilfældig{ext}", data))


@settings(FUZZ, max_examples=examples(400))
@given(magic=st.sampled_from(MAGIC), data=st.binary(min_size=0, max_size=4096), ext=st.sampled_from(EXTENSIONS))
def test_random_bytes_behind_a_real_file_signature(fuzz_store, scratch, magic, data, ext):
    """Past the format sniffing, into the demuxers' header parsing."""
    attempt(fuzz_store, "file signature + random bytes", write(scratch, f"signatur{ext}", magic + data))


@settings(FUZZ, max_examples=examples(600))
@given(ext=st.sampled_from(EXTENSIONS), cut=st.floats(0.0, 1.0), flips=st.lists(
    st.tuples(st.floats(0.0, 1.0), st.integers(0, 255), st.booleans()), max_size=12))
def test_valid_file_truncated_or_damaged(fuzz_store, scratch, valid_files, ext, cut, flips):
    """A real file cut at a random point and/or with random bytes overwritten, in the header
    (first 256 bytes) or anywhere in the body."""
    assume(flips or cut < 0.999)  # something is wrong with it
    data = bytearray(valid_files[ext])
    for where, value, in_header in flips:
        span = min(256, len(data)) if in_header else len(data)
        data[min(int(where * span), span - 1)] = value
    data = data[: max(1, round(cut * len(data)))] if cut < 0.999 else data
    category = "valid file truncated" if not flips else "valid file damaged"
    attempt(fuzz_store, category, write(scratch, f"beskadiget{ext}", bytes(data)))


RATES = st.sampled_from([0, 1, 7, 100, 3999, 4000, 8000, 11025, 44100, 96000, 384000, 384001, 10**6,
                         2**31, 2**32 - 1]) | st.integers(0, 2**32 - 1)
CHANNELS = st.sampled_from([0, 1, 2, 3, 8, 64, 255, 256, 65535]) | st.integers(0, 0xFFFF)
BITS = st.sampled_from([0, 1, 8, 12, 16, 24, 32, 40, 64]) | st.integers(0, 0xFFFF)
TAGS = st.sampled_from([1, 3, 6, 7, 0xFFFE, 0, 2, 0x55]) | st.integers(0, 0xFFFF)
SIZES = st.none() | st.sampled_from([0, 1, 0x7FFFFFFF, 0xFFFFFFFF]) | st.integers(0, 2**32 - 1)


@settings(FUZZ, max_examples=examples(600))
@given(tag=TAGS, channels=CHANNELS, rate=RATES, bits=BITS, data_size=SIZES,
       block_align=st.none() | st.integers(0, 0xFFFF), byte_rate=st.none() | st.integers(0, 2**32 - 1),
       data=st.binary(max_size=4096))
@example(tag=1, channels=0, rate=16000, bits=16, data_size=None, block_align=None, byte_rate=None, data=b"\x01\x02" * 2000)
@example(tag=1, channels=1, rate=0, bits=16, data_size=None, block_align=None, byte_rate=None, data=b"\x01\x02" * 2000)
@example(tag=1, channels=1, rate=16000, bits=16, data_size=2**32 - 2, block_align=None, byte_rate=None, data=b"\x01\x02" * 2000)
@example(tag=1, channels=65535, rate=16000, bits=16, data_size=None, block_align=None, byte_rate=None, data=b"\x01\x02" * 2000)
@example(tag=1, channels=1, rate=16000, bits=24, data_size=None, block_align=None, byte_rate=None, data=b"\x01\x02\x03" * 2000)
@example(tag=1, channels=1, rate=16000, bits=40, data_size=None, block_align=None, byte_rate=None, data=b"\x01\x02" * 2000)
@example(tag=1, channels=1, rate=1, bits=16, data_size=None, block_align=None, byte_rate=None, data=b"\x01\x02" * 2000)
def test_wav_headers_with_absurd_fields(fuzz_store, scratch, tag, channels, rate, bits, data_size, block_align,
                                         byte_rate, data):
    wav = riff(tag, channels, rate, bits, data, data_size, block_align, byte_rate)
    attempt(fuzz_store, "absurd WAV header", write(scratch, "hoved.wav", wav))


@pytest.mark.parametrize("fields, why", [
    ({"channels": 0}, "0 channels"),
    ({"rate": 0}, "0 Hz"),
    ({"data_size": 0xFFFFFFF0}, "data size far beyond the file"),
    ({"channels": 65535}, "65535 channels"),
    ({"bits": 40}, "sample width 5"),
    ({"bits": 0}, "sample width 0"),
    ({"tag": 0}, "format tag 0"),
    ({"rate": 1}, "1 Hz: 16 KB would decode to 8000 s of 16 kHz audio"),
    ({"rate": 7}, "7 Hz"),
    ({"rate": 10**9}, "1 GHz"),
])
def test_plainly_absurd_wav_headers_are_refused(fuzz_store, scratch, fields, why):
    header = {"tag": 1, "channels": 1, "rate": 16000, "bits": 16} | fields
    data = (clip_pcm()[:8000] if header["bits"] == 16 else np.zeros((4000, 1), "<i2")).tobytes()
    size = fields.get("data_size")
    wav = riff(header["tag"], header["channels"], header["rate"], header["bits"], data, size)
    assert attempt(fuzz_store, "absurd WAV header", write(scratch, "absurd.wav", wav)) == "rejected", why


def test_empty_file_directory_and_missing_file_are_refused(fuzz_store, scratch):
    for ext in EXTENSIONS:
        assert attempt(fuzz_store, "empty, folder, missing", write(scratch, f"tom{ext}", b"")) == "rejected"
        folder = scratch / f"mappe{ext}"
        folder.mkdir(exist_ok=True)
        assert attempt(fuzz_store, "empty, folder, missing", folder) == "rejected"
        assert attempt(fuzz_store, "empty, folder, missing", scratch / f"findes-ikke{ext}") == "rejected"
    header_only = write(scratch, "kun-hoved.wav", riff(1, 1, 16000, 16, b""))
    assert attempt(fuzz_store, "empty, folder, missing", header_only) == "rejected"


# ---- odd but valid input is accepted ----------------------------------------------------------------

def stored_pcm(store: Store, meeting_id: str) -> np.ndarray:
    with store.audio_file(meeting_id) as wav, wave.open(str(wav), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, w.getnchannels())


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    n = min(len(a), len(b))
    a, b = a[:n].astype(np.float64), b[:n].astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def import_new(store: Store, src: Path):
    """Import into a fresh meeting; the meeting as stored."""
    meeting_id = consented_meeting(store, "Fuzz").id
    meeting = import_recording(store, meeting_id, src)
    COUNTS[VALID]["imported"] += 1
    check_stored(store, meeting)
    return meeting


@pytest.mark.parametrize("rate", [8000, 11025, 44100, 48000, 96000])
def test_wav_at_odd_sample_rates_is_imported_at_16k(fuzz_store, scratch, rate):
    audio = clip_pcm()[:32000]  # read as `rate`: lasts 32000 / rate seconds
    meeting = import_new(fuzz_store, write(scratch, f"rate-{rate}.wav", wav_bytes(audio, rate)))
    assert meeting.audio.channels == 1
    assert meeting.audio.duration_s == pytest.approx(len(audio) / rate, abs=0.01)


@pytest.mark.parametrize("rate", [16000, 48000])
def test_eight_channels_are_kept_apart(fuzz_store, scratch, rate):
    mono = clip_pcm()[:24000, 0].astype(np.int32)
    audio = np.stack([np.roll(mono, 1000 * k) * (8 - k) // 8 for k in range(8)], axis=1).astype("<i2")
    meeting = import_new(fuzz_store, write(scratch, f"otte-kanaler-{rate}.wav", wav_bytes(audio, rate)))
    assert meeting.audio.channels == 8
    assert meeting.audio.duration_s == pytest.approx(len(audio) / rate, abs=0.01)
    if rate == SAMPLE_RATE:
        stored = stored_pcm(fuzz_store, meeting.id)
        for k in range(8):
            assert correlation(stored[:, k], audio[:, k]) > 0.999, k


@pytest.mark.parametrize("width", ["8-bit", "24-bit", "32-bit float"])
def test_other_sample_widths_are_imported_as_16_bit(fuzz_store, scratch, width):
    audio = clip_pcm()[:48000]
    data = {"8-bit": lambda: wav_bytes(audio, width=1), "24-bit": lambda: wav_bytes(audio, width=3),
            "32-bit float": lambda: float_wav_bytes(audio)}[width]()
    meeting = import_new(fuzz_store, write(scratch, f"bredde-{width}.wav", data))
    assert meeting.audio.channels == 1 and meeting.audio.duration_s == pytest.approx(3.0, abs=0.01)
    assert correlation(stored_pcm(fuzz_store, meeting.id)[:, 0], audio[:, 0]) > 0.99


@pytest.mark.parametrize("ext, codec, rate", [(".mp3", "mp3", 44100), (".ogg", "vorbis", 44100),
                                              (".flac", "flac", 48000), (".opus", "libopus", 48000)])
def test_compressed_stereo_is_imported_with_both_channels(fuzz_store, scratch, ext, codec, rate):
    audio = stereo(3.0)
    meeting = import_new(fuzz_store, encode(scratch / f"stereo{ext}", audio, codec, rate))
    assert meeting.audio.channels == 2
    assert meeting.audio.duration_s == pytest.approx(3.0, abs=0.1)
    stored = stored_pcm(fuzz_store, meeting.id)
    assert np.abs(stored[:, 0].astype(np.int32)).mean() > 2 * np.abs(stored[:, 1].astype(np.int32)).mean() * 0.9


# ---- regressions found by the fuzzing -----------------------------------------------------------------

def test_a_title_in_latin1_does_not_break_the_import(fuzz_store, scratch):
    """Windows tools write RIFF INFO tags in the ANSI code page: 'Møde på jobcentret' in
    Latin-1 is not UTF-8, and PyAV decoded the tags strictly (UnicodeDecodeError)."""
    audio = clip_pcm()[:32000]
    title = "Møde på jobcentret".encode("latin-1") + b"\x00"
    inam = b"INAM" + struct.pack("<I", len(title)) + title + b"\x00" * (len(title) % 2)
    info = b"LIST" + struct.pack("<I", 4 + len(inam)) + b"INFO" + inam
    plain = wav_bytes(audio)
    data = plain[:36] + info + plain[36:]
    data = data[:4] + struct.pack("<I", len(data) - 8) + data[8:]
    meeting = import_new(fuzz_store, write(scratch, "latin1-titel.wav", data))
    assert meeting.audio.duration_s == pytest.approx(2.0, abs=0.01)


def test_a_wav_streamed_with_unknown_length_is_imported_whole(fuzz_store, scratch):
    """FFmpeg writing WAV to a pipe (and other streaming recorders) leave the sizes at
    0xFFFFFFFF, 'unknown'; that is no truncated file, and it was refused as one."""
    audio = clip_pcm()[:40000]
    data = riff(1, 1, SAMPLE_RATE, 16, audio.tobytes(), data_size=0xFFFFFFFF)
    data = data[:4] + b"\xff\xff\xff\xff" + data[8:]
    meeting = import_new(fuzz_store, write(scratch, "strøm.wav", data))
    assert meeting.audio.duration_s == pytest.approx(2.5, abs=0.01)
    assert np.array_equal(stored_pcm(fuzz_store, meeting.id), audio)


def test_adts_aac_files_joined_end_to_end_are_imported(fuzz_store, scratch):
    """ADTS AAC is made to be joined; a stream whose rate and channels change midway broke
    PyAV's resampler (ValueError). The stored channels are those of the start."""
    first = encode(scratch / "del1.aac", stereo(2.0), "aac", 44100, "adts").read_bytes()
    second = encode(scratch / "del2.aac", clip_pcm()[:32000], "aac", 22050, "adts").read_bytes()
    meeting = import_new(fuzz_store, write(scratch, "samlet.aac", first + second))
    assert meeting.audio.channels == 2
    assert meeting.audio.duration_s == pytest.approx(4.0, abs=0.15)


def test_a_tiny_wav_claiming_one_hertz_is_refused_at_once(fuzz_store, scratch):
    """100 KB at 1 Hz would decode to 50,000 s (1.6 GB) of 16 kHz audio: a decompression bomb
    that took minutes and filled the disk."""
    data = riff(7, 1, 1, 8, os.urandom(100_000))
    started = time.monotonic()
    assert attempt(fuzz_store, "absurd WAV header", write(scratch, "bombe.wav", data)) == "rejected"
    assert time.monotonic() - started < 1.0


# ---- through the command line ---------------------------------------------------------------------------

def cli_meeting(capsys) -> str:
    assert main(["meeting", "new", "--title", "T", "--participants", "sagsbehandler,borger", "--consent-all"]) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


@pytest.mark.parametrize("kind", ["random.mp3", "truncated.flac", "damaged.m4a", "one-hertz.wav", "absurd.wav",
                                  "signature.webm"])
def test_the_cli_refuses_bad_files_in_one_line(kind, medlyt_home, valid_files, tmp_path, capsys):
    rng = np.random.default_rng(7)
    name, ext = kind.rsplit(".", 1)
    data = {
        "random": lambda: rng.bytes(3000),
        "truncated": lambda: valid_files[".flac"][: len(valid_files[".flac"]) // 3],
        "damaged": lambda: valid_files[".m4a"][:40] + rng.bytes(2000),
        "one-hertz": lambda: riff(1, 1, 1, 16, rng.bytes(20000)),
        "absurd": lambda: riff(1, 65535, 16000, 16, rng.bytes(20000)),
        "signature": lambda: MAGIC[6] + rng.bytes(3000),
    }[name]()
    source = write(tmp_path, f"{name}.{ext}", data)
    meeting_id = cli_meeting(capsys)
    before = files_under(medlyt_home)
    assert main(["import", meeting_id, str(source)]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("medlyt: fejl: ") and source.name in lines[0], err
    assert "Traceback" not in err + out
    assert files_under(medlyt_home) == before
    COUNTS["command line"]["rejected"] += 1
