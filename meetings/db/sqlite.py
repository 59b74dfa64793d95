"""One SQLite file: its connection, its transactions, and its failures as one Danish line each.

The connection is shared between threads (Streamlit), so one lock keeps two transactions from
interleaving on it; transactions are explicit (BEGIN/COMMIT), nothing implicit.
"""

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from meetings.errors import MeetingError

BUSY_TIMEOUT_S = 5.0


class Database:
    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.RLock()
        # isolation_level=None: we issue BEGIN/COMMIT ourselves.
        self.conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)

    def version(self) -> int:
        """The migrations applied; reading it first also tells a non-SQLite file apart before
        anything is written."""
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def configure(self) -> None:
        conn = self.conn
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")  # readers never block the writer
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")  # withdrawal must overwrite, not just unlink

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """One transaction; IMMEDIATE for writes so a busy database waits up front (busy
        timeout) instead of failing halfway, and reads see one consistent snapshot."""
        with self.lock, self.plain_errors():
            self.conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield self.conn
            except BaseException:
                if self.conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):  # a failed disk may refuse even this
                        self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    @contextmanager
    def plain_errors(self) -> Iterator[None]:
        """SQLite's failures as one Danish line each. SQLite undoes the whole transaction on
        any of them, so nothing is ever half written."""
        try:
            yield
        except sqlite3.OperationalError as error:
            code = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
            if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise MeetingError(f"Databasen er optaget af en anden medlyt-proces (ventede {BUSY_TIMEOUT_S:.0f} s). "
                                   "Prøv igen om lidt.") from None
            if code == sqlite3.SQLITE_FULL:
                raise MeetingError("Disken er fuld: ændringen blev ikke gemt, og intet er halvt skrevet. "
                                   "Frigør plads og prøv igen.") from None
            if code == sqlite3.SQLITE_IOERR:
                raise MeetingError(f"Databasen {self.path} kunne ikke skrives eller læses (I/O-fejl): "
                                   "ændringen blev ikke gemt. Tjek disken.") from None
            raise
        except sqlite3.DatabaseError as error:
            code = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
            if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
                raise MeetingError(f"Databasen {self.path} er beskadiget ({error}). Gendan den fra "
                                   "sikkerhedskopien; medlyt ændrer intet i den.") from None
            raise

    def checkpoint(self) -> None:
        """Copy the WAL into the file and truncate it, so no older page stays there."""
        with self.lock:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        # Closing the last connection checkpoints and removes the WAL file.
        self.conn.close()
