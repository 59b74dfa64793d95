"""Bringing a database to the schema this code knows, on either backend.

SQLite (embedded): the ordered migrations in meetings/db/migrations.py, counted by the file's
`PRAGMA user_version`, with the steps SQL cannot do (SHA-256 for the audit chain, AES for
sealing) in the same transaction.
PostgreSQL (central): a new database gets the whole schema at once from the one table definition
(meetings/db/schema.py) plus the audit log's append-only triggers; its version is kept in the
one-row table `schema_version`, counted the same way, so one number says how far either is.
"""

from sqlalchemy import Column, Connection, Integer, MetaData, Table, inspect, select

from meetings import audit
from meetings.crypto import Cipher
from meetings.db import schema
from meetings.db.migrations import (
    AUDIT_CHAIN_VERSION,
    AUDIT_KEY_VERSION,
    ENCRYPTION_VERSION,
    MIGRATIONS,
    SCHEMA_VERSION,
    seal_plaintext,
    statements,
)
from meetings.repo import settings

AUDIT_KEYED_FROM = "audit_keyed_from"  # a sealed settings row: the first audit entry hashed with the key

# PostgreSQL's version row lives apart from the schema it counts.
version_table = Table("schema_version", MetaData(), Column("version", Integer, nullable=False))

# The audit log's protection on PostgreSQL: the same three rules as SQLite's triggers (migration 8).
POSTGRES_AUDIT_TRIGGERS = """
CREATE FUNCTION audit_append_only_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE last_id integer; last_hash text;
BEGIN
    SELECT id, hash INTO last_id, last_hash FROM audit ORDER BY id DESC LIMIT 1;
    IF NEW.hash IS NULL OR NEW.id IS DISTINCT FROM coalesce(last_id, 0) + 1
       OR NEW.prev_hash IS DISTINCT FROM coalesce(last_hash, repeat('0', 64)) THEN
        RAISE EXCEPTION 'audit log is append-only: a new entry must extend the hash chain';
    END IF;
    RETURN NEW;
END $$;
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only';
END $$;
CREATE TRIGGER audit_append_only_insert BEFORE INSERT ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only_insert();
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
"""


def schema_version(conn: Connection) -> int:
    """How far the database is: 0 for an empty one."""
    if conn.dialect.name == "sqlite":
        return conn.exec_driver_sql("PRAGMA user_version").scalar()
    if not inspect(conn).has_table(version_table.name):
        return 0
    return conn.execute(select(version_table.c.version)).scalar() or 0


def upgrade(conn: Connection, version: int, cipher: Cipher) -> None:
    """From `version` to SCHEMA_VERSION, in the caller's write transaction: all or nothing."""
    if conn.dialect.name == "sqlite":
        _upgrade_sqlite(conn, version, cipher)
    elif version == 0:
        _create_postgres(conn)
    else:  # no PostgreSQL schema has been released but the newest
        raise RuntimeError(f"no upgrade from PostgreSQL schema {version}")
    if version < AUDIT_KEY_VERSION:
        # Older entries keep their plain hashes; sealed, this number cannot be moved back to pass
        # recomputed plain hashes off as from before.
        last = audit.last_link(conn)
        keyed_from = (last[0] if last else 0) + 1
        settings.put(conn, AUDIT_KEYED_FROM, cipher.seal(str(keyed_from).encode(), AUDIT_KEYED_FROM))


def _upgrade_sqlite(conn: Connection, version: int, cipher: Cipher) -> None:
    raw = conn.connection.driver_connection  # the old migrations' own steps speak sqlite3
    for script in MIGRATIONS[version:]:
        for statement in statements(script):
            raw.execute(statement)
    if version < AUDIT_CHAIN_VERSION:
        # SQLite has no SHA-256, so the entries of an older file are chained here, in the
        # migration's transaction: only rows that were never chained (hash NULL) can be touched.
        audit.chain_unhashed(raw)
    if version < ENCRYPTION_VERSION:
        seal_plaintext(raw, cipher)  # likewise: SQLite has no AES
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _create_postgres(conn: Connection) -> None:
    schema.metadata.create_all(conn)
    conn.exec_driver_sql(POSTGRES_AUDIT_TRIGGERS)
    version_table.create(conn)
    conn.execute(version_table.insert().values(version=SCHEMA_VERSION))
