"""Authenticated encryption (AES-256-GCM) of what the store keeps about a meeting, in three shapes:

- a value (a database column): a version byte, a random 12-byte nonce, the ciphertext and tag;
- a file (a stored recording): a header with a random nonce prefix, then fixed-size chunks, each
  sealed under the prefix and its number, the last one marked final, so a file that is cut short,
  reordered or swapped for another fails to open; chunks allow reading an excerpt without
  decrypting the whole meeting;
- a log (a recording in progress): records appended and fsync'd about once a second, each
  numbered; a crash can cut only the last one, which reading leaves out.

Every seal binds a context (which field of which meeting) as associated data, so a sealed value
or file moved to another row or meeting does not open.
"""

import io
import os
import struct
from collections.abc import Iterator
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from meetings import private

NONCE = 12
TAG = 16
VALUE_VERSION = b"\x01"
FILE_MAGIC = b"MEDLYTA1"
FILE_PREFIX = 7  # + 4 bytes chunk number + 1 byte final marker = the 12-byte nonce
FILE_HEADER = len(FILE_MAGIC) + FILE_PREFIX
CHUNK = 1 << 16  # 2 s of 16 kHz mono: an excerpt decrypts little more than itself
LOG_MAGIC = b"MEDLYTR1"
LOG_LENGTH = struct.Struct(">I")


class Damaged(Exception):
    """Sealed data that does not open: changed, cut, moved, or sealed with another key."""


class Cipher:
    def __init__(self, key: bytes):
        self._key = key
        self._aead = AESGCM(key)

    def derive(self, purpose: str) -> bytes:
        """A 32-byte key of its own for another use (the audit chain's HMAC), so the encryption
        key itself serves one purpose only."""
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(self._key)

    def encrypt(self, nonce: bytes, data: bytes, context: bytes) -> bytes:
        return self._aead.encrypt(nonce, data, context)

    def decrypt(self, nonce: bytes, sealed: bytes, context: bytes) -> bytes:
        try:
            return self._aead.decrypt(nonce, sealed, context)
        except InvalidTag:
            raise Damaged(context.decode(errors="replace")) from None

    def seal(self, data: bytes, context: str) -> bytes:
        nonce = os.urandom(NONCE)
        return VALUE_VERSION + nonce + self.encrypt(nonce, data, context.encode())

    def open(self, blob: bytes, context: str) -> bytes:
        if not isinstance(blob, bytes) or blob[:1] != VALUE_VERSION or len(blob) < 1 + NONCE + TAG:
            raise Damaged(context)
        return self.decrypt(blob[1:1 + NONCE], blob[1 + NONCE:], context.encode())


class Unencrypted(Cipher):
    """The same formats with the encryption left out: only for measuring what encryption costs
    (benchmarks/encryption_overhead.py). A store opened with it refuses real data (key check)."""

    def __init__(self):
        self._key = bytes(32)

    def encrypt(self, nonce: bytes, data: bytes, context: bytes) -> bytes:
        return data + bytes(TAG)

    def decrypt(self, nonce: bytes, sealed: bytes, context: bytes) -> bytes:
        if len(sealed) < TAG or any(sealed[-TAG:]):
            raise Damaged(context.decode(errors="replace"))
        return sealed[:-TAG]


# ---- files --------------------------------------------------------------------------------

def _chunk_nonce(prefix: bytes, index: int, final: bool) -> bytes:
    return prefix + struct.pack(">I?", index, final)


def seal_file(cipher: Cipher, src: Path, dest: Path, context: str) -> None:
    """Encrypt the file `src` into `dest` (created, written and fsync'd)."""
    prefix = os.urandom(FILE_PREFIX)
    with open(src, "rb") as plain, private.create(dest) as out:
        out.write(FILE_MAGIC + prefix)
        index, chunk = 0, plain.read(CHUNK)
        while True:
            following = plain.read(CHUNK)  # read ahead: the last chunk is sealed as final
            out.write(cipher.encrypt(_chunk_nonce(prefix, index, not following), chunk, context.encode()))
            if not following:
                break
            index, chunk = index + 1, following
        out.flush()
        os.fsync(out.fileno())


class SealedFile(io.RawIOBase):
    """A sealed file opened for reading as if it were the plain one: read, seek and tell, so the
    wave module can read an excerpt from it. Opening checks the final chunk, so a file cut short
    is refused up front."""

    def __init__(self, cipher: Cipher, path: Path, context: str):
        super().__init__()
        self._cipher, self._context = cipher, context.encode()
        self._file = open(path, "rb")
        try:
            header = self._file.read(FILE_HEADER)
            stored = os.fstat(self._file.fileno()).st_size - FILE_HEADER
            if len(header) != FILE_HEADER or header[:len(FILE_MAGIC)] != FILE_MAGIC or stored < TAG:
                raise Damaged(context)
            self._prefix = header[len(FILE_MAGIC):]
            self._chunks = -(-stored // (CHUNK + TAG))
            last = stored - (self._chunks - 1) * (CHUNK + TAG) - TAG
            if last < 0:
                raise Damaged(context)
            self.size = (self._chunks - 1) * CHUNK + last
            self._cached: tuple[int, bytes] | None = None
            self._chunk(self._chunks - 1)
        except BaseException:
            self._file.close()
            raise
        self._position = 0

    def _chunk(self, index: int) -> bytes:
        if self._cached is None or self._cached[0] != index:
            self._file.seek(FILE_HEADER + index * (CHUNK + TAG))
            sealed = self._file.read(CHUNK + TAG)
            nonce = _chunk_nonce(self._prefix, index, index == self._chunks - 1)
            self._cached = (index, self._cipher.decrypt(nonce, sealed, self._context))
        return self._cached[1]

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        want = min(len(buffer), self.size - self._position)
        done = 0
        while done < want:
            index, offset = divmod(self._position, CHUNK)
            piece = self._chunk(index)[offset:offset + want - done]
            buffer[done:done + len(piece)] = piece
            done += len(piece)
            self._position += len(piece)
        return done

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        self._file.close()
        super().close()


# ---- logs ---------------------------------------------------------------------------------

def _record_context(context: bytes, index: int) -> bytes:
    return context + struct.pack(">Q", index)


class SealedLog:
    """Append-only writer of a sealed log: `write` collects, `flush` seals what was collected as
    one record and hands it to the system (the caller fsyncs through `fileno`)."""

    def __init__(self, cipher: Cipher, path: Path, context: str):
        self._cipher, self._context = cipher, context.encode()
        self._records = sum(1 for _ in _record_spans(path)) if path.exists() else 0
        self._file = private.create(path, append=True)
        self._pending = bytearray()

    def write(self, data: bytes) -> None:
        self._pending += data

    def flush(self) -> None:
        """Nothing is written before the first record, so opening a log another process holds
        (and failing to lock it) changes nothing."""
        if self._pending:
            if os.fstat(self._file.fileno()).st_size == 0 and self._file.tell() == 0:
                self._file.write(LOG_MAGIC)
            nonce = os.urandom(NONCE)
            sealed = self._cipher.encrypt(nonce, bytes(self._pending), _record_context(self._context, self._records))
            self._file.write(LOG_LENGTH.pack(len(sealed)) + nonce + sealed)
            self._records += 1
            self._pending.clear()
        self._file.flush()

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        if not self._file.closed:
            try:
                self.flush()
            finally:
                self._file.close()

    @property
    def closed(self) -> bool:
        return self._file.closed


def _record_spans(path: Path) -> Iterator[tuple[int, int]]:
    """(offset, length) of each whole record's sealed bytes; a record cut by a crash is not one."""
    with open(path, "rb") as file:
        if file.read(len(LOG_MAGIC)) != LOG_MAGIC:
            return
        offset, size = len(LOG_MAGIC), os.fstat(file.fileno()).st_size
        while offset + LOG_LENGTH.size + NONCE <= size:
            file.seek(offset)
            (length,) = LOG_LENGTH.unpack(file.read(LOG_LENGTH.size))
            start = offset + LOG_LENGTH.size
            if start + NONCE + length > size:
                return
            yield start, NONCE + length
            offset = start + NONCE + length


def log_size(path: Path) -> int:
    """Plain bytes in the log's whole records, without decrypting them."""
    return sum(length - NONCE - TAG for _, length in _record_spans(path))


def read_log(cipher: Cipher, path: Path, context: str) -> Iterator[bytes]:
    """The plain records in order. A record that does not open ends the log there: what came
    before it is all that can be trusted (a crash mid-write looks like this too)."""
    with open(path, "rb") as file:
        for index, (offset, length) in enumerate(_record_spans(path)):
            file.seek(offset)
            record = file.read(length)
            try:
                yield cipher.decrypt(record[:NONCE], record[NONCE:], _record_context(context.encode(), index))
            except Damaged:
                return
