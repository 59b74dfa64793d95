"""The audit trail: what happened to which meeting, when. Never content (no title, no text),
so the trail may outlive a withdrawn meeting as its tombstone."""

import sqlite3
from dataclasses import dataclass

MEETING_CREATED = "meeting_created"
CONSENT_GIVEN = "consent_given"
CONSENT_REFUSED = "consent_refused"  # an initial decision of "no", recorded at creation
AUDIO_ATTACHED = "audio_attached"
TRANSCRIPT_SAVED = "transcript_saved"
WITHDRAWN = "withdrawn"
SPEAKERS_CORRECTED = "speakers_corrected"
VOICE_ENROLLED = "voice_enrolled"
VOICE_DELETED = "voice_deleted"
ANALYSED = "analysed"
USER_ADDED = "user_added"
USER_REMOVED = "user_removed"
PASSWORD_CHANGED = "password_changed"
LOGIN = "login"
LOGIN_FAILED = "login_failed"
SHARED = "shared"
UNSHARED = "unshared"
VIEWED = "viewed"
EXPORTED = "exported"
FLAG_REVIEWED = "flag_reviewed"
BOOKMARKED = "bookmarked"
RECORDING_STARTED = "recording_started"
STOP_REQUESTED = "stop_requested"
SESSION_NOTE_SAVED = "session_note_saved"
DEVELOPMENT_POINT_ADDED = "development_point_added"
DEVELOPMENT_POINT_REMOVED = "development_point_removed"


@dataclass(frozen=True)
class AuditEntry:
    at: str  # ISO 8601, UTC
    action: str
    meeting_id: str | None
    detail: str  # codes and counts only, e.g. "role=borger method=verbal"
    user: str | None = None  # who did it, when a user did (the dashboard's login)


def write(conn: sqlite3.Connection, at: str, action: str, meeting_id: str | None, detail: str = "",
          user: str | None = None) -> None:
    conn.execute(
        "INSERT INTO audit (at, action, meeting_id, detail, user) VALUES (?, ?, ?, ?, ?)",
        (at, action, meeting_id, detail, user),
    )


def read(conn: sqlite3.Connection, meeting_id: str | None = None) -> list[AuditEntry]:
    sql = "SELECT at, action, meeting_id, detail, user FROM audit"
    args: tuple = ()
    if meeting_id is not None:
        sql += " WHERE meeting_id = ?"
        args = (meeting_id,)
    return [AuditEntry(*row) for row in conn.execute(sql + " ORDER BY id", args)]


def withdrawal_time(conn: sqlite3.Connection, meeting_id: str) -> str | None:
    """When the meeting was withdrawn, if it was: the tombstone is how we recognise the id."""
    row = conn.execute(
        "SELECT at FROM audit WHERE meeting_id = ? AND action = ? ORDER BY id DESC LIMIT 1",
        (meeting_id, WITHDRAWN),
    ).fetchone()
    return row[0] if row else None
