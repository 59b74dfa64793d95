"""Files and folders readable by their owner only, made without following a link that someone
else may have put where the file is to be: everything medlyt writes is about citizens."""

import os
import tempfile
from pathlib import Path
from typing import BinaryIO

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def create(path: Path, append: bool = False) -> BinaryIO:
    """A new file, 0600, opened for writing. Refuses an existing file or a link in its place
    (FileExistsError or OSError) unless `append`, which still refuses a link (O_NOFOLLOW)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_APPEND if append else os.O_EXCL)
    return os.fdopen(os.open(path, flags, FILE_MODE), "ab" if append else "wb")


def create_beside(target: Path) -> tuple[BinaryIO, Path]:
    """A new 0600 file with a fresh random name next to `target`, to be moved onto it when
    complete: a name nobody could have prepared (an old `.NAME.partial`, or a link there)."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    return os.fdopen(fd, "wb"), Path(name)


def tighten(folder: Path) -> None:
    """The folder 0700 and the files directly in it 0600, where a version before this one, or a
    umask, left them readable by others."""
    for path in (folder, *(p for p in folder.iterdir() if p.is_file() and not p.is_symlink())):
        mode = FOLDER_MODE if path == folder else FILE_MODE
        try:
            if path.stat().st_mode & 0o777 != mode:
                path.chmod(mode)
        except FileNotFoundError:
            # SQLite removes its -wal and -shm files when another process closes the last
            # connection: a file gone since the listing needs no tightening.
            if path == folder:
                raise
