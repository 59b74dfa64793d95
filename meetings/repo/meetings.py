"""Meetings, their participants and consent decisions; and the withdrawal that deletes them."""

import secrets
import sqlite3

from meetings import audit
from meetings.errors import MeetingNotFound, MeetingWithdrawn
from meetings.records import AudioInfo, Bookmark, Consent, Meeting, Participant
from meetings.sealer import Sealer

# Every table with a meeting_id, in the order a withdrawal empties them (children first).
MEETING_TABLES = ("segments", "speech", "speakers", "corrections", "analyses", "flags", "shares",
                  "flag_reviews", "bookmarks", "session_notes", "development_points",
                  "live_sessions", "live_lines", "retention_extensions", "jobs")


def new_id(conn: sqlite3.Connection) -> str:
    # 12 hex characters; never reuse an id, not even one that only a tombstone remembers.
    while True:
        meeting_id = secrets.token_hex(6)
        taken = conn.execute(
            "SELECT 1 FROM meetings WHERE id = ? UNION SELECT 1 FROM audit WHERE meeting_id = ?",
            (meeting_id, meeting_id),
        ).fetchone()
        if not taken:
            return meeting_id


def insert(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str, title: str, created_at: str,
           recorded_by: str | None, delete_after: str) -> None:
    conn.execute(
        "INSERT INTO meetings (id, title, created_at, recorded_by, delete_after) VALUES (?, ?, ?, ?, ?)",
        (meeting_id, sealer.seal("meetings.title", meeting_id, title), created_at, recorded_by, delete_after),
    )


def insert_participant(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str, position: int,
                       participant: Participant, label: str) -> int:
    cursor = conn.execute(
        "INSERT INTO participants (meeting_id, position, role, label, speaks, channel, user)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (meeting_id, position, participant.role, sealer.seal("participants.label", meeting_id, label),
         int(participant.speaks), participant.channel, participant.user),
    )
    return cursor.lastrowid


def insert_consent(conn: sqlite3.Connection, participant_id: int, consent: Consent) -> None:
    conn.execute(
        "INSERT INTO consents (participant_id, given, method, scope, recorded_at) VALUES (?, ?, ?, ?, ?)",
        (participant_id, int(consent.given), consent.method, consent.scope, consent.recorded_at),
    )


def ids_newest_first(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT id FROM meetings ORDER BY created_at DESC, rowid DESC")]


def set_audio(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str, info: AudioInfo, delete_after: str) -> None:
    """The meeting is recorded; its deletion day is never brought forward by it."""
    conn.execute(
        "UPDATE meetings SET audio_path = ?, audio_sample_rate = ?, audio_channels = ?,"
        " audio_duration_s = ?, audio_source_name = ?, status = 'recorded',"
        " delete_after = max(ifnull(delete_after, ''), ?) WHERE id = ?",
        (info.path, info.sample_rate, info.channels, info.duration_s,
         sealer.seal("meetings.audio_source_name", meeting_id, info.source_name), delete_after, meeting_id),
    )


def set_audio_path(conn: sqlite3.Connection, meeting_id: str, path: str) -> None:
    conn.execute("UPDATE meetings SET audio_path = ? WHERE id = ?", (path, meeting_id))


def with_audio_not_ending(conn: sqlite3.Connection, suffix: str) -> list[tuple[str, str]]:
    """(id, audio path) of the meetings whose recording is not (yet) a sealed file."""
    return conn.execute("SELECT id, audio_path FROM meetings WHERE audio_path IS NOT NULL AND audio_path NOT LIKE ?",
                        (f"%{suffix}",)).fetchall()


def set_processed(conn: sqlite3.Connection, meeting_id: str, model: str, model_sha256: str | None,
                  model_revision: str | None, at: str) -> None:
    conn.execute(
        "UPDATE meetings SET model = ?, model_sha256 = ?, model_revision = ?, processed_at = ?, status = 'processed'"
        " WHERE id = ?",
        (model, model_sha256, model_revision, at, meeting_id),
    )


def delete(conn: sqlite3.Connection, meeting_id: str) -> None:
    """Every row of the meeting, in every table; only the audit log keeps its id."""
    for table in MEETING_TABLES:
        conn.execute(f"DELETE FROM {table} WHERE meeting_id = ?", (meeting_id,))
    conn.execute("DELETE FROM consents WHERE participant_id IN (SELECT id FROM participants WHERE meeting_id = ?)",
                 (meeting_id,))
    conn.execute("DELETE FROM participants WHERE meeting_id = ?", (meeting_id,))
    conn.execute("DELETE FROM meetings WHERE id = ?", (meeting_id,))


def load(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str) -> Meeting:
    """The meeting with its participants and their latest consent; MeetingWithdrawn when only
    its tombstone is left, MeetingNotFound when not even that."""
    row = conn.execute(
        "SELECT id, title, created_at, status, audio_path, audio_sample_rate, audio_channels,"
        " audio_duration_s, audio_source_name, model, processed_at, recorded_by, delete_after, model_sha256,"
        " model_revision FROM meetings WHERE id = ?",
        (meeting_id,),
    ).fetchone()
    if row is None:
        tombstone = audit.tombstone(conn, meeting_id)
        if tombstone is not None:
            raise MeetingWithdrawn(meeting_id, *tombstone)
        raise MeetingNotFound(meeting_id)
    (id_, title, created_at, status, audio_path, rate, channels, duration, source_name,
     model, processed_at, recorded_by, delete_after, model_sha256, model_revision) = row
    audio = None
    if audio_path is not None:
        audio = AudioInfo(path=audio_path, sample_rate=rate, channels=channels, duration_s=duration,
                          source_name=sealer.open("meetings.audio_source_name", meeting_id, source_name) or "")
    shared_with = tuple(r[0] for r in conn.execute(
        "SELECT leader FROM shares WHERE meeting_id = ? ORDER BY leader", (meeting_id,)))
    bookmarks = tuple(Bookmark(at_s, by, sealer.open("bookmarks.note", meeting_id, note)) for at_s, by, note in conn.execute(
        "SELECT at_s, by_user, note FROM bookmarks WHERE meeting_id = ? ORDER BY at_s, id", (meeting_id,)))
    return Meeting(id=id_, title=sealer.open("meetings.title", meeting_id, title), created_at=created_at,
                   participants=_participants(conn, sealer, meeting_id),
                   status=status, audio=audio, model=model, model_sha256=model_sha256,
                   model_revision=model_revision, processed_at=processed_at,
                   recorded_by=recorded_by, shared_with=shared_with, bookmarks=bookmarks,
                   delete_after=delete_after)


def _participants(conn: sqlite3.Connection, sealer: Sealer, meeting_id: str) -> list[Participant]:
    participants = []
    for pid, role, label, speaks, channel, user in conn.execute(
        "SELECT id, role, label, speaks, channel, user FROM participants WHERE meeting_id = ? ORDER BY position",
        (meeting_id,),
    ):
        latest = conn.execute(
            "SELECT given, method, recorded_at, scope FROM consents WHERE participant_id = ? ORDER BY id DESC LIMIT 1",
            (pid,),
        ).fetchone()
        consent = None
        if latest is not None:
            given, method, recorded_at, scope = latest
            consent = Consent(given=bool(given), method=method, recorded_at=recorded_at, scope=scope)
        participants.append(Participant(role=role, label=sealer.open("participants.label", meeting_id, label),
                                        speaks=bool(speaks), consent=consent, id=pid, channel=channel, user=user))
    return participants
