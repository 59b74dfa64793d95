"""Moving a pilot's data from one database to another (SQLite to PostgreSQL): every row of every
table, as stored. Sealed values are copied sealed (the key is the same; a seal binds a value to
its field and owner, not to the database), so nothing is opened on the way, and the audit chain
arrives link by link, in order, as its append-only triggers demand."""

from dataclasses import dataclass

from sqlalchemy import Connection, LargeBinary, func, select, text

from meetings.db import schema
from meetings.db.upgrade import schema_version
from meetings.errors import MeetingError

BATCH = 500


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int


def counts(conn: Connection) -> dict[str, int]:
    return {table.name: conn.execute(select(func.count()).select_from(table)).scalar()
            for table in schema.metadata.sorted_tables}


def copy_all(source: Connection, target: Connection) -> list[Copied]:
    """Copy every table (parents before children) into an up-to-date, empty target, in the
    target's transaction; the counts are compared before it commits."""
    if schema_version(source) != schema_version(target):
        raise MeetingError("Kilden og målet har ikke samme skema. Opdatér begge med medlyt db upgrade først.")
    occupied = [name for name, n in counts(target).items() if n and name != "settings"]
    if occupied:
        raise MeetingError(f"Måldatabasen har allerede data (fx i {occupied[0]}); medlyt kopierer kun til en tom "
                           "database, så intet blandes eller overskrives.")
    # The target's own key check and audit start (written by its upgrade) give way to the source's.
    target.execute(schema.settings.delete())
    copied = []
    for table in schema.metadata.sorted_tables:
        order = [column for column in table.primary_key.columns] or list(table.columns)
        rows = source.execute(select(table).order_by(*order)).mappings()
        total = 0
        binary = [column.name for column in table.columns if isinstance(column.type, LargeBinary)]
        while batch := rows.fetchmany(BATCH):
            target.execute(table.insert(), [_as_stored(dict(row), binary) for row in batch])
            total += len(batch)
        copied.append(Copied(table.name, total))
    if target.dialect.name == "postgresql":
        _continue_sequences(target)
    mismatched = [c.table for c in copied if counts(target)[c.table] != c.rows]
    if mismatched:
        raise MeetingError(f"Tællingen passer ikke efter kopieringen ({mismatched[0]}); intet er gemt i målet.")
    return copied


def _as_stored(row: dict, binary: list[str]) -> dict:
    # An older SQLite file kept some byte columns' values as TEXT (text settings): UTF-8 bytes.
    for name in binary:
        if isinstance(row[name], str):
            row[name] = row[name].encode()
    return row


def _continue_sequences(conn: Connection) -> None:
    """Ids were copied as they were: each serial column's sequence continues after the highest."""
    for table in schema.metadata.sorted_tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (column.autoincrement == "auto" and len(table.primary_key.columns) == 1
                                                and column.type.python_type is int):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'),"
                                  f" coalesce((SELECT max({column.name}) FROM {table.name}), 0) + 1, false)"))

