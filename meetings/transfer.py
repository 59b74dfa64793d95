"""Copying a sealed recording into another machine's folder (the centre's audio share, mounted
on the laptop) so that a cut costs only what was not yet sent.

The bytes go to `.NAME.part` beside the destination; the destination's name only ever holds a
whole file (the part is renamed onto it once complete and on disk). A new try continues from the
part's length, but only after the bytes already there are read back and found equal to the
source's: a share may keep a file's length after a crash without its last blocks. No SQL and no
keys here: the bytes stay sealed, as they are."""

import fcntl
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from meetings import private

CHUNK = 1 << 20
PART_SUFFIX = ".part"

# Bytes on the destination so far, and the whole file's size.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Sent:
    size: int
    resumed_from: int  # bytes a cut try had already written and that were found equal (0: from the start)


def part_path(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}{PART_SUFFIX}")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def usable_prefix(source: Path, part: Path) -> int:
    """How many bytes of `part` may be kept: all of them when they equal the source's first
    bytes, none when any differs or there are more than the source has."""
    try:
        have = part.stat().st_size
    except FileNotFoundError:
        return 0
    if have > source.stat().st_size:
        return 0
    with open(source, "rb") as original, open(part, "rb") as copy:
        left = have
        while left:
            size = min(CHUNK, left)
            if original.read(size) != copy.read(size):
                return 0
            left -= size
    return have


class Busy(Exception):
    """Another process is sending to the same part file right now."""


def send(source: Path, dest: Path, progress: Progress | None = None, bytes_per_s: int | None = None) -> Sent:
    """Copy `source` to `dest` through its part file, resuming a cut copy; at most
    `bytes_per_s` (None: as fast as it goes). `progress` is first told where it starts."""
    part = part_path(dest)
    total = source.stat().st_size
    chunk = CHUNK if bytes_per_s is None else max(4096, min(CHUNK, bytes_per_s // 10))
    # O_NOFOLLOW: never write through a link someone put where the part goes.
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, private.FILE_MODE)
    os.fchmod(fd, private.FILE_MODE)  # a part left by someone else's umask is the owner's alone too
    with os.fdopen(fd, "wb") as out, open(source, "rb") as original:
        try:  # two sends interleaving in one part would leave neither's bytes
            fcntl.flock(out, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(part) from None
        start = usable_prefix(source, part)
        out.truncate(start)
        out.seek(start)
        original.seek(start)
        done, began = start, time.monotonic()
        if progress:
            progress(done, total)
        while block := original.read(chunk):
            out.write(block)
            out.flush()
            done += len(block)
            if progress:
                progress(done, total)
            if bytes_per_s:
                ahead = (done - start) / bytes_per_s - (time.monotonic() - began)
                if ahead > 0:
                    time.sleep(ahead)
        os.fsync(out.fileno())
    os.replace(part, dest)
    _sync_folder(dest.parent)
    return Sent(total, start)


def _sync_folder(folder: Path) -> None:
    """The rename on disk too, before anyone is told the file is there."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass  # some network filesystems do not sync a folder; the file itself is synced
    finally:
        os.close(fd)
