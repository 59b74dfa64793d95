"""Bringing a database to the schema this code knows, on either backend, with Alembic.

The revisions are in meetings/db/revisions/versions/, numbered as the schema they reach; the
first (17) takes an SQLite file from any older release through medlyt's own numbered migrations
and gives a new PostgreSQL database the whole schema. An SQLite file's `PRAGMA user_version`
follows along, so an older release still sees that the file is newer than itself.
"""

from pathlib import Path

from sqlalchemy import Connection, inspect

from meetings import audit
from meetings.crypto import Cipher
from meetings.db.migrations import AUDIT_KEY_VERSION
from meetings.repo import settings

REVISIONS = Path(__file__).with_name("revisions")
# The newest revision, from the file names (0018_procrastinate.py is revision "0018") rather than
# from Alembic's script directory, which imports every revision (and Procrastinate with them):
# every medlyt command opens a store, and that took 0.2 s. A test checks that Alembic agrees.
SCHEMA_VERSION = max(int(path.name.split("_", 1)[0]) for path in (REVISIONS / "versions").glob("[0-9]*_*.py"))
VERSION_TABLE = "alembic_version"  # Alembic's own record of the revision a database is at
AUDIT_KEYED_FROM = "audit_keyed_from"  # a sealed settings row: the first audit entry hashed with the key


def alembic_config(conn: Connection, cipher: Cipher | None = None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(REVISIONS))
    config.attributes["connection"] = conn
    config.attributes["cipher"] = cipher
    return config


def schema_version(conn: Connection) -> int:
    """How far the database is: 0 for an empty one."""
    if inspect(conn).has_table(VERSION_TABLE):
        revision = conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalar()
        if revision is not None:
            return int(revision)
    if conn.dialect.name == "sqlite":  # a file from before Alembic
        return conn.exec_driver_sql("PRAGMA user_version").scalar()
    return 0


def upgrade(conn: Connection, version: int, cipher: Cipher) -> None:
    """From `version` to SCHEMA_VERSION, in the caller's write transaction: all or nothing."""
    from alembic import command

    command.upgrade(alembic_config(conn, cipher), "head")
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")
    if version < AUDIT_KEY_VERSION:
        # Older entries keep their plain hashes; sealed, this number cannot be moved back to pass
        # recomputed plain hashes off as from before.
        last = audit.last_link(conn)
        keyed_from = (last[0] if last else 0) + 1
        settings.put(conn, AUDIT_KEYED_FROM, cipher.seal(str(keyed_from).encode(), AUDIT_KEYED_FROM))
