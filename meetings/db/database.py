"""The database behind the store, SQLite or PostgreSQL through SQLAlchemy: its connection, its
transactions, and its failures as one Danish line each.

Embedded (SQLite) keeps one connection, shared between threads (Streamlit) behind one lock, as a
single file wants; a write transaction begins IMMEDIATE, so a busy file waits up front instead
of failing halfway (meetings/db/engine.py). Central (PostgreSQL) takes connections from a pool.
"""

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import URL, Connection
from sqlalchemy.exc import DBAPIError, OperationalError

from meetings.db.engine import BUSY_TIMEOUT_S, make_engine, shown, sqlite_engine
from meetings.errors import DatabaseUnavailable, MeetingError


class Database:
    def __init__(self, url: URL):
        self.url = url
        self.backend = url.get_backend_name()
        self.where = url.database if self.backend == "sqlite" else shown(url)
        if self.sqlite:
            self.engine, self._sqlite = sqlite_engine(url)
        else:
            self.engine = make_engine(url)
        self.lock = threading.RLock()

    @property
    def sqlite(self) -> bool:
        return self.backend == "sqlite"

    def raw_sqlite(self) -> sqlite3.Connection:
        """The one SQLite connection itself (the tests' way in, to damage or inspect the file as
        a disk fault would)."""
        return self._sqlite

    @contextmanager
    def transaction(self, write: bool = False, plain: bool = True) -> Iterator[Connection]:
        """One transaction, committed when the block ends and rolled back when it raises; its
        failures as Danish lines unless `plain` is False (the store's first look tells them
        apart itself)."""
        with self.lock, self.plain_errors() if plain else contextlib.nullcontext():
            with self.engine.connect() as conn:
                conn.execution_options(write=write)
                with conn.begin():
                    yield conn

    @contextmanager
    def plain_errors(self) -> Iterator[None]:
        """The database's failures as one Danish line each. The whole transaction is undone on
        any of them, so nothing is ever half written; a password is never in the line."""
        try:
            yield
        except DBAPIError as error:
            line = self.sqlite_line(error.orig) if self.sqlite else self.postgres_line(error)
            if line is None:
                raise
            raise (DatabaseUnavailable if self.unreachable(error) else MeetingError)(line) from None

    def sqlite_line(self, error: BaseException) -> str | None:
        code = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
        if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return (f"Databasen er optaget af en anden medlyt-proces (ventede {BUSY_TIMEOUT_S:.0f} s). "
                    "Prøv igen om lidt.")
        if code == sqlite3.SQLITE_FULL:
            return "Disken er fuld: ændringen blev ikke gemt, og intet er halvt skrevet. Frigør plads og prøv igen."
        if code == sqlite3.SQLITE_IOERR:
            return (f"Databasen {self.where} kunne ikke skrives eller læses (I/O-fejl): ændringen blev ikke gemt. "
                    "Tjek disken.")
        if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
            return (f"Databasen {self.where} er beskadiget ({error}). Gendan den fra sikkerhedskopien; "
                    "medlyt ændrer intet i den.")
        return None

    def postgres_line(self, error: DBAPIError) -> str | None:
        kind = postgres_failure(error)
        if kind == "refused":
            return (f"PostgreSQL afviste brugeren eller adgangskoden i MEDLYT_DATABASE_URL ({self.where}). "
                    "Ret brugernavn eller adgangskode.")
        if kind == "missing":
            return f"Databasen i MEDLYT_DATABASE_URL findes ikke ({self.where}). Opret den, eller ret navnet."
        if kind == "unreachable":
            return (f"Kan ikke nå databasen {self.where}. Tjek at PostgreSQL kører og at MEDLYT_DATABASE_URL "
                    "peger på den; intet er ændret.")
        return None

    def unreachable(self, error: DBAPIError) -> bool:
        """A server that is down or restarting, rather than a refusal: worth trying again."""
        return not self.sqlite and postgres_failure(error) == "unreachable"

    def checkpoint(self) -> None:
        """SQLite: copy the WAL into the file and truncate it, so no older page stays there.
        (PostgreSQL's own VACUUM and WAL recycling are the operator's.)"""
        if self.sqlite:
            with self.lock, self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        # SQLite: closing the last connection checkpoints and removes the WAL file.
        self.engine.dispose()
        if self.sqlite:
            self._sqlite.close()


def postgres_failure(error: DBAPIError) -> str | None:
    """What kind of failure PostgreSQL's error is: "refused" (user or password), "missing" (no
    such database), "unreachable" (down, restarting, cut off), or None (another error)."""
    state = getattr(error.orig, "sqlstate", None) or ""
    said = str(error.orig)  # a refused connection has no SQLSTATE, only the server's own words
    if state in ("28P01", "28000") or not state and (
            "authentication failed" in said or 'role "' in said and "does not exist" in said):
        return "refused"
    if state == "3D000" or not state and 'database "' in said and "does not exist" in said:
        return "missing"
    if isinstance(error, OperationalError) or error.connection_invalidated:
        return "unreachable"
    return None
