"""Recordings in progress: the recorder's heartbeat, the dashboard's stop request, and the lines
the live path heard (dropped when the full pass saves the transcript)."""

import sqlite3
import time

from meetings.records import LiveLine, LiveSession
from meetings.sealer import Sealer


def start(conn: sqlite3.Connection, meeting_id: str, live: bool, at: str) -> None:
    clear_lines(conn, meeting_id)
    conn.execute("INSERT OR REPLACE INTO live_sessions (meeting_id, live, status, started_at, heartbeat)"
                 " VALUES (?, ?, 'recording', ?, ?)", (meeting_id, int(live), at, time.time()))


def heartbeat(conn: sqlite3.Connection, meeting_id: str, elapsed_s: float, overflows: int) -> bool | None:
    """Whether a stop was asked for; None when the recording has no session (withdrawn)."""
    updated = conn.execute("UPDATE live_sessions SET elapsed_s = ?, heartbeat = ?, overflows = ? WHERE meeting_id = ?",
                           (round(elapsed_s, 2), time.time(), overflows, meeting_id)).rowcount
    if not updated:
        return None
    return bool(conn.execute("SELECT stop_requested FROM live_sessions WHERE meeting_id = ?",
                             (meeting_id,)).fetchone()[0])


def request_stop(conn: sqlite3.Connection, meeting_id: str) -> bool:
    """True when a recording was running to be asked."""
    return conn.execute("UPDATE live_sessions SET stop_requested = 1 WHERE meeting_id = ? AND status = 'recording'",
                        (meeting_id,)).rowcount > 0


def end(conn: sqlite3.Connection, meeting_id: str) -> None:
    conn.execute("UPDATE live_sessions SET status = 'stopped', heartbeat = ? WHERE meeting_id = ?",
                 (time.time(), meeting_id))


def add_line(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str, line: LiveLine) -> None:
    if conn.execute("SELECT 1 FROM live_sessions WHERE meeting_id = ?", (meeting_id,)).fetchone() is None:
        return  # withdrawn while the line was being transcribed: keep nothing
    conn.execute('INSERT INTO live_lines (meeting_id, start, "end", speaker, role, text, delay_s)'
                 " VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (meeting_id, line.start, line.end, line.speaker, line.role,
                  sealer.seal("live_lines.text", meeting_id, line.text), line.delay_s))


def clear_lines(conn: sqlite3.Connection, meeting_id: str) -> None:
    conn.execute("DELETE FROM live_lines WHERE meeting_id = ?", (meeting_id,))


def session(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str, last_lines: int | None) -> LiveSession | None:
    row = conn.execute("SELECT meeting_id, live, status, started_at, elapsed_s, heartbeat, stop_requested,"
                       " overflows FROM live_sessions WHERE meeting_id = ?", (meeting_id,)).fetchone()
    if row is None:
        return None
    limit = -1 if last_lines is None else last_lines
    lines = conn.execute('SELECT start, "end", speaker, text, role, delay_s FROM live_lines'
                         " WHERE meeting_id = ? ORDER BY start DESC, id DESC LIMIT ?", (meeting_id, limit)).fetchall()
    meeting_id, live, status, started_at, elapsed, beat, stop, overflows = row
    return LiveSession(meeting_id, bool(live), status, started_at, elapsed, beat, bool(stop), overflows,
                       tuple(LiveLine(start, end, speaker, sealer.open("live_lines.text", meeting_id, text), role, delay)
                             for start, end, speaker, text, role, delay in reversed(lines)))


def recording_now(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT meeting_id FROM live_sessions WHERE status = 'recording'"
                                       " ORDER BY started_at")]
