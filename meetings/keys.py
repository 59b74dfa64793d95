"""The encryption key: where it lives, creating it once, and clear refusals when it is missing,
unsafe or wrong.

The key never lives in the data directory: a copy of that directory (a backup, a stolen disk
image) must not carry what opens it. It is either MEDLYT_KEY (base64 of 32 bytes; medlyt never
writes it anywhere) or a key file readable by its owner only (MEDLYT_KEY_FILE, by default
`key` in the user's medlyt configuration directory).
"""

import base64
import binascii
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from meetings.errors import MeetingError

KEY_ENV = "MEDLYT_KEY"
KEY_FILE_ENV = "MEDLYT_KEY_FILE"
KEY_BYTES = 32  # AES-256


@dataclass(frozen=True)
class Key:
    secret: bytes
    source: str  # where it came from, for messages ("MEDLYT_KEY" or the file's path)


def key_file() -> Path:
    configured = os.environ.get(KEY_FILE_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_config_dir("medlyt")) / "key"


def load(home: Path, create: bool) -> Key:
    """The key for the data directory `home`. `create`: the directory holds nothing encrypted
    yet, so a missing key file may be made now; otherwise a missing key is an error."""
    value = os.environ.get(KEY_ENV)
    if value:
        return Key(_decode(value, KEY_ENV), KEY_ENV)
    path = key_file()
    _refuse_inside(path, home)
    if not path.exists():
        if not create:
            raise MeetingError(
                f"Krypteringsnøglen mangler: {path}. Data i {home} er krypteret med den og kan ikke læses "
                f"uden den. Læg nøglefilen tilbage fra sikkerhedskopien (eller sæt {KEY_FILE_ENV} eller {KEY_ENV})."
            )
        made = _create(path)
        if made is not None:
            # Said once, where the user sees it (the terminal, or the dashboard's console).
            print(f"medlyt: ny krypteringsnøgle oprettet: {path}. Tag en sikkerhedskopi af den; "
                  "uden den kan møderne ikke læses.", file=sys.stderr)
            return Key(made, str(path))
    return Key(_read(path), str(path))


def _create(path: Path) -> bytes | None:
    """A new random key in a new file with 0600 permissions; None if another process made the
    file first (then that one is the key)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    secret = os.urandom(KEY_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return None
    except OSError as error:
        raise MeetingError(f"Krypteringsnøglen kunne ikke oprettes i {path} ({error.strerror or error}).") from None
    with os.fdopen(fd, "w") as file:
        file.write(base64.b64encode(secret).decode() + "\n")
        file.flush()
        os.fsync(file.fileno())
    return secret


def _read(path: Path) -> bytes:
    try:
        info = path.stat()
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise MeetingError(f"Nøglefilen {path} kan læses af andre end dig. Ret det med: chmod 600 {path}")
        text = path.read_text()
    except OSError as error:
        raise MeetingError(f"Nøglefilen {path} kan ikke læses ({error.strerror or error}).") from None
    return _decode(text, str(path))


def _decode(text: str, source: str) -> bytes:
    try:
        secret = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        secret = b""
    if len(secret) != KEY_BYTES:
        raise MeetingError(f"Krypteringsnøglen i {source} er ugyldig: den skal være {KEY_BYTES} byte i base64.")
    return secret


def _refuse_inside(path: Path, home: Path) -> None:
    if path.resolve().is_relative_to(Path(home).resolve()):
        raise MeetingError(f"Nøglefilen {path} ligger i datamappen {home}; den skal ligge uden for den "
                           f"(sæt {KEY_FILE_ENV} til en anden sti).")
