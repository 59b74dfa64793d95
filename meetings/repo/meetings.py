"""Meetings, their participants and consent decisions; and the withdrawal that deletes them."""

import secrets
from collections import defaultdict
from typing import NoReturn

from sqlalchemy import Connection, case, delete as delete_rows, func, literal, select, union, update

from meetings import audit
from meetings.db import schema
from meetings.errors import MeetingNotFound, MeetingWithdrawn
from meetings.records import AudioInfo, Bookmark, Consent, Meeting, Participant
from meetings.sealer import Sealer

# Every table with a meeting_id, in the order a withdrawal empties them (children first).
MEETING_TABLES = ("segments", "speech", "speakers", "corrections", "analyses", "flags", "shares",
                  "flag_reviews", "bookmarks", "session_notes", "development_points",
                  "live_sessions", "live_lines", "retention_extensions", "jobs")

meetings = schema.meetings


def new_id(conn: Connection) -> str:
    # 12 hex characters; never reuse an id, not even one that only a tombstone remembers.
    while True:
        meeting_id = secrets.token_hex(6)
        taken = conn.execute(union(
            select(literal(1)).where(meetings.c.id == meeting_id),
            select(literal(1)).where(schema.audit.c.meeting_id == meeting_id),
        )).first()
        if not taken:
            return meeting_id


def insert(conn: Connection, sealer: Sealer, meeting_id: str, title: str, created_at: str,
           recorded_by: str | None, delete_after: str) -> None:
    seq = select(func.coalesce(func.max(meetings.c.seq), 0) + 1).scalar_subquery()
    conn.execute(meetings.insert().values(
        id=meeting_id, title=sealer.seal("meetings.title", meeting_id, title), created_at=created_at,
        recorded_by=recorded_by, delete_after=delete_after, seq=seq))


def insert_participant(conn: Connection, sealer: Sealer, meeting_id: str, position: int,
                       participant: Participant, label: str) -> int:
    result = conn.execute(schema.participants.insert().values(
        meeting_id=meeting_id, position=position, role=participant.role,
        label=sealer.seal("participants.label", meeting_id, label), speaks=int(participant.speaks),
        channel=participant.channel, user=participant.user))
    return result.inserted_primary_key[0]


def insert_consent(conn: Connection, participant_id: int, consent: Consent) -> None:
    conn.execute(schema.consents.insert().values(
        participant_id=participant_id, given=int(consent.given), method=consent.method, scope=consent.scope,
        recorded_at=consent.recorded_at))


def ids_newest_first(conn: Connection) -> list[str]:
    return list(conn.scalars(select(meetings.c.id).order_by(meetings.c.created_at.desc(), meetings.c.seq.desc())))


def existing(conn: Connection, ids: list[str]) -> list[str]:
    """Those of `ids` that are meetings (not withdrawn, not unknown)."""
    return list(conn.scalars(select(meetings.c.id).where(meetings.c.id.in_(ids))))


def set_audio(conn: Connection, sealer: Sealer, meeting_id: str, info: AudioInfo, delete_after: str) -> None:
    """The meeting is recorded; its deletion day is never brought forward by it."""
    later = func.coalesce(meetings.c.delete_after, "") < delete_after
    kept_or_later = case((later, delete_after), else_=meetings.c.delete_after)
    conn.execute(update(meetings).where(meetings.c.id == meeting_id).values(
        audio_path=info.path, audio_sample_rate=info.sample_rate, audio_channels=info.channels,
        audio_duration_s=info.duration_s,
        audio_source_name=sealer.seal("meetings.audio_source_name", meeting_id, info.source_name),
        status="recorded", delete_after=kept_or_later))


def set_audio_path(conn: Connection, meeting_id: str, path: str) -> None:
    conn.execute(update(meetings).where(meetings.c.id == meeting_id).values(audio_path=path))


def with_audio_not_ending(conn: Connection, suffix: str) -> list[tuple[str, str]]:
    """(id, audio path) of the meetings whose recording is not (yet) a sealed file."""
    return [tuple(row) for row in conn.execute(
        select(meetings.c.id, meetings.c.audio_path).where(
            meetings.c.audio_path.is_not(None), meetings.c.audio_path.not_like(f"%{suffix}")))]


def set_processed(conn: Connection, meeting_id: str, model: str, model_sha256: str | None,
                  model_revision: str | None, at: str) -> None:
    conn.execute(update(meetings).where(meetings.c.id == meeting_id).values(
        model=model, model_sha256=model_sha256, model_revision=model_revision, processed_at=at,
        status="processed"))


def delete(conn: Connection, meeting_id: str) -> None:
    """Every row of the meeting, in every table; only the audit log keeps its id."""
    for name in MEETING_TABLES:
        table = schema.metadata.tables[name]
        conn.execute(delete_rows(table).where(table.c.meeting_id == meeting_id))
    participants = select(schema.participants.c.id).where(schema.participants.c.meeting_id == meeting_id)
    conn.execute(delete_rows(schema.consents).where(schema.consents.c.participant_id.in_(participants)))
    conn.execute(delete_rows(schema.participants).where(schema.participants.c.meeting_id == meeting_id))
    conn.execute(delete_rows(meetings).where(meetings.c.id == meeting_id))


def load(conn: Connection, sealer: Sealer, meeting_id: str) -> Meeting:
    """The meeting with its participants and their latest consent; MeetingWithdrawn when only
    its tombstone is left, MeetingNotFound when not even that."""
    found = load_many(conn, sealer, [meeting_id])
    if not found:
        _missing(conn, meeting_id)
    return found[0]


def require(conn: Connection, meeting_id: str) -> None:
    """What load raises for a meeting that is not here, with one query instead of loading it
    (five queries and every sealed value opened) only to throw it away."""
    if conn.scalar(select(meetings.c.id).where(meetings.c.id == meeting_id)) is None:
        _missing(conn, meeting_id)


def _missing(conn: Connection, meeting_id: str) -> NoReturn:
    tombstone = audit.tombstone(conn, meeting_id)
    if tombstone is not None:
        raise MeetingWithdrawn(meeting_id, *tombstone)
    raise MeetingNotFound(meeting_id)


def chunks(ids: list[str], size: int = 500):
    """Ids a few hundred at a time: an IN list stays within every SQLite's limit on parameters."""
    for at in range(0, len(ids), size):
        yield ids[at:at + size]


def load_many(conn: Connection, sealer: Sealer, meeting_ids: list[str]) -> list[Meeting]:
    """These meetings (the ones that exist), in the order asked, read with five queries per few
    hundred meetings rather than several per meeting: the Møder page lists them all."""
    rows, shared, marks, people, consents = {}, defaultdict(list), defaultdict(list), defaultdict(list), {}
    m, s, b, p, c = meetings, schema.shares, schema.bookmarks, schema.participants, schema.consents
    for ids in chunks(meeting_ids):
        rows.update((row["id"], row) for row in conn.execute(select(m).where(m.c.id.in_(ids))).mappings())
        for meeting_id, leader in conn.execute(select(s.c.meeting_id, s.c.leader).where(s.c.meeting_id.in_(ids))
                                               .order_by(s.c.meeting_id, s.c.leader)):
            shared[meeting_id].append(leader)
        for meeting_id, at_s, by, note in conn.execute(
                select(b.c.meeting_id, b.c.at_s, b.c.by_user, b.c.note).where(b.c.meeting_id.in_(ids))
                .order_by(b.c.meeting_id, b.c.at_s, b.c.id)):
            marks[meeting_id].append(Bookmark(at_s, by, sealer.open("bookmarks.note", meeting_id, note)))
        for row in conn.execute(select(p.c.meeting_id, p.c.id, p.c.role, p.c.label, p.c.speaks, p.c.channel,
                                       p.c.user).where(p.c.meeting_id.in_(ids)).order_by(p.c.meeting_id, p.c.position)):
            people[row.meeting_id].append(row)
        for pid, given, method, recorded_at, scope in conn.execute(  # oldest first: the last one stays
                select(c.c.participant_id, c.c.given, c.c.method, c.c.recorded_at, c.c.scope)
                .join(p, p.c.id == c.c.participant_id).where(p.c.meeting_id.in_(ids)).order_by(c.c.id)):
            consents[pid] = Consent(given=bool(given), method=method, recorded_at=recorded_at, scope=scope)
    return [_meeting(sealer, rows[meeting_id], tuple(shared[meeting_id]), tuple(marks[meeting_id]),
                     [_participant(sealer, meeting_id, row, consents.get(row.id)) for row in people[meeting_id]])
            for meeting_id in meeting_ids if meeting_id in rows]


def _meeting(sealer: Sealer, row, shared_with: tuple, bookmarks: tuple, participants: list[Participant]) -> Meeting:
    meeting_id = row["id"]
    audio = None
    if row["audio_path"] is not None:
        audio = AudioInfo(path=row["audio_path"], sample_rate=row["audio_sample_rate"],
                          channels=row["audio_channels"], duration_s=row["audio_duration_s"],
                          source_name=sealer.open("meetings.audio_source_name", meeting_id,
                                                  row["audio_source_name"]) or "")
    return Meeting(id=meeting_id, title=sealer.open("meetings.title", meeting_id, row["title"]),
                   created_at=row["created_at"], participants=participants,
                   status=row["status"], audio=audio, model=row["model"], model_sha256=row["model_sha256"],
                   model_revision=row["model_revision"], processed_at=row["processed_at"],
                   recorded_by=row["recorded_by"], shared_with=shared_with, bookmarks=bookmarks,
                   delete_after=row["delete_after"])


def _participant(sealer: Sealer, meeting_id: str, row, consent: Consent | None) -> Participant:
    return Participant(role=row.role, label=sealer.open("participants.label", meeting_id, row.label),
                       speaks=bool(row.speaks), consent=consent, id=row.id, channel=row.channel, user=row.user)
