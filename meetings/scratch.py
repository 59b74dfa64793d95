"""A private scratch directory for a recording in plain form, while a stage works on it.

The stages (import, VAD, Whisper, loudness) read and write WAV files by path, so the decrypted
recording has to be a file for a while. It goes in memory (/dev/shm) when there is room, never in
the data directory, is readable by this user only, and is removed as soon as the work is done.
A crash can leave one behind; the next start removes those whose process is gone.
"""

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

RAM_DIR = Path("/dev/shm")
RAM_MIN_FREE = 2 << 30  # a 3-hour stereo meeting is about 0.7 GB as WAV
PREFIX = "medlyt-scratch-"


def root() -> Path:
    try:
        info = os.statvfs(RAM_DIR)
        if os.access(RAM_DIR, os.W_OK) and info.f_bavail * info.f_frsize >= RAM_MIN_FREE:
            return RAM_DIR
    except OSError:
        pass
    return Path(tempfile.gettempdir())


@contextlib.contextmanager
def directory() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=root()))  # mode 0700
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def sweep() -> None:
    """Remove scratch directories left by processes that no longer run."""
    for base in {RAM_DIR, Path(tempfile.gettempdir())}:
        for path in base.glob(f"{PREFIX}*"):
            try:
                pid = int(path.name.removeprefix(PREFIX).split("-")[0])
                if path.stat().st_uid != os.getuid() or _alive(pid):
                    continue
            except (ValueError, OSError):
                continue
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
