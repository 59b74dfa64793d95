"""The settings kept in the database (retention period, key check, where the keyed audit chain
begins): one row per key. Values are bytes: sealed ones as they are, text as UTF-8."""

from sqlalchemy import Connection, select

from meetings.db import schema, upsert


def get(conn: Connection, key: str) -> bytes | None:
    value = conn.execute(select(schema.settings.c.value).where(schema.settings.c.key == key)).scalar()
    return value.encode() if isinstance(value, str) else value  # an older file stored text settings as TEXT


def put(conn: Connection, key: str, value: bytes | str) -> None:
    upsert.replace(conn, schema.settings, ("key",), key=key, value=value.encode() if isinstance(value, str) else value)
