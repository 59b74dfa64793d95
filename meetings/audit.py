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


@dataclass(frozen=True)
class AuditEntry:
    at: str  # ISO 8601, UTC
    action: str
    meeting_id: str | None
    detail: str  # codes and counts only, e.g. "role=borger method=verbal"


def write(conn: sqlite3.Connection, at: str, action: str, meeting_id: str | None, detail: str = "") -> None:
    conn.execute(
        "INSERT INTO audit (at, action, meeting_id, detail) VALUES (?, ?, ?, ?)",
        (at, action, meeting_id, detail),
    )


def read(conn: sqlite3.Connection, meeting_id: str | None = None) -> list[AuditEntry]:
    sql = "SELECT at, action, meeting_id, detail FROM audit"
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
