"""Insert-or-replace and insert-or-ignore, which SQL spells differently per database: both
SQLite and PostgreSQL say it as INSERT ... ON CONFLICT, through their own SQLAlchemy dialects."""

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def _insert(conn: Connection, table: Table):
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def replace(conn: Connection, table: Table, keys: tuple[str, ...], **values) -> None:
    """The row with these key values becomes `values` (every other column as given)."""
    statement = _insert(conn, table).values(**values)
    changed = {name: statement.excluded[name] for name in values if name not in keys}
    conn.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=changed))


def ignore(conn: Connection, table: Table, keys: tuple[str, ...], **values) -> None:
    """Insert the row unless one with these key values exists."""
    conn.execute(_insert(conn, table).values(**values).on_conflict_do_nothing(index_elements=list(keys)))
