"""The audit chain's head, kept beside the encryption key where a restored or truncated database
cannot rewind it.

The chain in the database shows an entry changed, removed or reordered in the middle, but not
entries cut off its end, all of them deleted, or an older copy of the whole file put back: each
leaves a chain that is intact as far as it goes. So after every write that extends the chain,
the store records the newest link (its id and hash) in a small file outside the data
directory, next to the key file, under an HMAC with the audit key. `check` then compares: the
database must still hold that entry with that hash. The file only ever moves forward.

One head per database, named by its identity rather than its path: a backup put back has the
same identity and is caught; a data directory removed and made anew starts a head of its own.
"""

import fcntl
import hashlib
import hmac
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from meetings import keys, private
from meetings.audit import Problem, Record


@dataclass(frozen=True)
class Head:
    last_id: int
    last_hash: str


class Tampered(Exception):
    """The head file is there but its HMAC does not fit: changed, or made with another key."""


def path_for(database_identity: bytes) -> Path:
    """The head file of one database, named by a digest of its identity (the store's random
    sealed key-check row): a restored copy has the same identity, a new database another."""
    digest = hashlib.sha256(database_identity).hexdigest()[:16]
    return keys.key_file().parent / f"audit-head-{digest}.json"


def _mac(key: bytes, head: Head) -> str:
    return hmac.new(key, json.dumps([head.last_id, head.last_hash]).encode(), hashlib.sha256).hexdigest()


def read(path: Path, key: bytes) -> Head | None:
    """The recorded head; None if there is none yet. Raises Tampered when it does not verify."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        head = Head(int(data["last_id"]), str(data["last_hash"]))
        mac = str(data["mac"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        raise Tampered from None
    if not hmac.compare_digest(mac, _mac(key, head)):
        raise Tampered
    return head


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True, mode=private.FOLDER_MODE)
    with open(os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW,
                      private.FILE_MODE), "rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def advance(path: Path, key: bytes, head: Head) -> None:
    """Record `head` unless the file already holds a later one (another process wrote after us)."""
    with _locked(path):
        try:
            known = read(path, key)
        except Tampered:
            known = None  # rewritten with a correct head; `check` has said what it found before
        if known is not None and known.last_id >= head.last_id:
            return
        out, partial = private.create_beside(path)
        with out:
            out.write(json.dumps({"last_id": head.last_id, "last_hash": head.last_hash,
                                  "mac": _mac(key, head)}).encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)


def check(head: Head | None, records: list[Record]) -> list[Problem]:
    """What the database's chain lacks against the recorded head (pure)."""
    if head is None:
        return []
    held = {r.id: r.hash for r in records}
    newest = max(held, default=0)
    if head.last_id not in held:
        return [Problem(None, "truncated",
                        f"loggen slutter ved post {newest}, men der er skrevet {head.last_id} poster: "
                        "poster er skåret af enden, eller en ældre kopi af databasen er lagt tilbage.")]
    if held[head.last_id] != head.last_hash:
        return [Problem(head.last_id, "rolled_back",
                        "er ikke den post, der blev skrevet som nummer "
                        f"{head.last_id}: en ældre eller ændret kopi af databasen er lagt tilbage.")]
    return []
