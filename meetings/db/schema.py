"""Every table, once, in SQLAlchemy Core: the same definition serves SQLite (embedded) and
PostgreSQL (central mode). It describes the schema the SQLite migrations reach
(meetings/db/migrations.py, schema 17); tests/unit/test_schema.py holds the two together.

A sealed column (meetings/sealer.py) says so in its `info`: {"sealed_by": the column whose value
binds the seal to its owner}. It holds bytes; SQLite's older files declared some of them TEXT.
"""

from sqlalchemy import (
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    func,
)

metadata = MetaData()


def sealed(name: str, owner: str = "meeting_id", nullable: bool = False) -> Column:
    return Column(name, LargeBinary, nullable=nullable, info={"sealed_by": owner})


def meeting_ref() -> Column:
    return Column("meeting_id", Text, ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False)


meetings = Table(
    "meetings", metadata,
    Column("id", Text, primary_key=True),
    sealed("title", owner="id"),
    Column("created_at", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="created"),
    Column("audio_path", Text),  # relative to the data directory
    Column("audio_sample_rate", Integer),
    Column("audio_channels", Integer),
    Column("audio_duration_s", Float),
    sealed("audio_source_name", owner="id", nullable=True),
    Column("model", Text),
    Column("processed_at", Text),
    Column("recorded_by", Text),
    Column("delete_after", Text),
    Column("model_sha256", Text),
    Column("model_revision", Text),
    Column("seq", Integer),  # insertion order: the tie-break between meetings of the same second
    CheckConstraint("status IN ('created', 'recorded', 'processed')", name="meetings_status"),
)

participants = Table(
    "participants", metadata,
    Column("id", Integer, primary_key=True),
    meeting_ref(),
    Column("position", Integer, nullable=False),  # keeps the order the user gave
    Column("role", Text, nullable=False),
    sealed("label"),
    Column("speaks", Integer, nullable=False),
    Column("channel", Integer),
    Column("user", Text),
    UniqueConstraint("meeting_id", "role"),  # a participant is found by role
    CheckConstraint("speaks IN (0, 1)", name="participants_speaks"),
)

# A history: the latest row (highest id) per participant is the decision in force.
consents = Table(
    "consents", metadata,
    Column("id", Integer, primary_key=True),
    Column("participant_id", Integer, ForeignKey("participants.id", ondelete="CASCADE"), nullable=False),
    Column("given", Integer, nullable=False),
    Column("method", Text, nullable=False),
    Column("scope", Text, nullable=False),
    Column("recorded_at", Text, nullable=False),
    CheckConstraint("given IN (0, 1)", name="consents_given"),
    Index("consents_by_participant", "participant_id", "id"),
)

segments = Table(
    "segments", metadata,
    Column("id", Integer, primary_key=True),
    meeting_ref(),
    Column("start_s", Float, nullable=False),
    Column("end_s", Float, nullable=False),
    Column("speaker", Text),
    sealed("text"),
    Column("avg_logprob", Float),
    Column("no_speech_prob", Float),
    sealed("words"),  # JSON list of {start, end, text, probability, loudness_db}
    Column("loudness_db", Float),
    Index("segments_by_meeting", "meeting_id", "start_s"),
)

# No foreign key: audit rows outlive the meeting as its tombstone (meetings/audit.py).
audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("meeting_id", Text),
    Column("detail", Text, nullable=False, server_default=""),
    Column("user", Text),
    Column("prev_hash", Text),
    Column("hash", Text),
    Index("audit_by_meeting", "meeting_id", "id"),
    Index("audit_by_action", "action", "at"),
)

speakers = Table(
    "speakers", metadata,
    meeting_ref(),
    Column("id", Text, nullable=False),
    sealed("label"),
    Column("role", Text),
    PrimaryKeyConstraint("meeting_id", "id"),
)

corrections = Table(
    "corrections", metadata,
    Column("id", Integer, primary_key=True),
    meeting_ref(),
    Column("at", Text, nullable=False),
    sealed("correction"),  # JSON of records.Correction
)

voiceprints = Table(
    "voiceprints", metadata,
    Column("user", Text, primary_key=True),
    sealed("embedding", owner="user"),  # float32, L2-normalised
    Column("method", Text, nullable=False),  # how the caseworker consented
    Column("created_at", Text, nullable=False),
)

analyses = Table(
    "analyses", metadata,
    Column("meeting_id", Text, ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("computed_at", Text, nullable=False),
    sealed("config"),  # JSON: the thresholds and word lists in force
    Column("config_source", Text, nullable=False),  # "standard" or the organisation's file
    sealed("balance"),
    sealed("metrics"),
)

flags = Table(
    "flags", metadata,
    Column("id", Integer, primary_key=True),
    meeting_ref(),
    Column("kind", Text, nullable=False),
    Column("start_s", Float, nullable=False),
    Column("end_s", Float, nullable=False),
    Column("speaker", Text),
    Column("tone", Text, nullable=False),
    sealed("message"),
    sealed("evidence"),  # JSON
    Index("flags_by_meeting", "meeting_id", "start_s"),
)

# Who spoke when, apart from the transcript.
speech = Table(
    "speech", metadata,
    Column("id", Integer, primary_key=True),
    meeting_ref(),
    Column("start_s", Float, nullable=False),
    Column("end_s", Float, nullable=False),
    Column("speaker", Text),
    Column("loudness_db", Float),
    Index("speech_by_meeting", "meeting_id", "start_s"),
)

users = Table(
    "users", metadata,
    Column("name", Text, primary_key=True),
    Column("role", Text, nullable=False),
    Column("password_hash", Text, nullable=False),  # Argon2id; never the password
    Column("created_at", Text, nullable=False),
)

shares = Table(
    "shares", metadata,
    meeting_ref(),
    Column("leader", Text, nullable=False),
    Column("shared_by", Text),
    Column("shared_at", Text, nullable=False),
    PrimaryKeyConstraint("meeting_id", "leader"),
)

# The feedback session's verdict on a flagged moment, anchored by kind and start so it survives
# a recomputation of the flags.
flag_reviews = Table(
    "flag_reviews", metadata,
    meeting_ref(),
    Column("kind", Text, nullable=False),
    Column("start_ms", Integer, nullable=False),
    Column("status", Text, nullable=False),
    sealed("note"),
    Column("by_user", Text),
    Column("at", Text, nullable=False),
    PrimaryKeyConstraint("meeting_id", "kind", "start_ms"),
    CheckConstraint("status IN ('drøftet', 'ikke relevant')", name="flag_reviews_status"),
)

# Notes on a moment (kind and start) or on the whole session (both NULL), one per author there.
session_notes = Table(
    "session_notes", metadata,
    meeting_ref(),
    Column("kind", Text),
    Column("start_ms", Integer),
    Column("author", Text, nullable=False),
    sealed("text"),
    Column("by_user", Text),
    Column("at", Text, nullable=False),
    CheckConstraint("author IN ('leder', 'sagsbehandler', 'kollega')", name="session_notes_author"),
    CheckConstraint("(kind IS NULL) = (start_ms IS NULL)", name="session_notes_moment"),
)
Index("session_notes_one_per_author", session_notes.c.meeting_id, func.coalesce(session_notes.c.kind, ""),
      func.coalesce(session_notes.c.start_ms, -1), session_notes.c.author, unique=True)

development_points = Table(
    "development_points", metadata,
    Column("id", Integer, primary_key=True),
    meeting_ref(),
    Column("position", Integer, nullable=False),
    sealed("text"),
    Column("by_user", Text),
    Column("at", Text, nullable=False),
    Index("development_points_by_meeting", "meeting_id", "position"),
)

bookmarks = Table(
    "bookmarks", metadata,
    Column("id", Integer, primary_key=True),
    meeting_ref(),
    Column("at_s", Float, nullable=False),
    Column("by_user", Text),
    sealed("note"),
    Column("created_at", Text, nullable=False),
)

live_sessions = Table(
    "live_sessions", metadata,
    Column("meeting_id", Text, ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("live", Integer, nullable=False),
    Column("status", Text, nullable=False),
    Column("started_at", Text, nullable=False),
    Column("elapsed_s", Float, nullable=False, server_default="0"),
    Column("heartbeat", Float, nullable=False),
    Column("stop_requested", Integer, nullable=False, server_default="0"),
    Column("overflows", Integer, nullable=False, server_default="0"),
)

live_lines = Table(
    "live_lines", metadata,
    Column("id", Integer, primary_key=True),
    meeting_ref(),
    Column("start", Float, nullable=False),
    Column("end", Float, nullable=False),
    Column("speaker", Text, nullable=False),
    Column("role", Text),
    sealed("text"),
    Column("delay_s", Float),
    Index("live_lines_by_meeting", "meeting_id", "start"),
)

retention_extensions = Table(
    "retention_extensions", metadata,
    Column("id", Integer, primary_key=True),
    meeting_ref(),
    Column("until", Text, nullable=False),
    sealed("reason"),
    Column("by_user", Text),
    Column("at", Text, nullable=False),
)

# One row per key; some values are sealed (the key check, where the keyed audit chain begins),
# so the column holds bytes and the text settings are stored as UTF-8.
settings = Table(
    "settings", metadata,
    Column("key", Text, primary_key=True),
    Column("value", LargeBinary, nullable=False),
)

# Dashboard logins held on the server; the file holds the token's SHA-256, never the token.
web_sessions = Table(
    "web_sessions", metadata,
    Column("token_hash", Text, primary_key=True),
    Column("user", Text, ForeignKey("users.name", ondelete="CASCADE"), nullable=False),
    Column("started", Float, nullable=False),
    Column("active", Float, nullable=False),
    Column("ended", Text),  # why it ended (meetings.web_sessions); NULL while it lasts
)


# Processing as a job (medlyt/tasks.py, medlyt/worker.py). `work_key` is meeting, recording digest
# and model: the same work is open (queued or running) at most once.
jobs = Table(
    "jobs", metadata,
    Column("id", Integer, primary_key=True),
    meeting_ref(),
    Column("kind", Text, nullable=False),
    Column("work_key", Text, nullable=False),
    Column("model", Text),
    Column("state", Text, nullable=False),
    Column("progress", Float, nullable=False, server_default="0"),
    Column("message", Text, nullable=False, server_default=""),  # a Danish reason when it failed, never content
    Column("queued_by", Text),
    Column("queued_at", Text, nullable=False),
    Column("started_at", Text),
    Column("finished_at", Text),
    Column("worker", Text),  # host:pid while running
    Column("heartbeat", Float),
    Column("attempts", Integer, nullable=False, server_default="0"),
    CheckConstraint("state IN ('queued', 'running', 'failed', 'done')", name="jobs_state"),
    Index("jobs_by_meeting", "meeting_id", "id"),
    Index("jobs_by_state", "state", "id"),
)
Index("jobs_one_open_per_work", jobs.c.work_key, unique=True,
      sqlite_where=jobs.c.state.in_(["queued", "running"]), postgresql_where=jobs.c.state.in_(["queued", "running"]))


def sealed_columns() -> list[tuple[str, str, str]]:
    """(table, column, owner column) of every sealed column, in table order."""
    return [(table.name, column.name, column.info["sealed_by"])
            for table in metadata.sorted_tables for column in table.columns if "sealed_by" in column.info]
