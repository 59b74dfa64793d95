"""The meeting store: every read and write of meeting data goes through here.

One SQLite file (home/medlyt.sqlite3) plus audio files under home/audio/. Keeping all access in
this module is what lets encryption, retention or another backend be added in one place.

Privacy rules that shape the code:
- Encrypted at rest (meetings/crypto.py, AES-256-GCM, the key outside the data directory; see
  meetings/keys.py): every recording, every recording in progress, and every column with words
  or voices in it (SEALED_COLUMNS). Stages get a recording as a plain WAV only for as long as
  they work on it, in a private scratch directory in memory (meetings/scratch.py).
- `secure_delete` is on, so deleted rows are overwritten in the database file, and withdrawal
  truncates the WAL, so no old page with content survives there either.
- The audit trail holds codes only (never a title or transcript text); after a withdrawal it
  is the tombstone that tells the user what happened to the id. It is append-only (triggers
  refuse UPDATE and DELETE) and a hash chain, so a change made around the store shows.
"""

import contextlib
import dataclasses
import functools
import io
import json
import os
import secrets
import shutil
import sqlite3
import threading
import time
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from meetings import audit, audit_head, keys, passwords, private, recordings, retention, scratch, throttle, web_sessions
from meetings.audit import AuditEntry
from meetings.consent import require_consent
from meetings.corrections import apply_with_speech
from meetings.crypto import CHUNK, Cipher, Damaged, SealedFile, seal_file
from meetings.errors import (
    ConsentError,
    LoginThrottled,
    MeetingError,
    MeetingNotFound,
    MeetingWithdrawn,
)
from meetings.records import (
    CONSENT_METHODS,
    NOTE_AUTHORS,
    REVIEW_STATUSES,
    ROLE_LABELS,
    ROLES,
    USER_ROLES,
    Analysis,
    AudioInfo,
    Bookmark,
    Consent,
    Correction,
    DevelopmentPoint,
    Flag,
    FlagReview,
    LiveLine,
    LiveSession,
    Meeting,
    Participant,
    Segment,
    SessionNote,
    Speaker,
    Speech,
    User,
    WebSession,
    Word,
    now_iso,
    review_key,
)

# Recomputes a meeting's analysis from its (corrected) transcript. The store calls it inside
# the transaction that changes the transcript, so a stored analysis is never stale. It gets
# the analysis it replaces (None if none), whose recorded settings it may keep using.
Analyse = Callable[[Meeting, list[Segment], list[Speech], list[Speaker], "Analysis | None"], Analysis]

__all__ = [
    "AuditEntry",
    "ConsentError",
    "DB_NAME",
    "AUDIO_DIR",
    "MeetingError",
    "MeetingNotFound",
    "MeetingWithdrawn",
    "Store",
]

DB_NAME = "medlyt.sqlite3"
AUDIO_DIR = "audio"
AUDIO_SUFFIX = ".audio"  # a sealed WAV (meetings.crypto's file format)
RECORDING_SUFFIX = ".recording.pcm"  # a sealed log of raw PCM, while recording
KEY_CHECK = "key_check"  # a settings row sealed with the key: a missing or wrong key is told apart from damage
AUDIT_KEYED_FROM = "audit_keyed_from"  # a sealed settings row: the first audit entry hashed with the key
AUDIT_KEY_PURPOSE = "medlyt audit chain"  # the audit HMAC key is derived from the encryption key for this
RETENTION_EXPIRED = "retention_expired"  # the tombstone's reason code when purge deleted a meeting
BUSY_TIMEOUT_S = 5.0

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
]
SCHEMA_VERSION = len(MIGRATIONS)
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


def _statements(script: str) -> Iterator[str]:
    """Split a script into statements, so migrations can run inside our own transaction
    (sqlite3's executescript would commit it first)."""
    statement = ""
    for part in script.split(";"):
        statement += part + ";"
        if sqlite3.complete_statement(statement):
            if statement.strip(" \t\n;"):
                yield statement
            statement = ""


class Store:
    def __init__(self, home: Path, cipher: Cipher | None = None):
        """`cipher` is for measuring encryption's cost only (crypto.Unencrypted); otherwise the
        key comes from meetings.keys, created on first use."""
        self.home = Path(home)
        self.audio_dir = self.home / AUDIO_DIR
        # Private by default: the data is about citizens.
        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.audio_dir.mkdir(exist_ok=True, mode=0o700)
        try:  # a folder made by hand or by an older version may be 0755, its sealed files 0644
            private.tighten(self.home)
            private.tighten(self.audio_dir)
        except OSError as e:
            raise MeetingError(f"Kan ikke gøre datamappen {self.home} privat (kun ejeren): {e.strerror}.") from None
        self.db_path = self.home / DB_NAME
        # The audit log and user names are not sealed; keep the file, and the WAL files SQLite
        # creates with the same mode, readable by its owner only.
        try:
            os.close(os.open(self.db_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            pass  # made before; private.tighten above keeps it 0600
        except OSError as e:
            raise MeetingError(f"Kan ikke oprette databasen {self.db_path}: {e.strerror}.") from None
        # One lock per Store so a Store shared between threads (Streamlit) never interleaves
        # two transactions on the same connection.
        self._lock = threading.RLock()
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, nothing implicit.
        self._conn = sqlite3.connect(
            self.db_path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        try:
            self._open(cipher)
        except sqlite3.DatabaseError as e:
            self._conn.close()
            if getattr(e, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB:
                raise MeetingError(
                    f"Filen {self.db_path} er ikke en medlyt-database (ikke SQLite). "
                    "Flyt den væk, eller sæt MEDLYT_HOME til en anden mappe."
                ) from None
            raise MeetingError(f"Kan ikke åbne databasen {self.db_path}: {e}") from None
        except BaseException:
            self._conn.close()
            raise
        scratch.sweep()  # plain copies a crashed process left in memory

    def _open(self, cipher: Cipher | None) -> None:
        conn = self._conn
        # Reading the version first also tells a non-SQLite file apart before we write anything.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        self._refuse_newer(version)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")  # readers never block the writer
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")  # withdrawal must overwrite, not just unlink
        check = self._key_check() if version >= SETTINGS_VERSION else None
        source = "(angivet)"
        if cipher is None:
            # Only a store with nothing sealed yet may get a new key; a missing key is otherwise an error.
            key = keys.load(self.home, create=check is None)
            cipher, source = Cipher(key.secret), key.source
        self.cipher = cipher
        self._audit_key = cipher.derive(AUDIT_KEY_PURPOSE)
        self._audit_extended = False  # set by _audit; the head is advanced once its transaction commits
        if check is not None:
            self._verify_key(check, source)
        if version < SCHEMA_VERSION or check is None:
            with self._transaction(write=True):
                # Re-read under the write lock: another process may have migrated meanwhile.
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                self._refuse_newer(version)
                for script in MIGRATIONS[version:]:
                    for statement in _statements(script):
                        conn.execute(statement)
                if version < AUDIT_CHAIN_VERSION:
                    # A migration is SQL only and SQLite has no SHA-256, so the entries of an older
                    # file are chained here, in the migration's transaction: the upgrade is all or
                    # nothing, and only rows that were never chained (hash NULL) can be touched.
                    audit.chain_unhashed(conn)
                if version < ENCRYPTION_VERSION:
                    _seal_plaintext(conn, cipher)  # likewise: SQLite has no AES
                if version < AUDIT_KEY_VERSION:
                    # Older entries keep their plain hashes; sealed, this number cannot be moved
                    # back to pass recomputed plain hashes off as from before.
                    keyed_from = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM audit").fetchone()[0]
                    conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)",
                                 (AUDIT_KEYED_FROM, cipher.seal(str(keyed_from).encode(), AUDIT_KEYED_FROM)))
                check = self._key_check()
                if check is None:
                    conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)",
                                 (KEY_CHECK, cipher.seal(b"medlyt", KEY_CHECK)))
                else:
                    self._verify_key(check, source)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._seal_plaintext_audio()
            self._checkpoint()  # no page with the plain values stays in the WAL

    def _key_check(self) -> bytes | None:
        row = self._conn.execute("SELECT value FROM settings WHERE key = ?", (KEY_CHECK,)).fetchone()
        return row[0] if row else None

    def _verify_key(self, check: bytes, source: str) -> None:
        try:
            self.cipher.open(check, KEY_CHECK)
        except Damaged:
            raise MeetingError(f"Krypteringsnøglen ({source}) passer ikke til data i {self.home}. "
                               "Brug den nøgle, de blev krypteret med.") from None

    def _seal_plaintext_audio(self) -> None:
        """Recordings from before encryption, sealed in place; the plain file is overwritten
        before it is removed."""
        with self._transaction() as conn:
            plain = conn.execute("SELECT id, audio_path FROM meetings WHERE audio_path IS NOT NULL"
                                 " AND audio_path NOT LIKE ?", (f"%{AUDIO_SUFFIX}",)).fetchall()
        for meeting_id, relative in plain:
            source, final = self.home / relative, self._audio_file_path(meeting_id)
            partial = final.with_name(f".{final.name}.partial")
            partial.unlink(missing_ok=True)
            if source.is_file():
                seal_file(self.cipher, source, partial, _audio_context(meeting_id))
                os.replace(partial, final)
            with self._transaction(write=True) as conn:
                conn.execute("UPDATE meetings SET audio_path = ? WHERE id = ?",
                             (final.relative_to(self.home).as_posix(), meeting_id))
            _overwrite_and_remove(source)
        for pcm in self.audio_dir.glob(f"*{RECORDING_SUFFIX}"):
            if recordings.is_plain(pcm) and recordings.is_abandoned(pcm):
                recordings.seal_plain(self.cipher, pcm, _recording_context(pcm.name.removesuffix(RECORDING_SUFFIX)))

    def _refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise MeetingError(
                f"Databasen er fra en nyere version af medlyt (skema {version}, denne version "
                f"kender {SCHEMA_VERSION}). Opdatér medlyt: {self.db_path}"
            )

    def close(self) -> None:
        # Closing the last connection checkpoints and removes the WAL file.
        self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _transaction(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """One transaction; IMMEDIATE for writes so a busy database waits up front (busy
        timeout) instead of failing halfway, and reads see one consistent snapshot."""
        with self._lock, self._plain_errors():
            self._conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield self._conn
            except BaseException:
                if self._conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):  # a failed disk may refuse even this
                        self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
                if self._audit_extended:
                    self._advance_audit_head()
            finally:
                self._audit_extended = False

    @functools.cached_property
    def audit_head_path(self) -> Path:
        """Where this database's audit head lives (meetings/audit_head.py); read once, on first
        need, since the key-check row it is named by is written by the first open's migration."""
        return audit_head.path_for(self._key_check() or b"")

    def _advance_audit_head(self) -> None:
        """Record the chain's newest link beside the key, where restoring or cutting the
        database cannot take it back (meetings/audit_head.py)."""
        last_id, last_hash = self._conn.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        path = self.audit_head_path
        try:
            audit_head.advance(path, self._audit_key, audit_head.Head(last_id, last_hash))
        except OSError as e:
            raise MeetingError(f"Revisionsloggens kontrolpunkt {path} kan ikke skrives: {e.strerror}. "
                               "Ændringen er gemt; ret adgangen til mappen.") from None

    @contextmanager
    def _plain_errors(self) -> Iterator[None]:
        """SQLite's failures as one Danish line each. SQLite undoes the whole transaction on
        any of them, so nothing is ever half written."""
        try:
            yield
        except sqlite3.OperationalError as error:
            code = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
            if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise MeetingError(f"Databasen er optaget af en anden medlyt-proces (ventede {BUSY_TIMEOUT_S:.0f} s). "
                                   "Prøv igen om lidt.") from None
            if code == sqlite3.SQLITE_FULL:
                raise MeetingError("Disken er fuld: ændringen blev ikke gemt, og intet er halvt skrevet. "
                                   "Frigør plads og prøv igen.") from None
            if code == sqlite3.SQLITE_IOERR:
                raise MeetingError(f"Databasen {self.db_path} kunne ikke skrives eller læses (I/O-fejl): "
                                   "ændringen blev ikke gemt. Tjek disken.") from None
            raise
        except sqlite3.DatabaseError as error:
            code = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
            if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
                raise MeetingError(f"Databasen {self.db_path} er beskadiget ({error}). Gendan den fra "
                                   "sikkerhedskopien; medlyt ændrer intet i den.") from None
            raise

    # ---- meetings -------------------------------------------------------------------------

    def create_meeting(self, title: str, participants: list[Participant], recorded_by: str | None = None,
                       by: str | None = None) -> Meeting:
        title = title.strip()
        if not title:
            raise MeetingError("Mødet skal have en titel.")
        if not participants:
            raise MeetingError("Mødet skal have mindst én deltager.")
        roles = [p.role for p in participants]
        for participant in participants:
            _check_role(participant.role)
            if participant.consent is not None:
                _check_method(participant.consent.method)
        duplicates = sorted({r for r in roles if roles.count(r) > 1})
        if duplicates:
            raise MeetingError(
                f"Rollen '{duplicates[0]}' optræder flere gange; hver rolle må kun være der én gang."
            )
        now = now_iso()
        with self._transaction(write=True) as conn:
            meeting_id = self._new_id(conn)
            conn.execute(
                "INSERT INTO meetings (id, title, created_at, recorded_by, delete_after) VALUES (?, ?, ?, ?, ?)",
                (meeting_id, self._seal("meetings.title", meeting_id, title), now, recorded_by,
                 self._deletion_date(conn)),
            )
            self._audit(conn, now, audit.MEETING_CREATED, meeting_id, f"participants={len(participants)}", by)
            for position, p in enumerate(participants):
                cursor = conn.execute(
                    "INSERT INTO participants (meeting_id, position, role, label, speaks, channel, user)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (meeting_id, position, p.role,
                     self._seal("participants.label", meeting_id, p.label.strip() or ROLE_LABELS[p.role]), int(p.speaks),
                     p.channel, p.user),
                )
                if p.consent is not None:
                    self._insert_consent(conn, meeting_id, cursor.lastrowid, p.role, p.consent, by)
            return self._load(conn, meeting_id)

    def get_meeting(self, meeting_id: str) -> Meeting:
        with self._transaction() as conn:
            return self._load(conn, meeting_id)

    def list_meetings(self) -> list[Meeting]:
        """Newest first."""
        with self._transaction() as conn:
            ids = [
                row[0]
                for row in conn.execute("SELECT id FROM meetings ORDER BY created_at DESC, rowid DESC")
            ]
            return [self._load(conn, meeting_id) for meeting_id in ids]

    # ---- consent --------------------------------------------------------------------------

    def record_consent(self, meeting_id: str, role: str, given: bool, method: str,
                       by: str | None = None) -> Meeting | None:
        """Append a consent decision. A withdrawal (given=False) deletes the whole meeting and
        returns None: withdrawing consent must really delete."""
        _check_method(method)
        with self._transaction(write=True) as conn:
            meeting = self._load(conn, meeting_id)
            participant = next((p for p in meeting.participants if p.role == role), None)
            if participant is None:
                present = ", ".join(p.role for p in meeting.participants)
                raise MeetingError(
                    f"Mødet '{meeting_id}' har ingen deltager med rollen '{role}'. Deltagere: {present}."
                )
            if given:
                consent = Consent(given=True, method=method, recorded_at=now_iso())
                self._insert_consent(conn, meeting_id, participant.id, role, consent, by)
                return self._load(conn, meeting_id)
        self.withdraw(meeting_id, reason=f"consent_withdrawn:{role}", by=by)
        return None

    # ---- audio ----------------------------------------------------------------------------

    def attach_audio(self, meeting_id: str, produce: Callable[[Path], AudioInfo], by: str | None = None) -> Meeting:
        """Let `produce` write the recording as a WAV to a path in a private scratch directory,
        then seal it into place and record it. On any failure nothing is left behind: no file,
        no change in the database."""
        meeting = self.get_meeting(meeting_id)
        require_consent(meeting)  # no consent, no audio kept - not even temporarily
        if meeting.audio is not None:
            raise MeetingError(
                f"Mødet '{meeting_id}' har allerede en optagelse. Træk den tilbage med "
                f"'medlyt withdraw {meeting_id}' og opret et nyt møde."
            )
        final = self._audio_file_path(meeting_id)
        partial = final.with_name(f".{final.name}.partial")
        try:
            with scratch.directory() as tmp:
                try:
                    info = produce(tmp / "audio.wav")
                    if not Path(info.path).is_file():
                        raise MeetingError(f"Lydfilen blev ikke skrevet: {info.path}")
                    seal_file(self.cipher, Path(info.path), partial, _audio_context(meeting_id))
                    os.replace(partial, final)  # atomic: the final name never holds a half-written file
                except OSError as error:  # a full disk, or a write error: one line, and nothing kept
                    raise MeetingError(f"Lydfilen kunne ikke skrives ({error.strerror or error}); er disken fuld? "
                                       "Intet er gemt.") from None
            info = dataclasses.replace(info, path=final.relative_to(self.home).as_posix())
            with self._transaction(write=True) as conn:
                # Check again under the lock: consent may have changed while we imported.
                meeting = self._load(conn, meeting_id)
                require_consent(meeting)
                if meeting.audio is not None:
                    raise MeetingError(f"Mødet '{meeting_id}' har allerede en optagelse.")
                conn.execute(
                    "UPDATE meetings SET audio_path = ?, audio_sample_rate = ?, audio_channels = ?,"
                    " audio_duration_s = ?, audio_source_name = ?, status = 'recorded',"
                    " delete_after = max(ifnull(delete_after, ''), ?) WHERE id = ?",
                    (info.path, info.sample_rate, info.channels, info.duration_s,
                     self._seal("meetings.audio_source_name", meeting_id, info.source_name),
                     self._deletion_date(conn), meeting_id),
                )
                self._audit(conn, now_iso(), audit.AUDIO_ATTACHED, meeting_id,
                            f"duration_s={info.duration_s:.1f} channels={info.channels}", by)
                return self._load(conn, meeting_id)
        except BaseException:
            partial.unlink(missing_ok=True)
            final.unlink(missing_ok=True)
            raise

    @contextmanager
    def audio_file(self, meeting_id: str) -> Iterator[Path]:
        """The meeting's recording as a plain WAV, for the stages that read files: it lives in a
        private scratch directory (in memory where possible) until the block ends."""
        with self._sealed_audio(meeting_id) as sealed, scratch.directory() as tmp:
            plain = tmp / "audio.wav"
            try:
                with private.create(plain) as out:
                    shutil.copyfileobj(sealed, out, CHUNK)
            except OSError as error:
                raise MeetingError(f"Optagelsen kunne ikke pakkes ud til {tmp.parent} "
                                   f"({error.strerror or error}); er der plads?") from None
            except Damaged:
                raise MeetingError(self._damaged(meeting_id)) from None
            yield plain

    def audio_excerpt(self, meeting_id: str, start_s: float, end_s: float) -> bytes:
        """A stretch of the recording as a small WAV file in memory, for playing one moment
        without sending (or decrypting) the whole meeting."""
        try:
            with self._sealed_audio(meeting_id) as sealed, wave.open(sealed, "rb") as source:
                rate, n_frames = source.getframerate(), source.getnframes()
                first = min(max(0, round(start_s * rate)), n_frames)
                last = min(max(first, round(end_s * rate)), n_frames)
                source.setpos(first)
                frames = source.readframes(last - first)
                buffer = io.BytesIO()
                with wave.open(buffer, "wb") as excerpt:
                    excerpt.setparams(source.getparams())
                    excerpt.writeframes(frames)
        except (OSError, EOFError, wave.Error, Damaged):
            raise MeetingError(self._damaged(meeting_id)) from None
        return buffer.getvalue()

    @contextmanager
    def _sealed_audio(self, meeting_id: str) -> Iterator[SealedFile]:
        meeting = self.get_meeting(meeting_id)
        if meeting.audio is None:
            raise MeetingError(
                f"Mødet har ingen optagelse endnu. Kør: medlyt import {meeting_id} FIL"
            )
        path = self.home / meeting.audio.path
        if not path.exists():
            raise MeetingError(f"Optagelsen til mødet '{meeting_id}' mangler på disken: {path}")
        try:
            sealed = SealedFile(self.cipher, path, _audio_context(meeting_id))
        except (OSError, Damaged):
            raise MeetingError(self._damaged(meeting_id)) from None
        with sealed:
            yield sealed

    def _damaged(self, meeting_id: str) -> str:
        return (f"Optagelsen til mødet '{meeting_id}' er beskadiget på disken (den kan ikke dekrypteres) og kan "
                f"ikke afspilles eller behandles. Træk mødet tilbage med 'medlyt withdraw {meeting_id}', "
                "og importér lyden i et nyt møde.")

    def _audio_file_path(self, meeting_id: str) -> Path:
        return self.audio_dir / f"{meeting_id}{AUDIO_SUFFIX}"

    # ---- recording in progress: a sealed log (meetings.recordings) -------------------------

    def recording_path(self, meeting_id: str) -> Path:
        """Where a recording in progress is written (a sealed PCM log beside its format sidecar);
        it becomes the meeting's audio through `attach_recording` when it ends or is recovered."""
        return self.audio_dir / f"{meeting_id}{RECORDING_SUFFIX}"

    def open_recording(self, meeting_id: str, sample_rate: int, channels: int) -> recordings.PcmWriter:
        if self.recording_abandoned(meeting_id):
            # Appending would put new records after one a crash or a full disk may have cut, where
            # reading stops, and might give the old audio another format: it is saved first.
            raise MeetingError(f"Mødet '{meeting_id}' har en afbrudt optagelse, der ikke er gemt endnu (fx fordi "
                               "disken var fuld). Frigør plads og kør 'medlyt meeting list'; så gemmes den.")
        try:
            return recordings.PcmWriter(self.recording_path(meeting_id), sample_rate, channels, self.cipher,
                                        _recording_context(meeting_id))
        except recordings.RecordingBusy:
            raise MeetingError(f"Mødet '{meeting_id}' bliver allerede optaget i et andet vindue.") from None

    def unfinished_recordings(self) -> list[str]:
        return sorted(p.name.removesuffix(RECORDING_SUFFIX) for p in self.audio_dir.glob(f"*{RECORDING_SUFFIX}"))

    def recording_abandoned(self, meeting_id: str) -> bool:
        """True when no running process writes the recording (its recorder crashed or was killed)."""
        return recordings.is_abandoned(self.recording_path(meeting_id))

    def attach_recording(self, meeting_id: str, source_name: str, by: str | None = None) -> Meeting:
        """The recording in progress becomes the meeting's audio (whole frames up to the last
        sync); then the log is removed."""
        pcm = self.recording_path(meeting_id)
        if not recordings.has_audio(pcm):
            self.discard_recording(meeting_id)
            raise MeetingError("Optagelsen nåede ikke at få lyd med; intet er gemt.")
        meeting = self.attach_audio(meeting_id, lambda dest: recordings.to_wav(
            self.cipher, pcm, _recording_context(meeting_id), dest, source_name), by)
        self.discard_recording(meeting_id)
        return meeting

    def discard_recording(self, meeting_id: str) -> None:
        recordings.discard(self.recording_path(meeting_id))

    # ---- transcript -----------------------------------------------------------------------

    def save_transcript(self, meeting_id: str, segments: list[Segment], model: str,
                        speakers: list[Speaker] = (), analyse: Analyse | None = None,
                        speech: list[Speech] = (), by: str | None = None, model_sha256: str | None = None) -> Meeting:
        """Replace the meeting's transcript, measured speech and speakers in one transaction.
        The manual corrections stored for the meeting are applied again, so they survive
        re-processing, and the analysis is replaced with `analyse`'s (or dropped, rather than
        left stale)."""
        with self._transaction(write=True) as conn:
            meeting = self._load(conn, meeting_id)
            require_consent(meeting)  # consent may have changed since the recording
            segments, speech, speakers = apply_with_speech(list(segments), list(speech), list(speakers),
                                                           self._corrections(conn, meeting_id))
            self._replace_attribution(conn, meeting_id, segments, speech, speakers)
            conn.execute("DELETE FROM live_lines WHERE meeting_id = ?", (meeting_id,))  # the full pass replaces them
            now = now_iso()
            conn.execute(
                "UPDATE meetings SET model = ?, model_sha256 = ?, processed_at = ?, status = 'processed' WHERE id = ?",
                (model, model_sha256, now, meeting_id),
            )
            self._audit(conn, now, audit.TRANSCRIPT_SAVED, meeting_id,
                        f"segments={len(segments)} speakers={len(speakers)} model={model}"
                        + (f" model_sha256={model_sha256}" if model_sha256 else ""), by)
            meeting = self._load(conn, meeting_id)
            self._reanalyse(conn, meeting, segments, speech, speakers, analyse, by)
            return meeting

    def speakers(self, meeting_id: str) -> list[Speaker]:
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            return self._speakers(conn, meeting_id)

    def correct(self, meeting_id: str, correction: Correction, analyse: Analyse | None = None,
                by: str | None = None) -> None:
        """Store a manual correction and apply it at once (no re-transcription needed); the
        analysis is recomputed with `analyse` in the same transaction (or dropped)."""
        with self._transaction(write=True) as conn:
            meeting = self._load(conn, meeting_id)
            segments = self._segments(conn, meeting_id)
            speakers = self._speakers(conn, meeting_id)
            correction = dataclasses.replace(correction, at=now_iso())
            segments, speech, speakers = apply_with_speech(segments, self._speech(conn, meeting_id), speakers,
                                                           [correction])
            self._replace_attribution(conn, meeting_id, segments, speech, speakers)
            conn.execute("INSERT INTO corrections (meeting_id, at, correction) VALUES (?, ?, ?)",
                         (meeting_id, correction.at,
                          self._seal("corrections.correction", meeting_id, json.dumps(dataclasses.asdict(correction)))))
            self._audit(conn, correction.at, audit.SPEAKERS_CORRECTED, meeting_id, f"kind={correction.kind}", by)
            self._reanalyse(conn, meeting, segments, speech, speakers, analyse, by)

    # ---- analysis -------------------------------------------------------------------------

    def reanalyse(self, meeting_id: str, analyse: Analyse, by: str | None = None) -> Analysis:
        """Recompute the analysis of a processed meeting from its stored transcript."""
        with self._transaction(write=True) as conn:
            meeting = self._load(conn, meeting_id)
            if meeting.status != "processed":
                raise MeetingError(f"Mødet {meeting_id} er ikke transskriberet endnu. Kør: medlyt process {meeting_id}")
            self._reanalyse(conn, meeting, self._segments(conn, meeting_id), self._speech(conn, meeting_id),
                            self._speakers(conn, meeting_id), analyse, by)
            return self._analysis(conn, meeting_id)

    def analysis(self, meeting_id: str) -> Analysis | None:
        """The stored balance, metrics and flags, or None if the meeting has none yet."""
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            return self._analysis(conn, meeting_id)

    def corrections(self, meeting_id: str) -> list[Correction]:
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            return self._corrections(conn, meeting_id)

    def segments(self, meeting_id: str, words: bool = True) -> list[Segment]:
        """The transcript, ordered by start; `words=False` leaves the words out (empty), which
        saves decrypting and parsing most of what is stored for a page that shows only lines."""
        with self._transaction() as conn:
            self._load(conn, meeting_id)  # raises for an unknown or withdrawn meeting
            return self._segments(conn, meeting_id, words)

    def speech(self, meeting_id: str) -> list[Speech]:
        """The measured speech (who spoke when, how loud), ordered by start."""
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            return self._speech(conn, meeting_id)

    # ---- voice prints ---------------------------------------------------------------------

    def save_voiceprint(self, user: str, embedding: bytes, method: str, by: str | None = None) -> None:
        """A caseworker's enrolled voice (with their consent), replacing an earlier one."""
        _check_method(method)
        if not user.strip():
            raise MeetingError("Angiv brugerens navn.")
        with self._transaction(write=True) as conn:
            conn.execute("INSERT OR REPLACE INTO voiceprints (user, embedding, method, created_at)"
                         " VALUES (?, ?, ?, ?)",
                         (user.strip(), self._seal("voiceprints.embedding", user.strip(), embedding), method, now_iso()))
            self._audit(conn, now_iso(), audit.VOICE_ENROLLED, None, f"user={user.strip()} method={method}", by)

    def voiceprints(self) -> dict[str, bytes]:
        with self._transaction() as conn:
            rows = conn.execute("SELECT user, embedding FROM voiceprints").fetchall()
        return {user: self._unseal_bytes("voiceprints.embedding", user, sealed) for user, sealed in rows}

    def delete_voiceprint(self, user: str, by: str | None = None) -> None:
        with self._transaction(write=True) as conn:
            if conn.execute("DELETE FROM voiceprints WHERE user = ?", (user,)).rowcount == 0:
                raise MeetingError(f"Der er ingen stemmeprøve for '{user}'.")
            self._audit(conn, now_iso(), audit.VOICE_DELETED, None, f"user={user}", by)
        self._checkpoint()

    # ---- users and sharing ----------------------------------------------------------------

    def add_user(self, name: str, role: str, password: str, by: str | None = None) -> User:
        name = name.strip()
        if not name or any(c.isspace() for c in name):
            raise MeetingError("Et brugernavn skal være ét ord uden mellemrum.")
        if ":" in name:  # "cli:root" and the like name the command line's own actor in the audit log
            raise MeetingError("Et brugernavn må ikke indeholde kolon (:); det er forbeholdt medlyts egne aktører.")
        _check_user_role(role)
        _check_password(password, name)
        hashed = passwords.hash_password(password)  # slow on purpose: outside the transaction
        with self._transaction(write=True) as conn:
            if conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise MeetingError(f"Brugeren '{name}' findes allerede.")
            now = now_iso()
            conn.execute("INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                         (name, role, hashed, now))
            self._audit(conn, now, audit.USER_ADDED, None, f"user={name} role={role}", by)
        return User(name, role, now)

    def remove_user(self, name: str, by: str | None = None) -> None:
        with self._transaction(write=True) as conn:
            if conn.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
                raise MeetingError(f"Der er ingen bruger '{name}'.")
            conn.execute("DELETE FROM shares WHERE leader = ?", (name,))
            conn.execute("DELETE FROM web_sessions WHERE user = ?", (name,))
            self._audit(conn, now_iso(), audit.USER_REMOVED, None, f"user={name}", by)

    def set_password(self, name: str, password: str, by: str | None = None) -> None:
        _check_password(password, name)
        hashed = passwords.hash_password(password)
        with self._transaction(write=True) as conn:
            if conn.execute("UPDATE users SET password_hash = ? WHERE name = ?", (hashed, name)).rowcount == 0:
                raise MeetingError(f"Der er ingen bruger '{name}'.")
            # A new password is often a reaction to a leaked one: every open login ends with it.
            conn.execute("DELETE FROM web_sessions WHERE user = ?", (name,))
            self._audit(conn, now_iso(), audit.PASSWORD_CHANGED, None, f"user={name}", by)

    def users(self) -> list[User]:
        with self._transaction() as conn:
            return [User(*row) for row in conn.execute("SELECT name, role, created_at FROM users ORDER BY name")]

    def user(self, name: str) -> User | None:
        with self._transaction() as conn:
            row = conn.execute("SELECT name, role, created_at FROM users WHERE name = ?", (name,)).fetchone()
        return User(*row) if row else None

    def authenticate(self, name: str, password: str, client: str | None = None) -> User | None:
        """The user, if the password is theirs; every attempt is in the audit log, a failed one
        with the name tried and the client. After repeated failures for the name or from the
        client, LoginThrottled says how long to wait, and the password is not even tried."""
        now = datetime.now(timezone.utc)
        wait = self._login_wait(name, client, now)
        if wait > 0:
            with self._transaction(write=True) as conn:
                self._audit(conn, now_iso(), audit.LOGIN_FAILED, None, _login_detail(name, client, throttled=True))
            raise LoginThrottled(wait)
        with self._transaction() as conn:
            row = conn.execute("SELECT name, role, created_at, password_hash FROM users WHERE name = ?",
                               (name,)).fetchone()
        ok = passwords.verify(row[3] if row else None, password)
        with self._transaction(write=True) as conn:
            if ok:
                self._audit(conn, now_iso(), audit.LOGIN, None, "" if client is None else f"client={client}", name)
            else:
                self._audit(conn, now_iso(), audit.LOGIN_FAILED, None, _login_detail(name, client))
        return User(*row[:3]) if ok else None

    # ---- dashboard logins (meetings.web_sessions decides when one has run out) -------------

    def open_web_session(self, user: str, now: float, max_age_s: float) -> str:
        """A new login for `user`; the token for the browser (only its hash is kept). Logins
        older than `max_age_s` are forgotten on the way: they can only be over."""
        token = web_sessions.new_token()
        with self._transaction(write=True) as conn:
            conn.execute("DELETE FROM web_sessions WHERE started < ?", (now - max_age_s,))
            conn.execute("INSERT INTO web_sessions (token_hash, user, started, active) VALUES (?, ?, ?, ?)",
                         (web_sessions.token_hash(token), user, now, now))
        return token

    def web_session(self, token: str) -> WebSession | None:
        """The login a token stands for, with its user as the store knows them now; None when
        there is none (never was, or its user has been removed or given a new password)."""
        with self._transaction() as conn:
            row = conn.execute("SELECT u.name, u.role, u.created_at, w.started, w.active, w.ended FROM web_sessions w"
                               " JOIN users u ON u.name = w.user WHERE w.token_hash = ?",
                               (web_sessions.token_hash(token),)).fetchone()
        return WebSession(User(*row[:3]), *row[3:]) if row else None

    def touch_web_session(self, token: str, now: float) -> None:
        with self._transaction(write=True) as conn:
            conn.execute("UPDATE web_sessions SET active = ? WHERE token_hash = ? AND ended IS NULL",
                         (now, web_sessions.token_hash(token)))

    def end_web_session(self, token: str, reason: str) -> None:
        """A login is over (logged out, idle, too old): kept as ended, so the page can say why."""
        with self._transaction(write=True) as conn:
            row = conn.execute("UPDATE web_sessions SET ended = ? WHERE token_hash = ? AND ended IS NULL"
                               " RETURNING user", (reason, web_sessions.token_hash(token))).fetchone()
            if row is not None:
                self._audit(conn, now_iso(), audit.LOGOUT, None, f"reason={reason}", row[0])

    def _login_wait(self, name: str, client: str | None, now: datetime) -> float:
        since = (now - timedelta(seconds=throttle.WINDOW_S)).isoformat(timespec="seconds")
        with self._transaction() as conn:
            rows = conn.execute("SELECT at, action, detail, user FROM audit WHERE action IN (?, ?) AND at >= ?"
                                " ORDER BY id", (audit.LOGIN, audit.LOGIN_FAILED, since)).fetchall()
        by_name: list[float] = []
        by_client: list[float] = []
        for at, action, detail, user in rows:
            t = datetime.fromisoformat(at).timestamp()
            if action == audit.LOGIN:
                if user == name:
                    by_name.clear()  # a success starts the name's count afresh
                continue
            fields = dict(part.split("=", 1) for part in detail.split("\t") if "=" in part)
            if fields.get("throttled"):
                continue  # refused unheard: counting them would let an attacker lock a user out for good
            if fields.get("tried") == name:
                by_name.append(t)
            if client is not None and fields.get("client") == client:
                by_client.append(t)
        return max(throttle.wait_s(by_name, now.timestamp(), throttle.FREE_PER_NAME),
                   throttle.wait_s(by_client, now.timestamp(), throttle.FREE_PER_CLIENT))

    def share(self, meeting_id: str, leader: str, by: str | None = None) -> Meeting:
        """Let a leader see the meeting: a deliberate act, written to the audit log."""
        with self._transaction(write=True) as conn:
            self._load(conn, meeting_id)
            row = conn.execute("SELECT role FROM users WHERE name = ?", (leader,)).fetchone()
            if row is None or row[0] != "leder":
                raise MeetingError(f"'{leader}' er ikke en bruger med rollen leder.")
            now = now_iso()
            conn.execute("INSERT OR IGNORE INTO shares (meeting_id, leader, shared_by, shared_at) VALUES (?, ?, ?, ?)",
                         (meeting_id, leader, by, now))
            self._audit(conn, now, audit.SHARED, meeting_id, f"leader={leader}", by)
            return self._load(conn, meeting_id)

    def unshare(self, meeting_id: str, leader: str, by: str | None = None) -> Meeting:
        with self._transaction(write=True) as conn:
            self._load(conn, meeting_id)
            conn.execute("DELETE FROM shares WHERE meeting_id = ? AND leader = ?", (meeting_id, leader))
            self._audit(conn, now_iso(), audit.UNSHARED, meeting_id, f"leader={leader}", by)
            return self._load(conn, meeting_id)

    def review_flag(self, meeting_id: str, flag: Flag, status: str, note: str = "", by: str | None = None) -> None:
        """Mark a flagged moment "drøftet" or "ikke relevant", with a note."""
        if status not in REVIEW_STATUSES:
            raise MeetingError(f"Ukendt status '{status}'. Brug: {', '.join(REVIEW_STATUSES)}.")
        with self._transaction(write=True) as conn:
            self._load(conn, meeting_id)
            now = now_iso()
            conn.execute("INSERT OR REPLACE INTO flag_reviews (meeting_id, kind, start_ms, status, note, by_user, at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (meeting_id, flag.kind, round(flag.start * 1000), status,
                          self._seal("flag_reviews.note", meeting_id, note.strip()), by, now))
            self._audit(conn, now, audit.FLAG_REVIEWED, meeting_id, f"kind={flag.kind} status={status}", by)

    def reviews(self, meeting_id: str) -> dict[tuple[str, int], FlagReview]:
        """The reviews by (kind, start in ms), the key `review_key` gives a flag."""
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            rows = conn.execute("SELECT kind, start_ms, status, note, by_user, at FROM flag_reviews"
                                " WHERE meeting_id = ?", (meeting_id,)).fetchall()
        return {(kind, start_ms): FlagReview(status, self._unseal("flag_reviews.note", meeting_id, note), by, at)
                for kind, start_ms, status, note, by, at in rows}

    # ---- the feedback session -------------------------------------------------------------

    def save_session_note(self, meeting_id: str, moment: Flag | tuple[str, int] | None, author: str,
                          text: str, by: str | None = None) -> None:
        """The leader's or the caseworker's note on a moment (a flag, or its `review_key`) or,
        with moment None, on the whole session. It replaces that author's earlier note there;
        an empty text removes it. The audit says where and whose, never what."""
        if author not in NOTE_AUTHORS:
            raise MeetingError(f"Ukendt forfatter '{author}'. Brug: {', '.join(NOTE_AUTHORS)}.")
        kind, start_ms = _moment_key(moment)
        text = text.strip()
        with self._transaction(write=True) as conn:
            self._load(conn, meeting_id)
            conn.execute("DELETE FROM session_notes WHERE meeting_id = ? AND kind IS ? AND start_ms IS ? AND author = ?",
                         (meeting_id, kind, start_ms, author))
            now = now_iso()
            if text:
                conn.execute("INSERT INTO session_notes (meeting_id, kind, start_ms, author, text, by_user, at)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?)", (meeting_id, kind, start_ms, author,
                                                               self._seal("session_notes.text", meeting_id, text), by, now))
            where = f"kind={kind} start_ms={start_ms}" if kind is not None else "session"
            self._audit(conn, now, audit.SESSION_NOTE_SAVED, meeting_id,
                        f"{where} author={author}" + ("" if text else " cleared"), by)

    def session_notes(self, meeting_id: str) -> dict[tuple[tuple[str, int] | None, str], SessionNote]:
        """The notes by (moment, author): moment is a flag's `review_key`, or None for the session."""
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            rows = conn.execute("SELECT kind, start_ms, author, text, by_user, at FROM session_notes"
                                " WHERE meeting_id = ? ORDER BY start_ms, kind, author", (meeting_id,)).fetchall()
        notes = {}
        for kind, start_ms, author, text, by, at in rows:
            moment = (kind, start_ms) if kind is not None else None
            notes[(moment, author)] = SessionNote(moment, author, self._unseal("session_notes.text", meeting_id, text),
                                                  by, at)
        return notes

    def add_development_point(self, meeting_id: str, text: str, by: str | None = None) -> DevelopmentPoint:
        """An agreed development point, after the ones already there."""
        text = text.strip()
        if not text:
            raise MeetingError("Et udviklingspunkt skal have en tekst.")
        with self._transaction(write=True) as conn:
            self._load(conn, meeting_id)
            position = conn.execute("SELECT ifnull(max(position), 0) + 1 FROM development_points WHERE meeting_id = ?",
                                    (meeting_id,)).fetchone()[0]
            now = now_iso()
            cursor = conn.execute("INSERT INTO development_points (meeting_id, position, text, by_user, at)"
                                  " VALUES (?, ?, ?, ?, ?)",
                                  (meeting_id, position, self._seal("development_points.text", meeting_id, text), by, now))
            self._audit(conn, now, audit.DEVELOPMENT_POINT_ADDED, meeting_id, f"position={position}", by)
            return DevelopmentPoint(cursor.lastrowid, position, text, by, now)

    def remove_development_point(self, meeting_id: str, point_id: int, by: str | None = None) -> None:
        with self._transaction(write=True) as conn:
            self._load(conn, meeting_id)
            row = conn.execute("SELECT position FROM development_points WHERE meeting_id = ? AND id = ?",
                               (meeting_id, point_id)).fetchone()
            if row is None:
                raise MeetingError("Udviklingspunktet findes ikke (længere).")
            conn.execute("DELETE FROM development_points WHERE id = ?", (point_id,))
            self._audit(conn, now_iso(), audit.DEVELOPMENT_POINT_REMOVED, meeting_id, f"position={row[0]}", by)

    def development_points(self, meeting_id: str) -> list[DevelopmentPoint]:
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            rows = conn.execute("SELECT id, position, text, by_user, at FROM development_points"
                                " WHERE meeting_id = ? ORDER BY position, id", (meeting_id,)).fetchall()
        return [DevelopmentPoint(id_, position, self._unseal("development_points.text", meeting_id, text), by, at)
                for id_, position, text, by, at in rows]

    def add_bookmark(self, meeting_id: str, at_s: float, by: str | None = None, note: str = "",
                     analyse: Analyse | None = None) -> Meeting:
        """Mark a moment; a processed meeting's flags are recomputed so it shows at once."""
        if at_s < 0:
            raise MeetingError("Et bogmærke skal have en tid på mindst 0 s.")
        with self._transaction(write=True) as conn:
            meeting = self._load(conn, meeting_id)
            now = now_iso()
            conn.execute("INSERT INTO bookmarks (meeting_id, at_s, by_user, note, created_at) VALUES (?, ?, ?, ?, ?)",
                         (meeting_id, round(at_s, 2), by, self._seal("bookmarks.note", meeting_id, note.strip()), now))
            self._audit(conn, now, audit.BOOKMARKED, meeting_id, f"at_s={at_s:.1f}", by)
            meeting = self._load(conn, meeting_id)
            if meeting.status == "processed" and analyse is not None:
                self._reanalyse(conn, meeting, self._segments(conn, meeting_id), self._speech(conn, meeting_id),
                                self._speakers(conn, meeting_id), analyse, by)
            return meeting

    # ---- recording in progress ------------------------------------------------------------

    def start_live(self, meeting_id: str, live: bool, by: str | None = None) -> None:
        with self._transaction(write=True) as conn:
            meeting = self._load(conn, meeting_id)
            require_consent(meeting)
            conn.execute("DELETE FROM live_lines WHERE meeting_id = ?", (meeting_id,))
            conn.execute("INSERT OR REPLACE INTO live_sessions (meeting_id, live, status, started_at, heartbeat)"
                         " VALUES (?, ?, 'recording', ?, ?)", (meeting_id, int(live), now_iso(), time.time()))
            self._audit(conn, now_iso(), audit.RECORDING_STARTED, meeting_id, f"live={int(live)}", by)

    def live_heartbeat(self, meeting_id: str, elapsed_s: float, overflows: int = 0) -> bool:
        """The recorder is alive and has this much audio; True when someone asked it to stop,
        or the meeting was withdrawn meanwhile (nothing more may be recorded then)."""
        with self._transaction(write=True) as conn:
            updated = conn.execute(
                "UPDATE live_sessions SET elapsed_s = ?, heartbeat = ?, overflows = ? WHERE meeting_id = ?",
                (round(elapsed_s, 2), time.time(), overflows, meeting_id)).rowcount
            if not updated:
                return True
            return bool(conn.execute("SELECT stop_requested FROM live_sessions WHERE meeting_id = ?",
                                     (meeting_id,)).fetchone()[0])

    def request_stop(self, meeting_id: str, by: str | None = None) -> None:
        """Ask the recorder (another process) to end the recording; it sees this within a second."""
        with self._transaction(write=True) as conn:
            self._load(conn, meeting_id)
            if conn.execute("UPDATE live_sessions SET stop_requested = 1 WHERE meeting_id = ? AND status = 'recording'",
                            (meeting_id,)).rowcount:
                self._audit(conn, now_iso(), audit.STOP_REQUESTED, meeting_id, "", by)

    def end_live(self, meeting_id: str) -> None:
        with self._transaction(write=True) as conn:
            conn.execute("UPDATE live_sessions SET status = 'stopped', heartbeat = ? WHERE meeting_id = ?",
                         (time.time(), meeting_id))

    def add_live_line(self, meeting_id: str, line: LiveLine) -> None:
        with self._transaction(write=True) as conn:
            if conn.execute("SELECT 1 FROM live_sessions WHERE meeting_id = ?", (meeting_id,)).fetchone() is None:
                return  # withdrawn while the line was being transcribed: keep nothing
            conn.execute('INSERT INTO live_lines (meeting_id, start, "end", speaker, role, text, delay_s)'
                         " VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (meeting_id, line.start, line.end, line.speaker, line.role,
                          self._seal("live_lines.text", meeting_id, line.text), line.delay_s))

    def live_session(self, meeting_id: str, last_lines: int | None = None) -> LiveSession | None:
        """The recording's state and its live lines (the latest `last_lines`, or all)."""
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            row = conn.execute("SELECT meeting_id, live, status, started_at, elapsed_s, heartbeat, stop_requested,"
                               " overflows FROM live_sessions WHERE meeting_id = ?", (meeting_id,)).fetchone()
            if row is None:
                return None
            limit = -1 if last_lines is None else last_lines
            lines = conn.execute('SELECT start, "end", speaker, text, role, delay_s FROM live_lines'
                                 " WHERE meeting_id = ? ORDER BY start DESC, id DESC LIMIT ?",
                                 (meeting_id, limit)).fetchall()
        meeting_id, live, status, started_at, elapsed, heartbeat, stop, overflows = row
        return LiveSession(meeting_id, bool(live), status, started_at, elapsed, heartbeat, bool(stop), overflows,
                           tuple(LiveLine(start, end, speaker, self._unseal("live_lines.text", meeting_id, text), role, delay)
                                 for start, end, speaker, text, role, delay in reversed(lines)))

    def recording_now(self) -> list[str]:
        """Meetings whose recorder has not ended (it may have crashed: see the heartbeat)."""
        with self._transaction() as conn:
            return [r[0] for r in conn.execute(
                "SELECT meeting_id FROM live_sessions WHERE status = 'recording' ORDER BY started_at")]

    def log(self, action: str, meeting_id: str | None, user: str | None, detail: str = "") -> None:
        """Write who viewed or exported what; `detail` is a code, never content."""
        with self._transaction(write=True) as conn:
            self._audit(conn, now_iso(), action, meeting_id, detail, user)

    # ---- retention ------------------------------------------------------------------------

    def retention_days(self) -> int:
        with self._transaction() as conn:
            return self._retention_days(conn)

    def set_retention_days(self, days: int, by: str | None = None) -> None:
        """The organisation's period for meetings recorded from now on; existing ones keep theirs."""
        retention.check_days(days)
        with self._transaction(write=True) as conn:
            conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('retention_days', ?)", (str(days),))
            self._audit(conn, now_iso(), audit.RETENTION_SET, None, f"days={days}", by)

    def extend_retention(self, meeting_id: str, until: str, reason: str, by: str | None = None) -> Meeting:
        """Keep one meeting longer (a leader's decision, with a reason kept with the meeting)."""
        day = retention.parse_date(until)
        with self._transaction(write=True) as conn:
            meeting = self._load(conn, meeting_id)
            new = retention.check_extension(meeting.delete_after or "", day, reason, retention.today())
            conn.execute("UPDATE meetings SET delete_after = ? WHERE id = ?", (new, meeting_id))
            conn.execute("INSERT INTO retention_extensions (meeting_id, until, reason, by_user, at) VALUES (?, ?, ?, ?, ?)",
                         (meeting_id, new, self._seal("retention_extensions.reason", meeting_id, reason.strip()), by,
                          now_iso()))
            self._audit(conn, now_iso(), audit.RETENTION_EXTENDED, meeting_id, f"until={new}", by)
            return self._load(conn, meeting_id)

    def retention_extensions(self, meeting_id: str) -> list[tuple[str, str, str | None, str]]:
        """(until, reason, by, at) of each extension, oldest first."""
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            return [(until, self._unseal("retention_extensions.reason", meeting_id, reason), by, at)
                    for until, reason, by, at in conn.execute("SELECT until, reason, by_user, at FROM retention_extensions"
                                                   " WHERE meeting_id = ? ORDER BY id", (meeting_id,))]

    def due_for_deletion(self, on: str | None = None) -> list[str]:
        on = on or retention.today().isoformat()
        with self._transaction() as conn:
            return [r[0] for r in conn.execute(
                "SELECT id FROM meetings WHERE delete_after <= ? ORDER BY delete_after, id", (on,))]

    def purge(self, on: str | None = None, by: str | None = None) -> list[str]:
        """Delete every meeting whose deletion day has come, as a withdrawal does (an audit
        tombstone without content stays). A meeting being recorded right now waits."""
        busy = set(self.recording_now())
        purged = []
        for meeting_id in self.due_for_deletion(on):
            if meeting_id in busy:
                continue
            self.withdraw(meeting_id, reason=RETENTION_EXPIRED, by=by)
            purged.append(meeting_id)
        return purged

    def _retention_days(self, conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT value FROM settings WHERE key = 'retention_days'").fetchone()
        return int(row[0]) if row else retention.DEFAULT_DAYS

    def _deletion_date(self, conn: sqlite3.Connection) -> str:
        return retention.deletion_date(retention.today(), self._retention_days(conn))

    # ---- withdrawal -----------------------------------------------------------------------

    def withdraw(self, meeting_id: str, reason: str = "withdrawn", by: str | None = None) -> None:
        """Delete the meeting's audio, transcript, participants and consents; keep only an
        audit tombstone (id, time, reason code). `reason` is a code, never content."""
        self.get_meeting(meeting_id)  # raises MeetingNotFound / MeetingWithdrawn
        # Audio first: if a file cannot be removed, the meeting stays and withdrawal can be
        # retried, rather than leaving an orphaned recording nobody can find.
        for pattern in (f"{meeting_id}.*", f".{meeting_id}.*"):
            for path in self.audio_dir.glob(pattern):
                path.unlink(missing_ok=True)
        with self._transaction(write=True) as conn:
            for table in ("segments", "speech", "speakers", "corrections", "analyses", "flags", "shares",
                          "flag_reviews", "bookmarks", "session_notes", "development_points",
                          "live_sessions", "live_lines", "retention_extensions"):
                conn.execute(f"DELETE FROM {table} WHERE meeting_id = ?", (meeting_id,))
            conn.execute(
                "DELETE FROM consents WHERE participant_id IN"
                " (SELECT id FROM participants WHERE meeting_id = ?)",
                (meeting_id,),
            )
            conn.execute("DELETE FROM participants WHERE meeting_id = ?", (meeting_id,))
            conn.execute("DELETE FROM meetings WHERE id = ?", (meeting_id,))
            self._audit(conn, now_iso(), audit.WITHDRAWN, meeting_id, reason, by)
        # secure_delete zeroed the rows in the pages written to the WAL; copy them into the
        # database file and truncate the WAL, so no older page with content stays there.
        # (If another connection is mid-read the checkpoint can be partial; the WAL is then
        # truncated at the next withdrawal or when the last connection closes.)
        self._checkpoint()

    def _audit(self, conn: sqlite3.Connection, at: str, action: str, meeting_id: str | None, detail: str = "",
               user: str | None = None) -> None:
        """Append to the audit chain, hashed with this store's audit key."""
        audit.write(conn, self._audit_key, at, action, meeting_id, detail, user)
        self._audit_extended = True

    def _checkpoint(self) -> None:
        with self._lock:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def audit_entries(self, meeting_id: str | None = None) -> list[AuditEntry]:
        with self._transaction() as conn:
            return audit.read(conn, meeting_id)

    def audit_records(self, meeting_id: str | None = None) -> list[audit.Record]:
        """The entries with their ids and chain links, oldest first."""
        with self._transaction() as conn:
            return audit.read_records(conn, meeting_id)

    def verify_audit(self) -> list[audit.Problem]:
        """Every break in the audit log's hash chain, and any missing protection; [] if intact."""
        with self._transaction() as conn:
            row = conn.execute("SELECT value FROM settings WHERE key = ?", (AUDIT_KEYED_FROM,)).fetchone()
            try:
                keyed_from = int(self.cipher.open(row[0], AUDIT_KEYED_FROM)) if row else None
            except (Damaged, ValueError):
                keyed_from = None
            problems = []
            if keyed_from is None:
                # Judged as keyed throughout, the strictest reading, and the setting's loss is said too.
                keyed_from = 1
                problems = [audit.Problem(None, "unprotected", "oplysningen om, hvor den nøglebaserede kæde "
                                                               "begynder, mangler eller er ændret.")]
            records = audit.read_records(conn)
            problems += audit.missing_triggers(conn) + audit.check_chain(records, audit.Keying(self._audit_key, keyed_from))
            try:
                head = audit_head.read(self.audit_head_path, self._audit_key)
            except audit_head.Tampered:
                return problems + [audit.Problem(None, "unprotected", f"kontrolpunktet {self.audit_head_path} er "
                                                                      "ændret eller lavet med en anden nøgle.")]
            return problems + audit_head.check(head, records)

    # ---- internals ------------------------------------------------------------------------

    def _seal(self, field: str, owner: str, value: str | bytes | None) -> bytes | None:
        """A value of SEALED_COLUMNS ("table.column") as stored: sealed, bound to its owner."""
        if value is None:
            return None
        return self.cipher.seal(value.encode() if isinstance(value, str) else value, f"{field}:{owner}")

    def _unseal_bytes(self, field: str, owner: str, blob: bytes | None) -> bytes | None:
        if blob is None:
            return None
        try:
            return self.cipher.open(blob, f"{field}:{owner}")
        except Damaged:
            raise MeetingError(f"Databasen {self.db_path} er beskadiget: en krypteret værdi ({field}) kan ikke "
                               "dekrypteres. Gendan den fra sikkerhedskopien.") from None

    def _unseal(self, field: str, owner: str, blob: bytes | None) -> str | None:
        value = self._unseal_bytes(field, owner, blob)
        return None if value is None else value.decode()

    def _new_id(self, conn: sqlite3.Connection) -> str:
        # 12 hex characters; never reuse an id, not even one that only a tombstone remembers.
        while True:
            meeting_id = secrets.token_hex(6)
            taken = conn.execute(
                "SELECT 1 FROM meetings WHERE id = ? UNION SELECT 1 FROM audit WHERE meeting_id = ?",
                (meeting_id, meeting_id),
            ).fetchone()
            if not taken:
                return meeting_id

    def _segments(self, conn: sqlite3.Connection, meeting_id: str, with_words: bool = True) -> list[Segment]:
        rows = conn.execute(
            f"SELECT start_s, end_s, text, {'words' if with_words else 'NULL'}, speaker, avg_logprob,"
            " no_speech_prob, loudness_db FROM segments WHERE meeting_id = ? ORDER BY start_s, id",
            (meeting_id,),
        ).fetchall()
        return [
            Segment(start=start, end=end, text=self._unseal("segments.text", meeting_id, text),
                    words=[Word(**w) for w in json.loads(self._unseal("segments.words", meeting_id, words))]
                    if with_words else [],
                    speaker=speaker, avg_logprob=avg_logprob, no_speech_prob=no_speech_prob,
                    loudness_db=loudness_db)
            for start, end, text, words, speaker, avg_logprob, no_speech_prob, loudness_db in rows
        ]

    def _speech(self, conn: sqlite3.Connection, meeting_id: str) -> list[Speech]:
        rows = conn.execute("SELECT start_s, end_s, speaker, loudness_db FROM speech WHERE meeting_id = ?"
                            " ORDER BY start_s, rowid", (meeting_id,)).fetchall()
        return [Speech(*row) for row in rows]

    def _speakers(self, conn: sqlite3.Connection, meeting_id: str) -> list[Speaker]:
        rows = conn.execute("SELECT id, label, role FROM speakers WHERE meeting_id = ?", (meeting_id,)).fetchall()
        return sorted((Speaker(id_, self._unseal("speakers.label", meeting_id, label), role) for id_, label, role in rows),
                      key=lambda s: (len(s.id), s.id))

    def _analysis(self, conn: sqlite3.Connection, meeting_id: str) -> Analysis | None:
        row = conn.execute("SELECT computed_at, config, config_source, balance, metrics FROM analyses"
                           " WHERE meeting_id = ?", (meeting_id,)).fetchone()
        if row is None:
            return None
        computed_at, config, source, balance, metrics = row
        flags = [
            Flag(kind, start, end, speaker, self._unseal("flags.message", meeting_id, message),
                 json.loads(self._unseal("flags.evidence", meeting_id, evidence)), tone)
            for kind, start, end, speaker, tone, message, evidence in conn.execute(
                "SELECT kind, start_s, end_s, speaker, tone, message, evidence FROM flags"
                " WHERE meeting_id = ? ORDER BY start_s, id", (meeting_id,))
        ]
        return Analysis(json.loads(self._unseal("analyses.balance", meeting_id, balance)),
                        json.loads(self._unseal("analyses.metrics", meeting_id, metrics)), flags,
                        json.loads(self._unseal("analyses.config", meeting_id, config)),
                        source, computed_at)

    def _reanalyse(self, conn: sqlite3.Connection, meeting: Meeting, segments: list[Segment],
                   speech: list[Speech], speakers: list[Speaker], analyse: Analyse | None,
                   by: str | None = None) -> None:
        previous = self._analysis(conn, meeting.id)
        conn.execute("DELETE FROM analyses WHERE meeting_id = ?", (meeting.id,))
        conn.execute("DELETE FROM flags WHERE meeting_id = ?", (meeting.id,))
        if analyse is None:
            return
        result = analyse(meeting, segments, speech, speakers, previous)
        conn.execute(
            "INSERT INTO analyses (meeting_id, computed_at, config, config_source, balance, metrics)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (meeting.id, result.computed_at or now_iso(),
             self._seal("analyses.config", meeting.id, json.dumps(result.config, ensure_ascii=False)),
             result.config_source, self._seal("analyses.balance", meeting.id, json.dumps(result.balance)),
             self._seal("analyses.metrics", meeting.id, json.dumps(result.metrics))),
        )
        conn.executemany(
            "INSERT INTO flags (meeting_id, kind, start_s, end_s, speaker, tone, message, evidence)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(meeting.id, f.kind, f.start, f.end, f.speaker, f.tone, self._seal("flags.message", meeting.id, f.message),
              self._seal("flags.evidence", meeting.id, json.dumps(f.evidence, ensure_ascii=False))) for f in result.flags],
        )
        self._audit(conn, now_iso(), audit.ANALYSED, meeting.id, f"flags={len(result.flags)}", by)

    def _corrections(self, conn: sqlite3.Connection, meeting_id: str) -> list[Correction]:
        rows = conn.execute("SELECT correction FROM corrections WHERE meeting_id = ? ORDER BY id",
                            (meeting_id,)).fetchall()
        return [_correction_from_json(self._unseal("corrections.correction", meeting_id, row[0])) for row in rows]

    def _replace_attribution(self, conn: sqlite3.Connection, meeting_id: str, segments: list[Segment],
                             speech: list[Speech], speakers: list[Speaker]) -> None:
        conn.execute("DELETE FROM speech WHERE meeting_id = ?", (meeting_id,))
        conn.executemany("INSERT INTO speech (meeting_id, start_s, end_s, speaker, loudness_db) VALUES (?, ?, ?, ?, ?)",
                         [(meeting_id, s.start, s.end, s.speaker, s.loudness_db) for s in speech])
        conn.execute("DELETE FROM segments WHERE meeting_id = ?", (meeting_id,))
        conn.executemany(
            "INSERT INTO segments (meeting_id, start_s, end_s, speaker, text, avg_logprob,"
            " no_speech_prob, loudness_db, words) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (meeting_id, s.start, s.end, s.speaker, self._seal("segments.text", meeting_id, s.text), s.avg_logprob,
                 s.no_speech_prob, s.loudness_db,
                 self._seal("segments.words", meeting_id,
                            json.dumps([dataclasses.asdict(w) for w in s.words], ensure_ascii=False)))
                for s in segments
            ],
        )
        conn.execute("DELETE FROM speakers WHERE meeting_id = ?", (meeting_id,))
        conn.executemany("INSERT INTO speakers (meeting_id, id, label, role) VALUES (?, ?, ?, ?)",
                         [(meeting_id, s.id, self._seal("speakers.label", meeting_id, s.label), s.role) for s in speakers])

    def _insert_consent(self, conn: sqlite3.Connection, meeting_id: str, participant_id: int,
                        role: str, consent: Consent, by: str | None = None) -> None:
        conn.execute(
            "INSERT INTO consents (participant_id, given, method, scope, recorded_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (participant_id, int(consent.given), consent.method, consent.scope, consent.recorded_at),
        )
        action = audit.CONSENT_GIVEN if consent.given else audit.CONSENT_REFUSED
        self._audit(conn, now_iso(), action, meeting_id, f"role={role} method={consent.method}", by)

    def _load(self, conn: sqlite3.Connection, meeting_id: str) -> Meeting:
        """The meeting with its participants and their latest consent (inside a transaction)."""
        row = conn.execute(
            "SELECT id, title, created_at, status, audio_path, audio_sample_rate, audio_channels,"
            " audio_duration_s, audio_source_name, model, processed_at, recorded_by, delete_after, model_sha256"
            " FROM meetings WHERE id = ?",
            (meeting_id,),
        ).fetchone()
        if row is None:
            tombstone = audit.tombstone(conn, meeting_id)
            if tombstone is not None:
                raise MeetingWithdrawn(meeting_id, *tombstone)
            raise MeetingNotFound(meeting_id)
        (id_, title, created_at, status, audio_path, rate, channels, duration, source_name,
         model, processed_at, recorded_by, delete_after, model_sha256) = row
        audio = None
        if audio_path is not None:
            audio = AudioInfo(path=audio_path, sample_rate=rate, channels=channels,
                              duration_s=duration,
                              source_name=self._unseal("meetings.audio_source_name", meeting_id, source_name) or "")
        participants = []
        for pid, role, label, speaks, channel, user in conn.execute(
            "SELECT id, role, label, speaks, channel, user FROM participants WHERE meeting_id = ?"
            " ORDER BY position",
            (meeting_id,),
        ):
            latest = conn.execute(
                "SELECT given, method, recorded_at, scope FROM consents"
                " WHERE participant_id = ? ORDER BY id DESC LIMIT 1",
                (pid,),
            ).fetchone()
            consent = None
            if latest is not None:
                given, method, recorded_at, scope = latest
                consent = Consent(given=bool(given), method=method, recorded_at=recorded_at, scope=scope)
            participants.append(Participant(role=role, label=self._unseal("participants.label", meeting_id, label),
                                            speaks=bool(speaks),
                                            consent=consent, id=pid, channel=channel, user=user))
        shared_with = tuple(r[0] for r in conn.execute(
            "SELECT leader FROM shares WHERE meeting_id = ? ORDER BY leader", (meeting_id,)))
        bookmarks = tuple(Bookmark(at_s, by, self._unseal("bookmarks.note", meeting_id, note)) for at_s, by, note in conn.execute(
            "SELECT at_s, by_user, note FROM bookmarks WHERE meeting_id = ? ORDER BY at_s, id", (meeting_id,)))
        return Meeting(id=id_, title=self._unseal("meetings.title", meeting_id, title), created_at=created_at,
                       participants=participants,
                       status=status, audio=audio, model=model, model_sha256=model_sha256, processed_at=processed_at,
                       recorded_by=recorded_by, shared_with=shared_with, bookmarks=bookmarks,
                       delete_after=delete_after)


def _audio_context(meeting_id: str) -> str:
    return f"audio:{meeting_id}"


def _recording_context(meeting_id: str) -> str:
    return f"recording:{meeting_id}"


def _seal_plaintext(conn: sqlite3.Connection, cipher: Cipher) -> None:
    """Seal every value of SEALED_COLUMNS in a file from before encryption (in the migration's
    transaction; secure_delete overwrites the plain values as they are replaced)."""
    for table, column, owner in SEALED_COLUMNS:
        rows = conn.execute(f"SELECT rowid, {owner}, {column} FROM {table} WHERE {column} IS NOT NULL").fetchall()
        conn.executemany(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", [
            (cipher.seal(value.encode() if isinstance(value, str) else value, f"{table}.{column}:{owner_value}"), rowid)
            for rowid, owner_value, value in rows])


def _overwrite_and_remove(path: Path) -> None:
    """Zeros over a plain file before it goes, so its blocks do not keep the sound (as far as
    the filesystem lets us: a copy-on-write or flash disk may still hold old blocks)."""
    try:
        size = path.stat().st_size
        with open(path, "r+b") as file:
            file.write(bytes(size))
            file.flush()
            os.fsync(file.fileno())
    except OSError:
        pass
    path.unlink(missing_ok=True)


def _correction_from_json(text: str) -> Correction:
    data = json.loads(text)
    for key in ("anchor", "target"):
        data[key] = tuple(tuple(pair) for pair in data[key])
    return Correction(**data)


def _moment_key(moment: Flag | tuple[str, int] | None) -> tuple[str | None, int | None]:
    if moment is None:
        return None, None
    if isinstance(moment, Flag):
        return review_key(moment)
    kind, start_ms = moment
    return str(kind), int(start_ms)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise MeetingError(f"Ukendt rolle '{role}'. Gyldige roller: {', '.join(ROLES)}.")


def _check_user_role(role: str) -> None:
    if role not in USER_ROLES:
        raise MeetingError(f"Ukendt brugerrolle '{role}'. Gyldige roller: {', '.join(USER_ROLES)}.")


def _login_detail(name: str, client: str | None, throttled: bool = False) -> str:
    """A failed login's detail: the name tried and the client, tab-separated (a name may hold spaces)."""
    parts = [f"tried={name.replace(chr(9), ' ')}"]
    if client is not None:
        parts.append(f"client={client}")
    if throttled:
        parts.append("throttled=1")
    return "\t".join(parts)


def _check_password(password: str, name: str) -> None:
    if (why := passwords.weakness(password, name)) is not None:
        raise MeetingError(why)


def _check_method(method: str) -> None:
    if method not in CONSENT_METHODS:
        raise MeetingError(
            f"Ukendt samtykkemetode '{method}'. Brug: {', '.join(CONSENT_METHODS)}."
        )
