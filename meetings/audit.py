"""The audit trail: what happened to which meeting, when. Never content (no title, no text),
so the trail may outlive a withdrawn meeting as its tombstone.

The trail is append-only and tamper-evident. Each entry holds the hash of the entry before it
(`prev_hash`; 64 zeros for the first) and its own `hash`: HMAC-SHA-256, under a key derived from
the encryption key, over the canonical JSON of [id, at, action, meeting_id, detail, user,
prev_hash]. Changing, removing, inserting or reordering an entry therefore breaks the chain, and
`check_chain` says where; without the key, nobody can compute a hash that fits. The store's triggers
refuse UPDATE and DELETE on the table, and an INSERT that does not extend the chain at its end.

Entries from before the chain was keyed (`keyed_from`, which the store keeps sealed so it cannot
be moved) carry a plain SHA-256 of the same JSON: those can be recomputed by anyone, as before.
What no chain in the file shows: entries cut off the end, or a change by someone who has the key.
"""

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select, text

from meetings.db import schema

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
LOGOUT = "logout"  # a dashboard login ended: logged out, idle, too old
SHARED = "shared"
UNSHARED = "unshared"
VIEWED = "viewed"
EXPORTED = "exported"
FLAG_REVIEWED = "flag_reviewed"
FLAG_REVIEW_CLEARED = "flag_review_cleared"
BOOKMARKED = "bookmarked"
RETENTION_SET = "retention_set"
RETENTION_EXTENDED = "retention_extended"
RECORDING_STARTED = "recording_started"
STOP_REQUESTED = "stop_requested"
SESSION_NOTE_SAVED = "session_note_saved"
DEVELOPMENT_POINT_ADDED = "development_point_added"
DEVELOPMENT_POINT_REMOVED = "development_point_removed"
TEXT_CORRECTED = "text_corrected"
JOB_QUEUED = "job_queued"
JOB_FAILED = "job_failed"
AUDIT_VIEWED = "audit_viewed"
AUDIT_VERIFIED = "audit_verified"
ORPHAN_AUDIO_REMOVED = "orphan_audio_removed"  # a sweep removed audio files no meeting owned
MEETING_PUSHED = "meeting_pushed"  # a laptop handed the meeting in to the centre and deleted its copy
MEETING_RECEIVED = "meeting_received"  # the centre took a meeting in from a laptop (`medlyt push`)

GENESIS = "0" * 64  # the prev_hash of the first entry
# The triggers that keep the table append-only (created by the store's migration 8).
TRIGGERS = ("audit_append_only_insert", "audit_append_only_update", "audit_append_only_delete")
# PostgreSQL's advisory lock for appends (any constant; this one spells "medlyt" in ASCII).
APPEND_LOCK = 0x6D65646C7974
table = schema.audit


@dataclass(frozen=True)
class AuditEntry:
    at: str  # ISO 8601, UTC
    action: str
    meeting_id: str | None
    detail: str  # codes and counts only, e.g. "role=borger method=verbal"
    user: str | None = None  # who did it, when a user did (the dashboard's login)


@dataclass(frozen=True)
class Record:
    """An entry as stored: its place in the log and its link in the chain."""
    id: int
    at: str
    action: str
    meeting_id: str | None
    detail: str
    user: str | None
    prev_hash: str | None
    hash: str | None

    @property
    def entry(self) -> AuditEntry:
        return AuditEntry(self.at, self.action, self.meeting_id, self.detail, self.user)


@dataclass(frozen=True)
class Problem:
    """A break in the chain: which entry (None for the log as a whole), what kind, and why in Danish."""
    entry_id: int | None
    kind: str  # "changed", "removed", "reordered", "broken_link", "unchained", "unprotected"
    message: str

    def __str__(self) -> str:
        where = f"Post {self.entry_id}" if self.entry_id is not None else "Loggen"
        return f"{where}: {self.message}"


def entry_hash(entry_id: int, at: str, action: str, meeting_id: str | None, detail: str, user: str | None,
               prev_hash: str, key: bytes | None = None) -> str:
    """HMAC-SHA-256 under `key` (hex) of the entry's canonical encoding: a JSON list, UTF-8, no
    spaces; plain SHA-256 without a key (entries from before the chain was keyed)."""
    canonical = json.dumps([entry_id, at, action, meeting_id, detail, user, prev_hash],
                           ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if key is None:
        return hashlib.sha256(canonical).hexdigest()
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Keying:
    """How the chain is hashed: entries from id `keyed_from` on with HMAC under `key`."""
    key: bytes
    keyed_from: int

    def key_for(self, entry_id: int) -> bytes | None:
        return self.key if entry_id >= self.keyed_from else None


def record_hash(record: Record, keying: Keying) -> str:
    """The hash the record should carry, given its content and its stored prev_hash."""
    return entry_hash(record.id, record.at, record.action, record.meeting_id, record.detail, record.user,
                      record.prev_hash or "", keying.key_for(record.id))


def write(conn: Connection, key: bytes, at: str, action: str, meeting_id: str | None, detail: str = "",
          user: str | None = None) -> None:
    """Append an entry to the chain. Must run inside a write transaction, in which appends are
    one at a time: SQLite's BEGIN IMMEDIATE holds the file's one write lock; on PostgreSQL an
    advisory lock, held to the transaction's end, serialises every writer of every process."""
    if not conn.in_transaction():
        raise RuntimeError("audit.write must run inside the store's write transaction")
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": APPEND_LOCK})
    last_id, prev_hash = _last_link(conn)
    entry_id = last_id + 1
    conn.execute(table.insert().values(
        id=entry_id, at=at, action=action, meeting_id=meeting_id, detail=detail, user=user, prev_hash=prev_hash,
        hash=entry_hash(entry_id, at, action, meeting_id, detail, user, prev_hash, key)))


def last_link(conn: Connection) -> tuple[int, str | None] | None:
    """(id, hash) of the newest entry, or None for an empty log."""
    row = conn.execute(select(table.c.id, table.c.hash).order_by(table.c.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None


def _last_link(conn: Connection) -> tuple[int, str]:
    last = last_link(conn)
    # An unchained last entry (only possible by tampering) is reported by check_chain; the log must
    # still take new entries, so they link to the start as the insert trigger expects.
    return (last[0], last[1] or GENESIS) if last else (0, GENESIS)


def chain_unhashed(conn) -> int:
    """Link the entries written before the chain existed (hash NULL), in id order, onto the
    chain; returns how many. The store calls this once, in the transaction that adds the
    columns, so those entries are vouched for as they were at the upgrade, not before. They get
    the plain hash: the chain is keyed from a later migration on. (SQLite only: `conn` is the
    file's own sqlite3 connection, as in the other steps of its old migrations.)"""
    rows = conn.execute("SELECT id, at, action, meeting_id, detail, user FROM audit WHERE hash IS NULL"
                        " ORDER BY id").fetchall()
    for entry_id, at, action, meeting_id, detail, user in rows:
        before = conn.execute("SELECT hash FROM audit WHERE id < ? ORDER BY id DESC LIMIT 1", (entry_id,)).fetchone()
        prev_hash = before[0] if before else GENESIS
        conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?",
                     (prev_hash, entry_hash(entry_id, at, action, meeting_id, detail, user, prev_hash), entry_id))
    return len(rows)


def read(conn: Connection, meeting_id: str | None = None) -> list[AuditEntry]:
    return [record.entry for record in read_records(conn, meeting_id)]


def read_records(conn: Connection, meeting_id: str | None = None) -> list[Record]:
    query = select(table.c.id, table.c.at, table.c.action, table.c.meeting_id, table.c.detail, table.c.user,
                   table.c.prev_hash, table.c.hash).order_by(table.c.id)
    if meeting_id is not None:
        query = query.where(table.c.meeting_id == meeting_id)
    return [Record(*row) for row in conn.execute(query)]


def missing_triggers(conn: Connection) -> list[Problem]:
    if conn.dialect.name == "postgresql":
        present = set(conn.scalars(text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit'::regclass")))
    else:
        present = set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
    return [Problem(None, "unprotected", f"beskyttelsen mod ændringer er fjernet (triggeren {name} mangler).")
            for name in TRIGGERS if name not in present]


def check_chain(records: Iterable[Record], keying: Keying) -> list[Problem]:
    """The breaks in a chain of records given in id order (pure: no database)."""
    records = list(records)
    carriers = {r.hash: r.id for r in records if r.hash}  # a hash -> the entry that now carries it
    carriers[GENESIS] = 0  # "written first"
    problems: list[Problem] = []
    previous: Record | None = None
    for record in records:
        problems += _check_content(record, keying) + _check_link(record, previous, carriers)
        previous = record
    return problems


def _check_content(record: Record, keying: Keying) -> list[Problem]:
    if record.hash is None or record.prev_hash is None:
        return [Problem(record.id, "unchained", "har ingen kædehash (skrevet uden om medlyt).")]
    if record_hash(record, keying) != record.hash:
        return [Problem(record.id, "changed",
                        "er ændret eller flyttet, efter den blev skrevet (dens hash passer ikke til indholdet).")]
    return []


def _check_link(record: Record, previous: Record | None, carriers: dict[str, int]) -> list[Problem]:
    expected_id = previous.id + 1 if previous else 1
    if record.id > expected_id:
        return [_removed(expected_id, record.id)]
    if previous is not None and previous.hash is None:
        return []  # nothing to link to: the previous entry is reported as unchained
    expected_prev = previous.hash if previous else GENESIS
    if record.prev_hash is None or record.prev_hash == expected_prev:
        return []  # in order (an unchained record is reported by _check_content)
    here = f"post {previous.id}" if previous else "loggens start"
    after = carriers.get(record.prev_hash)
    if after is not None:
        written = f"post {after}" if after else "loggens start"
        return [Problem(record.id, "reordered",
                        f"står forkert i rækkefølgen: den blev skrevet lige efter {written}, men står efter {here}.")]
    if previous is None:
        return [Problem(record.id, "broken_link", "peger på en forrige post, som ikke findes: loggens første "
                                                  "poster er slettet, eller posten er indsat.")]
    return [Problem(record.id, "broken_link",
                    f"hænger ikke sammen med post {previous.id}: en post imellem er slettet eller indsat, "
                    f"eller post {previous.id} er ændret og har fået ny hash.")]


def _removed(first: int, found: int) -> Problem:
    """Entries first .. found-1 are gone (ids are dense: each entry is the last one's id + 1)."""
    others = "" if found == first + 1 else (
        f", ligesom post {first + 1}" if found == first + 2 else f", ligesom post {first + 1}–{found - 1}")
    return Problem(first, "removed", f"mangler{others}: slettet fra loggen (opdaget ved post {found}).")


def tombstone(conn: Connection, meeting_id: str) -> tuple[str, str] | None:
    """When and why (a code) the meeting was deleted, if it was: the tombstone is how we
    recognise the id."""
    row = conn.execute(select(table.c.at, table.c.detail).where(table.c.meeting_id == meeting_id,
                                                                 table.c.action == WITHDRAWN)
                       .order_by(table.c.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None
