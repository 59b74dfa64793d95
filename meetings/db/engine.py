"""Where the database is, and connecting to it: MEDLYT_DATABASE_URL (an SQLAlchemy URL; by
default the SQLite file in the data directory), with a password in it never shown."""

import os
import sqlite3
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from meetings.errors import MeetingError

BUSY_TIMEOUT_S = 5.0
DATABASE_URL_VARIABLE = "MEDLYT_DATABASE_URL"


def database_url(home: Path, configured: str | None) -> URL:
    """The configured URL, or the embedded SQLite file; a URL that cannot be read says so in one
    line without repeating it (it may hold a password)."""
    if not configured or not configured.strip():
        return URL.create("sqlite+pysqlite", database=str(home / "medlyt.sqlite3"))
    try:
        url = make_url(configured.strip())
    except ArgumentError:
        raise MeetingError("MEDLYT_DATABASE_URL kan ikke læses. Skriv den som "
                           "postgresql+psycopg://BRUGER@VÆRT/DATABASE eller sqlite:///STI.") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3, the driver medlyt installs
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise MeetingError(f"medlyt kan bruge SQLite eller PostgreSQL, ikke {url.get_backend_name()} "
                           "(MEDLYT_DATABASE_URL).")
    return url


def configured_url(home: Path) -> URL:
    """The database this process is to use: MEDLYT_DATABASE_URL, else the data directory's file."""
    return database_url(home, os.environ.get(DATABASE_URL_VARIABLE))


def central(home: Path) -> bool:
    """Central mode: the database is PostgreSQL, shared by many machines and workers."""
    return configured_url(home).get_backend_name() == "postgresql"


def nothing_stored_yet(home: Path) -> bool:
    """Embedded mode before the first store: no database file to look in."""
    url = configured_url(home)
    return url.get_backend_name() == "sqlite" and not Path(url.database).is_file()


def shown(url: URL) -> str:
    """The URL as it may appear in a message or a log: the password masked."""
    return url.render_as_string(hide_password=True)


def make_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        return sqlite_engine(url)[0]
    return create_engine(url, pool_pre_ping=True)


def sqlite_engine(url: URL) -> tuple[Engine, sqlite3.Connection]:
    """The engine over one SQLite connection, and that connection. One, as before SQLAlchemy:
    per-connection settings hold for the whole store, and the store's lock
    (meetings/db/database.py) keeps two transactions apart on it."""
    connection = sqlite3.connect(url.database, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                 check_same_thread=False)
    engine = create_engine(url, poolclass=StaticPool, creator=lambda: connection)
    event.listen(engine, "connect", _sqlite_connection)
    event.listen(engine, "begin", _sqlite_begin)
    return engine, connection


def _sqlite_connection(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling is off: SQLAlchemy's begin event issues BEGIN, so a
    # read sees one snapshot and a write waits for the lock up front (the pysqlite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    cursor.execute("PRAGMA journal_mode = WAL")  # readers never block the writer
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA secure_delete = ON")  # withdrawal must overwrite, not just unlink
    cursor.close()


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get("write") else "BEGIN")
