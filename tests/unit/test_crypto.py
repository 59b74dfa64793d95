"""The three sealed shapes of meetings/crypto.py: values, files (with random access) and logs.
Each must give back exactly what went in, and refuse anything changed, cut, moved or keyed
differently."""

import os
import wave
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meetings.crypto import (
    CHUNK,
    TAG,
    Cipher,
    Damaged,
    SealedFile,
    SealedLog,
    log_size,
    read_log,
    seal_file,
)

KEY = bytes(range(32))


@pytest.fixture
def cipher() -> Cipher:
    return Cipher(KEY)


# ---- values -------------------------------------------------------------------------------------

def test_a_value_opens_only_with_its_key_and_context(cipher):
    sealed = cipher.seal("Jeg bor på Vesterbrogade.".encode(), "segments.text:abc")
    assert b"Vesterbrogade" not in sealed
    assert cipher.open(sealed, "segments.text:abc").decode() == "Jeg bor på Vesterbrogade."
    assert cipher.seal(b"x", "c") != cipher.seal(b"x", "c")  # a fresh nonce each time
    with pytest.raises(Damaged):
        cipher.open(sealed, "segments.text:def")  # moved to another meeting
    with pytest.raises(Damaged):
        Cipher(bytes(32)).open(sealed, "segments.text:abc")  # another key
    changed = bytearray(sealed)
    changed[-1] ^= 1
    with pytest.raises(Damaged):
        cipher.open(bytes(changed), "segments.text:abc")
    for not_sealed in (b"", "Jeg bor", b"\x01short"):
        with pytest.raises(Damaged):
            cipher.open(not_sealed, "segments.text:abc")


# ---- files --------------------------------------------------------------------------------------

def sealed_copy(cipher: Cipher, tmp_path: Path, data: bytes, context: str = "audio:m1") -> Path:
    plain, sealed = tmp_path / "plain", tmp_path / "sealed"
    plain.write_bytes(data)
    sealed.unlink(missing_ok=True)
    seal_file(cipher, plain, sealed, context)
    return sealed


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5])
def test_a_file_round_trips_at_every_size_around_the_chunk(cipher, tmp_path, size):
    data = os.urandom(size)
    sealed = sealed_copy(cipher, tmp_path, data)
    assert sealed.stat().st_size == 15 + size + TAG * max(1, -(-size // CHUNK))
    with SealedFile(cipher, sealed, "audio:m1") as file:
        assert file.size == size and file.read() == data


@settings(max_examples=60, deadline=None)
@given(start=st.integers(0, 3 * CHUNK), length=st.integers(0, 2 * CHUNK))
def test_reading_any_stretch_gives_that_stretch(tmp_path_factory, start, length):
    cipher = Cipher(KEY)
    data = bytes(i % 251 for i in range(2 * CHUNK + 777))
    sealed = sealed_copy(cipher, tmp_path_factory.mktemp("stretch"), data)
    with SealedFile(cipher, sealed, "audio:m1") as file:
        file.seek(start)
        read = file.read(length)
        assert read == data[start:start + length]
        assert file.tell() == start + len(read)  # as with a plain file, also when seeking past the end


def test_the_wave_module_reads_an_excerpt_straight_from_the_sealed_file(cipher, tmp_path):
    plain = tmp_path / "a.wav"
    with wave.open(str(plain), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(b"".join(i.to_bytes(2, "little") for i in range(48000)))
    sealed = tmp_path / "a.sealed"
    seal_file(cipher, plain, sealed, "audio:m1")
    with SealedFile(cipher, sealed, "audio:m1") as file, wave.open(file, "rb") as w:
        assert (w.getnframes(), w.getframerate()) == (48000, 16000)
        w.setpos(40000)
        assert w.readframes(2) == (40000).to_bytes(2, "little") + (40001).to_bytes(2, "little")


def damaged_variants(sealed: bytes) -> dict[str, bytes]:
    header, body = sealed[:15], sealed[15:]
    chunk = CHUNK + TAG
    return {
        "cut at a chunk boundary": sealed[:15 + chunk],
        "cut mid-chunk": sealed[:15 + chunk + 100],
        "chunks swapped": header + body[chunk:2 * chunk] + body[:chunk] + body[2 * chunk:],
        "a bit flipped": sealed[:5000] + bytes([sealed[5000] ^ 1]) + sealed[5001:],
        "another header": b"MEDLYTA1" + bytes(7) + body,
        "not sealed": b"RIFF" + sealed[4:],
        "empty": b"",
    }


@pytest.mark.parametrize("damage", list(damaged_variants(b"x" * 200_000)))
def test_a_changed_or_cut_file_is_refused(cipher, tmp_path, damage):
    sealed = sealed_copy(cipher, tmp_path, os.urandom(3 * CHUNK + 10))
    sealed.write_bytes(damaged_variants(sealed.read_bytes())[damage])
    with pytest.raises(Damaged):
        with SealedFile(cipher, sealed, "audio:m1") as file:
            file.read()


def test_a_file_does_not_open_as_another_meetings(cipher, tmp_path):
    sealed = sealed_copy(cipher, tmp_path, b"lyd" * 1000, context="audio:m1")
    with pytest.raises(Damaged):
        SealedFile(cipher, sealed, "audio:m2")


# ---- logs ---------------------------------------------------------------------------------------

def test_a_log_gives_back_its_records_and_survives_a_cut_last_record(cipher, tmp_path):
    path = tmp_path / "rec.pcm"
    log = SealedLog(cipher, path, "recording:m1")
    for piece in (b"en", b"to", b"tre"):
        log.write(piece)
        log.flush()
    log.close()
    assert list(read_log(cipher, path, "recording:m1")) == [b"en", b"to", b"tre"] and log_size(path) == 7
    assert b"tre" not in path.read_bytes()
    log = SealedLog(cipher, path, "recording:m1")  # appending after a restart continues the numbering
    log.write(b"fire")
    log.close()
    assert list(read_log(cipher, path, "recording:m1")) == [b"en", b"to", b"tre", b"fire"]

    path.write_bytes(path.read_bytes()[:-3])  # a crash in the middle of the last write
    assert list(read_log(cipher, path, "recording:m1")) == [b"en", b"to", b"tre"] and log_size(path) == 7
    assert list(read_log(cipher, path, "recording:m2")) == []  # another meeting's context opens nothing


def test_a_changed_record_ends_the_log_there(cipher, tmp_path):
    path = tmp_path / "rec.pcm"
    log = SealedLog(cipher, path, "recording:m1")
    for piece in (b"a" * 100, b"b" * 100, b"c" * 100):
        log.write(piece)
        log.flush()
    log.close()
    data = bytearray(path.read_bytes())
    data[8 + 4 + 12 + 100 + 16 + 4 + 12 + 50] ^= 1  # inside the second record
    path.write_bytes(bytes(data))
    assert list(read_log(cipher, path, "recording:m1")) == [b"a" * 100]


def test_opening_a_log_writes_nothing_until_the_first_record(cipher, tmp_path):
    path = tmp_path / "rec.pcm"
    SealedLog(cipher, path, "recording:m1").close()
    assert path.read_bytes() == b""
    assert list(read_log(cipher, path, "recording:m1")) == []
