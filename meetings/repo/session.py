"""The feedback session: reviews of flagged moments, the participants' notes, the agreed
development points, and the observer's bookmarks."""

import sqlite3

from meetings.records import DevelopmentPoint, FlagReview, SessionNote
from meetings.sealer import Sealer


def save_review(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str, kind: str, start_ms: int, status: str,
                note: str, by: str | None, at: str) -> None:
    conn.execute("INSERT OR REPLACE INTO flag_reviews (meeting_id, kind, start_ms, status, note, by_user, at)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (meeting_id, kind, start_ms, status, sealer.seal("flag_reviews.note", meeting_id, note), by, at))


def clear_review(conn: sqlite3.Connection, meeting_id: str, kind: str, start_ms: int) -> bool:
    return conn.execute("DELETE FROM flag_reviews WHERE meeting_id = ? AND kind = ? AND start_ms = ?",
                        (meeting_id, kind, start_ms)).rowcount > 0


def reviews(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str) -> dict[tuple[str, int], FlagReview]:
    rows = conn.execute("SELECT kind, start_ms, status, note, by_user, at FROM flag_reviews WHERE meeting_id = ?",
                        (meeting_id,)).fetchall()
    return {(kind, start_ms): FlagReview(status, sealer.open("flag_reviews.note", meeting_id, note), by, at)
            for kind, start_ms, status, note, by, at in rows}


def replace_note(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str, kind: str | None, start_ms: int | None,
                 author: str, text: str, by: str | None, at: str) -> None:
    """The author's note at the moment becomes `text` (none when it is empty)."""
    conn.execute("DELETE FROM session_notes WHERE meeting_id = ? AND kind IS ? AND start_ms IS ? AND author = ?",
                 (meeting_id, kind, start_ms, author))
    if text:
        conn.execute("INSERT INTO session_notes (meeting_id, kind, start_ms, author, text, by_user, at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (meeting_id, kind, start_ms, author, sealer.seal("session_notes.text", meeting_id, text), by, at))


def notes(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str) -> dict[tuple[tuple[str, int] | None, str], SessionNote]:
    rows = conn.execute("SELECT kind, start_ms, author, text, by_user, at FROM session_notes"
                        " WHERE meeting_id = ? ORDER BY start_ms, kind, author", (meeting_id,)).fetchall()
    found = {}
    for kind, start_ms, author, text, by, at in rows:
        moment = (kind, start_ms) if kind is not None else None
        found[(moment, author)] = SessionNote(moment, author, sealer.open("session_notes.text", meeting_id, text), by, at)
    return found


def add_point(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str, text: str, by: str | None,
              at: str) -> DevelopmentPoint:
    position = conn.execute("SELECT ifnull(max(position), 0) + 1 FROM development_points WHERE meeting_id = ?",
                            (meeting_id,)).fetchone()[0]
    cursor = conn.execute("INSERT INTO development_points (meeting_id, position, text, by_user, at) VALUES (?, ?, ?, ?, ?)",
                          (meeting_id, position, sealer.seal("development_points.text", meeting_id, text), by, at))
    return DevelopmentPoint(cursor.lastrowid, position, text, by, at)


def remove_point(conn: sqlite3.Connection, meeting_id: str, point_id: int) -> int | None:
    """The removed point's position, or None when the meeting has no such point."""
    row = conn.execute("SELECT position FROM development_points WHERE meeting_id = ? AND id = ?",
                       (meeting_id, point_id)).fetchone()
    if row is None:
        return None
    conn.execute("DELETE FROM development_points WHERE id = ?", (point_id,))
    return row[0]


def points(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str) -> list[DevelopmentPoint]:
    rows = conn.execute("SELECT id, position, text, by_user, at FROM development_points"
                        " WHERE meeting_id = ? ORDER BY position, id", (meeting_id,)).fetchall()
    return [DevelopmentPoint(id_, position, sealer.open("development_points.text", meeting_id, text), by, at)
            for id_, position, text, by, at in rows]


def add_bookmark(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str, at_s: float, by: str | None, note: str,
                 at: str) -> None:
    conn.execute("INSERT INTO bookmarks (meeting_id, at_s, by_user, note, created_at) VALUES (?, ?, ?, ?, ?)",
                 (meeting_id, round(at_s, 2), by, sealer.seal("bookmarks.note", meeting_id, note), at))
