"""How long meetings are kept: the organisation's period, each meeting's deletion day, and the
extensions a leader gave with a reason (meetings/retention.py holds the rules)."""

from sqlalchemy import Connection, select, update

from meetings import retention
from meetings.db import schema
from meetings.repo import settings
from meetings.sealer import Sealer

RETENTION_DAYS = "retention_days"


def days(conn: Connection) -> int:
    value = settings.get(conn, RETENTION_DAYS)
    return int(value) if value is not None else retention.DEFAULT_DAYS


def set_days(conn: Connection, value: int) -> None:
    settings.put(conn, RETENTION_DAYS, str(value))


def deletion_date(conn: Connection) -> str:
    """The deletion day of a meeting created or recorded today."""
    return retention.deletion_date(retention.today(), days(conn))


def set_delete_after(conn: Connection, meeting_id: str, day: str) -> None:
    m = schema.meetings
    conn.execute(update(m).where(m.c.id == meeting_id).values(delete_after=day))


def due(conn: Connection, on: str) -> list[str]:
    m = schema.meetings
    return list(conn.scalars(select(m.c.id).where(m.c.delete_after <= on).order_by(m.c.delete_after, m.c.id)))


def add_extension(conn: Connection, sealer: Sealer, meeting_id: str, until: str, reason: str, by: str | None,
                  at: str) -> None:
    conn.execute(schema.retention_extensions.insert().values(
        meeting_id=meeting_id, until=until, reason=sealer.seal("retention_extensions.reason", meeting_id, reason),
        by_user=by, at=at))


def extensions(conn: Connection, sealer: Sealer, meeting_id: str) -> list[tuple[str, str, str | None, str]]:
    r = schema.retention_extensions
    return [(until, sealer.open("retention_extensions.reason", meeting_id, reason), by, at)
            for until, reason, by, at in conn.execute(
                select(r.c.until, r.c.reason, r.c.by_user, r.c.at).where(r.c.meeting_id == meeting_id)
                .order_by(r.c.id))]
