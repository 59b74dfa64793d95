"""The store's database as someone with write access to it sees it, around medlyt: the SQLite
file, or the PostgreSQL database MEDLYT_DATABASE_URL names (tests/conftest.py's `backend`).
Autocommit; statements are written with SQLite's `?` placeholders and translated for psycopg."""

import os
import re
import sqlite3
import subprocess
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from meetings.audit import TRIGGERS
from meetings.store import DB_NAME

# What each database raises when a trigger refuses a change to the audit log.
REFUSED = (sqlite3.IntegrityError, psycopg.errors.RaiseException)


def libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Raw:
    def __init__(self, home: Path):
        url = os.environ.get("MEDLYT_DATABASE_URL")
        self.postgres = bool(url)
        self.conn = psycopg.connect(libpq_url(url), autocommit=True) if url else \
            sqlite3.connect(home / DB_NAME, isolation_level=None)

    def execute(self, statement: str, params: tuple = ()):
        if self.postgres:
            return self.conn.execute(statement.replace("?", "%s"), params)
        return self.conn.execute(statement, params)

    def drop_triggers(self) -> None:
        for name in TRIGGERS:
            self.execute(f"DROP TRIGGER {name} ON audit" if self.postgres else f"DROP TRIGGER {name}")

    def close(self) -> None:
        self.conn.close()


def raw(home: Path) -> Raw:
    return Raw(home)


def stored_bytes(home: Path) -> bytes:
    """All the database holds, as bytes: SQLite's file with its WAL, or a pg_dump of the
    PostgreSQL database (what a backup or a stolen dump would show)."""
    url = os.environ.get("MEDLYT_DATABASE_URL")
    if url:
        from tests.postgres import bin_dir

        dump = subprocess.run([str(bin_dir() / "pg_dump"), "--dbname", libpq_url(url)], check=True,
                              capture_output=True).stdout
        # bytea columns are dumped as hex: add them decoded, as anyone reading the dump could.
        return dump + b"".join(bytes.fromhex(h.decode()) for h in re.findall(rb"\\x((?:[0-9a-f]{2})+)", dump))
    return b"".join(p.read_bytes() for p in sorted(home.glob(f"{DB_NAME}*")))
