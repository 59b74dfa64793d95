"""The meeting store: every read and write of meeting data goes through here.

A database plus sealed audio files under home/audio/. Embedded, the database is one SQLite file
(home/medlyt.sqlite3); central, it is PostgreSQL (MEDLYT_DATABASE_URL) and home/audio/ a folder
every worker shares. This package is the facade: each method is one transaction, the queries of
its concern (meetings/repo/, SQLAlchemy Core, the same on both), and its audit entry. The tables
are defined in meetings/db/schema.py, brought up to date by meetings/db/upgrade.py; the files are
in meetings/audio_files.py, sealing in meetings/sealer.py.

One facade for callers, one file per concern for readers: `Store` is a single class, assembled
here from a mixin per concern (meetings/store/meetings.py, consent.py, audio.py, transcript.py,
analysis.py, voiceprints.py, users.py, logins.py, session.py, live.py, jobs.py, retention.py,
handover.py, withdrawal.py, audit_log.py). Its core stays in this file: opening the database, the
key and schema checks, `_transaction`, `_load` and `_audit`, which the mixins use and which is
why none of them is used alone. A name set on this module (a benchmark sets `Cipher`) reaches
the core only, not the concern modules. A concern module is never named after a module imported
here (hence audit_log.py): importing a submodule binds its name in this package's namespace.

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
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy.exc
from sqlalchemy import Connection

from meetings import audit, audit_head, keys, private, scratch
from meetings.audio_files import AUDIO_DIR, AUDIO_SUFFIX, RECORDING_SUFFIX, AudioFiles, overwrite_and_remove
from meetings.audit import AuditEntry
from meetings.crypto import Cipher, Damaged
from meetings.db.database import Database
from meetings.db.engine import configured_url, database_url
from meetings.db.migrations import MIGRATIONS, SEALED_COLUMNS, SETTINGS_VERSION
from meetings.db.upgrade import SCHEMA_VERSION, schema_version, upgrade
from meetings.errors import ConsentError, MeetingError, MeetingNotFound, MeetingWithdrawn
from meetings.records import Meeting
from meetings.repo import meetings as meeting_rows
from meetings.repo import settings as setting_rows
from meetings.sealer import Sealer
# The concerns.
from meetings.store.analysis import AnalysisMixin
from meetings.store.audio import AudioMixin
from meetings.store.audit_log import AuditLogMixin
from meetings.store.consent import ConsentMixin
from meetings.store.handover import HandoverMixin
from meetings.store.jobs import JobsMixin
from meetings.store.live import LiveMixin
from meetings.store.logins import LoginsMixin
from meetings.store.meetings import MeetingsMixin
from meetings.store.retention import RetentionMixin
from meetings.store.session import SessionMixin
from meetings.store.transcript import TranscriptMixin
from meetings.store.users import UsersMixin
from meetings.store.voiceprints import VoiceprintsMixin
from meetings.store.withdrawal import WithdrawalMixin

__all__ = [
    "AuditEntry",
    "ConsentError",
    "DB_NAME",
    "AUDIO_DIR",
    "MIGRATIONS",
    "RECORDING_SUFFIX",
    "SEALED_COLUMNS",
    "MeetingError",
    "MeetingNotFound",
    "MeetingWithdrawn",
    "Store",
]

DB_NAME = "medlyt.sqlite3"
KEY_CHECK = "key_check"  # a settings row sealed with the key: a missing or wrong key is told apart from damage
AUDIT_KEY_PURPOSE = "medlyt audit chain"  # the audit HMAC key is derived from the encryption key for this


def _create_private(path: Path) -> None:
    """The audit log and user names are not sealed; keep the file, and the WAL files SQLite
    creates with the same mode, readable by its owner only."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass  # made before; private.tighten keeps it 0600
    except OSError as e:
        raise MeetingError(f"Kan ikke oprette databasen {path}: {e.strerror}.") from None


class Store(MeetingsMixin, ConsentMixin, AudioMixin, TranscriptMixin, AnalysisMixin, VoiceprintsMixin,
            UsersMixin, LoginsMixin, SessionMixin, LiveMixin, JobsMixin, RetentionMixin, HandoverMixin,
            WithdrawalMixin, AuditLogMixin):
    """One facade for every caller; each concern's methods in its own module (see the top).
    What they share is here: opening the database, the key and schema checks, `_transaction`,
    `_load`, and `_audit`, the one way an audit entry is written."""

    def __init__(self, home: Path, cipher: Cipher | None = None, database: str | None = None,
                 upgrade: bool | None = None):
        """`cipher` is for measuring encryption's cost only (crypto.Unencrypted); otherwise the
        key comes from meetings.keys, created on first use. `database` is an SQLAlchemy URL
        (default MEDLYT_DATABASE_URL, else the SQLite file in `home`). `upgrade`: bring an
        older schema up to date; by default the embedded file is, while a central database is
        upgraded only by `medlyt db upgrade`, once, by its operator, not by whichever worker or
        dashboard starts first."""
        self.home = Path(home)
        self.audio_dir = self.home / AUDIO_DIR
        url = configured_url(self.home) if database is None else database_url(self.home, database)
        embedded = url.get_backend_name() == "sqlite"
        # Private by default: the data is about citizens.
        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        if embedded or upgrade:
            self.audio_dir.mkdir(exist_ok=True, mode=0o700)
        try:  # a folder made by hand or by an older version may be 0755, its sealed files 0644
            private.tighten(self.home)
            if self.audio_dir.is_dir():
                private.tighten(self.audio_dir)
        except OSError as e:
            raise MeetingError(f"Kan ikke gøre datamappen {self.home} privat (kun ejeren): {e.strerror}.") from None
        if url.get_backend_name() == "sqlite":
            self.db_path = Path(url.database)
            _create_private(self.db_path)
        self.db = Database(url)
        self.upgrade = self.db.sqlite if upgrade is None else upgrade
        try:
            self._open(cipher)
        except sqlalchemy.exc.DBAPIError as e:
            self.db.close()
            raise MeetingError(self._unopenable(e)) from None
        except BaseException:
            self.db.close()
            raise
        if not self.audio_dir.is_dir():
            self.db.close()
            # Central mode's audio is a folder every machine shares: one missing here is not mounted,
            # and an empty one made in its place would take recordings nobody else sees.
            raise MeetingError(f"Lydmappen {self.audio_dir} findes ikke på denne maskine. Montér den fælles mappe "
                               "(MEDLYT_HOME/audio) her, eller ret MEDLYT_HOME.")
        scratch.sweep()  # plain copies a crashed process left in memory

    @property
    def where(self) -> str:
        """The database as a message may name it (a password masked)."""
        return self.db.where

    @property
    def central(self) -> bool:
        """PostgreSQL: central mode's shared database, with its Procrastinate queue."""
        return not self.db.sqlite

    @property
    def _conn(self) -> Connection:
        """The tests' way in, to damage or inspect the file as a disk fault would."""
        return self.db.raw_sqlite()

    def _unopenable(self, error: sqlalchemy.exc.DBAPIError) -> str:
        if self.db.sqlite:
            if getattr(error.orig, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB:
                return (f"Filen {self.where} er ikke en medlyt-database (ikke SQLite). "
                        "Flyt den væk, eller sæt MEDLYT_HOME til en anden mappe.")
            return f"Kan ikke åbne databasen {self.where}: {error.orig}"
        return self.db.postgres_line(error) or f"Kan ikke åbne databasen {self.where} ({type(error.orig).__name__})."

    def _open(self, cipher: Cipher | None) -> None:
        with self.db.transaction(plain=False) as conn:
            version = schema_version(conn)
            self._refuse_newer(version)
            check = setting_rows.get(conn, KEY_CHECK) if version >= SETTINGS_VERSION else None
        if (version < SCHEMA_VERSION or check is None) and not self.upgrade:
            raise MeetingError(f"Databasen {self.where} har skema {version}, men denne version af medlyt bruger "
                               f"skema {SCHEMA_VERSION}. Opdatér den først: medlyt db upgrade")
        source = "(angivet)"
        if cipher is None:
            # Only a store with nothing sealed yet may get a new key; a missing key is otherwise an error.
            key = keys.load(self.home, create=check is None)
            cipher, source = Cipher(key.secret), key.source
        self.cipher = cipher
        self.sealer = Sealer(cipher, self.where)
        self.audio = AudioFiles(self.home, cipher)
        self._audit_key = cipher.derive(AUDIT_KEY_PURPOSE)
        self._audit_extended = False  # set by _audit; the head is advanced once its transaction commits
        if check is not None:
            self._verify_key(check, source)
        if version < SCHEMA_VERSION or check is None:
            with self._transaction(write=True) as conn:
                # Re-read under the write lock: another process may have migrated meanwhile.
                version = schema_version(conn)
                self._refuse_newer(version)
                upgrade(conn, version, cipher)
                check = setting_rows.get(conn, KEY_CHECK)
                if check is None:
                    check = cipher.seal(b"medlyt", KEY_CHECK)
                    setting_rows.put(conn, KEY_CHECK, check)
                else:
                    self._verify_key(check, source)
            self._seal_plaintext_audio()
            self._checkpoint()  # no page with the plain values stays in the WAL
        # Where this database's audit head lives (meetings/audit_head.py), named by its key check.
        self.audit_head_path = audit_head.path_for(check)

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
            plain = meeting_rows.with_audio_not_ending(conn, AUDIO_SUFFIX)
        for meeting_id, relative in plain:
            sealed = self.audio.seal_plain(meeting_id, relative)
            with self._transaction(write=True) as conn:
                meeting_rows.set_audio_path(conn, meeting_id, sealed)
            overwrite_and_remove(self.home / relative)
        self.audio.seal_plain_recordings()

    def _refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise MeetingError(
                f"Databasen er fra en nyere version af medlyt (skema {version}, denne version "
                f"kender {SCHEMA_VERSION}). Opdatér medlyt: {self.where}"
            )

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _transaction(self, write: bool = False) -> Iterator[Connection]:
        """One transaction (meetings/db/sqlite.py); once one that wrote to the audit log has
        committed, the audit head follows it."""
        with self.db.lock:
            try:
                with self.db.transaction(write) as conn:
                    yield conn
                if self._audit_extended:
                    self._advance_audit_head()
            finally:
                self._audit_extended = False

    def _advance_audit_head(self) -> None:
        """Record the chain's newest link beside the key, where restoring or cutting the
        database cannot take it back (meetings/audit_head.py)."""
        with self.db.transaction() as conn:
            last_id, last_hash = audit.last_link(conn)
        path = self.audit_head_path
        try:
            audit_head.advance(path, self._audit_key, audit_head.Head(last_id, last_hash))
        except OSError as e:
            raise MeetingError(f"Revisionsloggens kontrolpunkt {path} kan ikke skrives: {e.strerror}. "
                               "Ændringen er gemt; ret adgangen til mappen.") from None

    def _load(self, conn: Connection, meeting_id: str) -> Meeting:
        return meeting_rows.load(conn, self.sealer, meeting_id)

    def _require(self, conn: Connection, meeting_id: str) -> None:
        """Raise for an unknown or withdrawn meeting, without loading it."""
        meeting_rows.require(conn, meeting_id)

    def _audit(self, conn: Connection, at: str, action: str, meeting_id: str | None, detail: str = "",
               user: str | None = None) -> None:
        """Append to the audit chain, hashed with this store's audit key."""
        audit.write(conn, self._audit_key, at, action, meeting_id, detail, user)
        self._audit_extended = True

    def _checkpoint(self) -> None:
        self.db.checkpoint()
