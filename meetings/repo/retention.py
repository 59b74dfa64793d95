"""How long meetings are kept: the organisation's period, each meeting's deletion day, and the
extensions a leader gave with a reason (meetings/retention.py holds the rules)."""

import sqlite3

from meetings import retention
from meetings.repo import settings
from meetings.sealer import Sealer

RETENTION_DAYS = "retention_days"


def days(conn: sqlite3.Connection) -> int:
    value = settings.get(conn, RETENTION_DAYS)
    return int(value) if value is not None else retention.DEFAULT_DAYS


def set_days(conn: sqlite3.Connection, value: int) -> None:
    settings.put(conn, RETENTION_DAYS, str(value))


def deletion_date(conn: sqlite3.Connection) -> str:
    """The deletion day of a meeting created or recorded today."""
    return retention.deletion_date(retention.today(), days(conn))


def set_delete_after(conn: sqlite3.Connection, meeting_id: str, day: str) -> None:
    conn.execute("UPDATE meetings SET delete_after = ? WHERE id = ?", (day, meeting_id))


def due(conn: sqlite3.Connection, on: str) -> list[str]:
    return [r[0] for r in conn.execute("SELECT id FROM meetings WHERE delete_after <= ? ORDER BY delete_after, id",
                                       (on,))]


def add_extension(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str, until: str, reason: str, by: str | None,
                  at: str) -> None:
    conn.execute("INSERT INTO retention_extensions (meeting_id, until, reason, by_user, at) VALUES (?, ?, ?, ?, ?)",
                 (meeting_id, until, sealer.seal("retention_extensions.reason", meeting_id, reason), by, at))


def extensions(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str) -> list[tuple[str, str, str | None, str]]:
    return [(until, sealer.open("retention_extensions.reason", meeting_id, reason), by, at)
            for until, reason, by, at in conn.execute("SELECT until, reason, by_user, at FROM retention_extensions"
                                                      " WHERE meeting_id = ? ORDER BY id", (meeting_id,))]
