"""The one table definition (meetings/db/schema.py) against the schema the SQLite migrations
build, and created on a real PostgreSQL and a new SQLite file: same tables, columns, keys,
references and indexes, and the same list of sealed columns the store seals."""

import sqlite3
import warnings

import pytest
from sqlalchemy import inspect, insert, select

from meetings.crypto import Cipher
from meetings.db import migrations, schema
from meetings.db.engine import database_url, make_engine, shown
from meetings.errors import MeetingError
from meetings.sealer import Sealer


def shape(engine) -> dict:
    """What the database says of each table, in terms both backends report alike."""
    inspector = inspect(engine)
    # SQLite's expression index is read with PRAGMA index_list below; SQLAlchemy warns it cannot.
    warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
    tables = {}
    for name in inspector.get_table_names():
        if name == "alembic_version":
            continue
        columns = inspector.get_columns(name)
        pk = inspector.get_pk_constraint(name)["constrained_columns"]
        tables[name] = {
            "columns": [c["name"] for c in columns],
            # SQLite reports an INTEGER PRIMARY KEY as nullable; a key is never NULL anywhere.
            "not_null": sorted(c["name"] for c in columns if not c["nullable"] or c["name"] in pk),
            "primary_key": sorted(pk),
            "references": references(engine, inspector, name),
            "indexes": indexes(engine, inspector, name),
            "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)),
        }
    return tables


def references(engine, inspector, table: str) -> list[tuple]:
    if engine.dialect.name == "sqlite":
        # SQLAlchemy reads SQLite's ON DELETE from the table's SQL text, and misses it on a column's
        # own REFERENCES clause; SQLite itself knows it.
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(f"PRAGMA foreign_key_list({table})").fetchall()
        return sorted(((row[3],), row[2], (row[4],), row[6].replace("NO ACTION", "")) for row in rows)
    return sorted((tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]),
                   (fk.get("options") or {}).get("ondelete", "").upper()) for fk in inspector.get_foreign_keys(table))


def indexes(engine, inspector, table: str) -> list[tuple[str, bool]]:
    """The indexes made as indexes (not those behind a key or UNIQUE), expression ones included."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(f"PRAGMA index_list({table})").fetchall()
        return sorted((row[1], bool(row[2])) for row in rows if row[3] == "c")
    return sorted((i["name"], bool(i["unique"])) for i in inspector.get_indexes(table)
                  if "duplicates_constraint" not in i)


def migrated_sqlite(path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for script in migrations.MIGRATIONS:
        for statement in migrations.statements(script):
            conn.execute(statement)
    conn.close()


def test_the_table_definition_is_the_schema_the_migrations_build(tmp_path):
    migrated_sqlite(tmp_path / "old.sqlite3")
    fresh = make_engine(database_url(tmp_path, f"sqlite:///{tmp_path / 'new.sqlite3'}"))
    schema.metadata.create_all(fresh)
    old = shape(make_engine(database_url(tmp_path, f"sqlite:///{tmp_path / 'old.sqlite3'}")))
    assert old == shape(fresh)
    assert len(old) == len(schema.metadata.tables) == 23


def test_the_sealed_columns_are_the_ones_the_store_seals():
    assert sorted(schema.sealed_columns()) == sorted(migrations.SEALED_COLUMNS)


def test_the_same_definition_makes_the_same_tables_on_postgresql(tmp_path, postgres_url):
    sqlite_engine = make_engine(database_url(tmp_path, None))
    postgres_engine = make_engine(database_url(tmp_path, postgres_url))
    for engine in (sqlite_engine, postgres_engine):
        schema.metadata.create_all(engine)
    assert shape(postgres_engine) == shape(sqlite_engine)


def test_a_sealed_value_goes_into_postgresql_and_back_and_is_not_there_in_the_clear(tmp_path, postgres_url):
    engine = make_engine(database_url(tmp_path, postgres_url))
    schema.metadata.create_all(engine)
    sealer = Sealer(Cipher(bytes(32)), "test")
    with engine.begin() as conn:
        conn.execute(insert(schema.meetings).values(id="m1", title=sealer.seal("meetings.title", "m1", "Samtale om job"),
                                                    created_at="2026-12-05T10:00:00+00:00"))
    with engine.connect() as conn:
        stored = conn.execute(select(schema.meetings.c.title)).scalar_one()
    assert b"Samtale" not in stored
    assert sealer.open("meetings.title", "m1", stored) == "Samtale om job"


def test_a_password_in_the_database_url_is_never_shown(tmp_path):
    url = database_url(tmp_path, "postgresql://medlyt:hemmeligt-kodeord@db.example/medlyt")
    assert url.drivername == "postgresql+psycopg"
    assert "hemmeligt-kodeord" not in shown(url) and "***" in shown(url)
    with pytest.raises(MeetingError) as refused:
        database_url(tmp_path, "mysql://medlyt:hemmeligt-kodeord@db.example/medlyt")
    assert "hemmeligt-kodeord" not in str(refused.value)
    with pytest.raises(MeetingError) as unreadable:
        database_url(tmp_path, "ikke en url med hemmeligt-kodeord")
    assert "hemmeligt-kodeord" not in str(unreadable.value)


def test_without_configuration_the_database_is_the_sqlite_file_in_the_data_directory(tmp_path):
    url = database_url(tmp_path, "  ")
    assert url.get_backend_name() == "sqlite" and url.database == str(tmp_path / "medlyt.sqlite3")


# SQLite cannot reflect the expression index session_notes_one_per_author, so neither SQLAlchemy nor
# Alembic compares it there; shape() reads it with PRAGMA index_list, and
# test_notes_are_one_per_author_and_moment_and_audited_without_content holds it to its rule.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_after_the_revisions_alembic_finds_nothing_left_to_do(tmp_path, kind, request):
    """The database a store upgrades to is the one table definition, as Alembic compares them
    (its autogenerate): the starting point for every revision after 17."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from meetings.db.upgrade import SCHEMA_VERSION, schema_version
    from meetings.store import Store

    url = request.getfixturevalue("postgres_url") if kind == "postgresql" else ""
    Store(tmp_path / "home", database=url, upgrade=True).close()
    engine = make_engine(database_url(tmp_path / "home", url))
    with engine.connect() as conn:
        assert schema_version(conn) == SCHEMA_VERSION == int(MigrationContext.configure(conn).get_current_revision())
        # Procrastinate's tables (central mode's queue, revision 18) are its own, not medlyt's.
        medlyts = {"include_name": lambda name, kind, parents: not (name or "").startswith("procrastinate_")}
        differences = compare_metadata(MigrationContext.configure(conn, opts=medlyts), schema.metadata)
    if kind == "sqlite":
        # Alembic reads SQLite's older declarations (TEXT for sealed values, nullable keys, unnamed
        # foreign keys) as changes; shape() above holds those together. Nothing may be missing.
        differences = [d for d in differences if not isinstance(d, list) and d[0] in (
            "add_table", "remove_table", "add_column", "remove_column", "add_index", "remove_index")]
    assert differences == []
    engine.dispose()


def test_the_schema_version_read_from_the_file_names_is_alembics_head():
    from alembic.script import ScriptDirectory

    from meetings.db.upgrade import REVISIONS, SCHEMA_VERSION

    assert int(ScriptDirectory(str(REVISIONS)).get_current_head()) == SCHEMA_VERSION
