"""Recordings in progress: the recorder's heartbeat, the dashboard's stop request, and the lines
the live path heard (dropped when the full pass saves the transcript)."""

import time

from sqlalchemy import Connection, delete, literal, select, update

from meetings.db import schema, upsert
from meetings.records import LiveLine, LiveSession
from meetings.sealer import Sealer

sessions = schema.live_sessions
lines_table = schema.live_lines


def start(conn: Connection, meeting_id: str, live: bool, at: str) -> None:
    clear_lines(conn, meeting_id)
    upsert.replace(conn, sessions, ("meeting_id",), meeting_id=meeting_id, live=int(live), status="recording",
                   started_at=at, heartbeat=time.time(), elapsed_s=0, stop_requested=0, overflows=0)


def heartbeat(conn: Connection, meeting_id: str, elapsed_s: float, overflows: int) -> bool | None:
    """Whether a stop was asked for; None when the recording has no session (withdrawn)."""
    stop = conn.execute(update(sessions).where(sessions.c.meeting_id == meeting_id)
                        .values(elapsed_s=round(elapsed_s, 2), heartbeat=time.time(), overflows=overflows)
                        .returning(sessions.c.stop_requested)).first()
    return None if stop is None else bool(stop[0])


def request_stop(conn: Connection, meeting_id: str) -> bool:
    """True when a recording was running to be asked."""
    return conn.execute(update(sessions).where(sessions.c.meeting_id == meeting_id, sessions.c.status == "recording")
                        .values(stop_requested=1)).rowcount > 0


def end(conn: Connection, meeting_id: str) -> None:
    conn.execute(update(sessions).where(sessions.c.meeting_id == meeting_id)
                 .values(status="stopped", heartbeat=time.time()))


def add_line(conn: Connection, sealer: Sealer, meeting_id: str, line: LiveLine) -> None:
    if conn.execute(select(literal(1)).where(sessions.c.meeting_id == meeting_id)).first() is None:
        return  # withdrawn while the line was being transcribed: keep nothing
    conn.execute(lines_table.insert().values(
        meeting_id=meeting_id, start=line.start, end=line.end, speaker=line.speaker, role=line.role,
        text=sealer.seal("live_lines.text", meeting_id, line.text), delay_s=line.delay_s))


def clear_lines(conn: Connection, meeting_id: str) -> None:
    conn.execute(delete(lines_table).where(lines_table.c.meeting_id == meeting_id))


def session(conn: Connection, sealer: Sealer, meeting_id: str, last_lines: int | None) -> LiveSession | None:
    s, ln = sessions, lines_table
    row = conn.execute(select(s.c.meeting_id, s.c.live, s.c.status, s.c.started_at, s.c.elapsed_s, s.c.heartbeat,
                              s.c.stop_requested, s.c.overflows).where(s.c.meeting_id == meeting_id)).first()
    if row is None:
        return None
    newest = (select(ln.c.start, ln.c.end, ln.c.speaker, ln.c.text, ln.c.role, ln.c.delay_s)
              .where(ln.c.meeting_id == meeting_id).order_by(ln.c.start.desc(), ln.c.id.desc()))
    if last_lines is not None:
        newest = newest.limit(last_lines)
    lines = conn.execute(newest).all()
    meeting_id, live, status, started_at, elapsed, beat, stop, overflows = row
    return LiveSession(meeting_id, bool(live), status, started_at, elapsed, beat, bool(stop), overflows,
                       tuple(LiveLine(start, end, speaker, sealer.open("live_lines.text", meeting_id, text), role, delay)
                             for start, end, speaker, text, role, delay in reversed(lines)))


def recording_now(conn: Connection) -> list[str]:
    return list(conn.scalars(select(sessions.c.meeting_id).where(sessions.c.status == "recording")
                             .order_by(sessions.c.started_at)))
