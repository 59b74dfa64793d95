"""The meeting store: every read and write of meeting data goes through here.

A database plus sealed audio files under home/audio/. Embedded, the database is one SQLite file
(home/medlyt.sqlite3); central, it is PostgreSQL (MEDLYT_DATABASE_URL) and home/audio/ a folder
every worker shares. This module is the facade: each method is one transaction, the queries of
its concern (meetings/repo/, SQLAlchemy Core, the same on both), and its audit entry. The tables
are defined in meetings/db/schema.py, brought up to date by meetings/db/upgrade.py; the files are
in meetings/audio_files.py, sealing in meetings/sealer.py.

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
import dataclasses
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy.exc
from sqlalchemy import Connection

from meetings import audit, audit_head, keys, passwords, private, retention, scratch, throttle, web_sessions
from meetings.audio_files import AUDIO_DIR, AUDIO_SUFFIX, RECORDING_SUFFIX, AudioFiles, Damage, overwrite_and_remove
from meetings.audit import AuditEntry
from meetings.consent import require_consent
from meetings.corrections import TEXT_KINDS, apply_with_speech, line_at
from meetings.crypto import Cipher, Damaged
from meetings.db.migrations import MIGRATIONS, SEALED_COLUMNS, SETTINGS_VERSION
from meetings.db.database import Database
from meetings.db.engine import configured_url, database_url
from meetings.db.upgrade import AUDIT_KEYED_FROM, SCHEMA_VERSION, schema_version, upgrade
from meetings.errors import ConsentError, LoginThrottled, MeetingError, MeetingNotFound, MeetingWithdrawn
from meetings.records import (
    CONSENT_METHODS,
    NOTE_AUTHORS,
    REVIEW_STATUSES,
    ROLE_LABELS,
    ROLES,
    USER_ROLES,
    Analysis,
    AudioInfo,
    Consent,
    Correction,
    DevelopmentPoint,
    Flag,
    FlagReview,
    Glance,
    Job,
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
    now_iso,
    review_key,
)
from meetings.repo import analysis as analysis_rows
from meetings.repo import glance as glance_rows
from meetings.repo import handover as handover_rows
from meetings.repo import jobs as job_rows
from meetings.repo import live as live_rows
from meetings.repo import meetings as meeting_rows
from meetings.repo import retention as retention_rows
from meetings.repo import session as session_rows
from meetings.repo import settings as setting_rows
from meetings.repo import transcript as transcript_rows
from meetings.repo import users as user_rows
from meetings.sealer import Sealer

# Recomputes a meeting's analysis from its (corrected) transcript. The store calls it inside
# the transaction that changes the transcript, so a stored analysis is never stale. It gets
# the analysis it replaces (None if none), whose recorded settings it may keep using.
Analyse = Callable[[Meeting, list[Segment], list[Speech], list[Speaker], "Analysis | None"], Analysis]

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
RETENTION_EXPIRED = "retention_expired"
ORPHAN_AGE_S = 3600.0  # an audio file with no meeting is swept once it has been left alone this long  # the tombstone's reason code when purge deleted a meeting


def _create_private(path: Path) -> None:
    """The audit log and user names are not sealed; keep the file, and the WAL files SQLite
    creates with the same mode, readable by its owner only."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass  # made before; private.tighten keeps it 0600
    except OSError as e:
        raise MeetingError(f"Kan ikke oprette databasen {path}: {e.strerror}.") from None


class Store:
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
            meeting_id = meeting_rows.new_id(conn)
            meeting_rows.insert(conn, self.sealer, meeting_id, title, now, recorded_by,
                                retention_rows.deletion_date(conn))
            self._audit(conn, now, audit.MEETING_CREATED, meeting_id, f"participants={len(participants)}", by)
            for position, p in enumerate(participants):
                participant_id = meeting_rows.insert_participant(conn, self.sealer, meeting_id, position, p,
                                                                 p.label.strip() or ROLE_LABELS[p.role])
                if p.consent is not None:
                    self._insert_consent(conn, meeting_id, participant_id, p.role, p.consent, by)
            return self._load(conn, meeting_id)

    def get_meeting(self, meeting_id: str) -> Meeting:
        with self._transaction() as conn:
            return self._load(conn, meeting_id)

    def list_meetings(self) -> list[Meeting]:
        """Newest first."""
        with self._transaction() as conn:
            return meeting_rows.load_many(conn, self.sealer, meeting_rows.ids_newest_first(conn))

    def glances(self, meeting_ids: list[str]) -> dict[str, Glance]:
        """Each meeting's latest job and analysis headline, for a list of many meetings."""
        with self._transaction() as conn:
            return glance_rows.glances(conn, self.sealer, meeting_ids)

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

    def _insert_consent(self, conn: Connection, meeting_id: str, participant_id: int,
                        role: str, consent: Consent, by: str | None = None) -> None:
        meeting_rows.insert_consent(conn, participant_id, consent)
        action = audit.CONSENT_GIVEN if consent.given else audit.CONSENT_REFUSED
        self._audit(conn, now_iso(), action, meeting_id, f"role={role} method={consent.method}", by)

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
        info = self.audio.seal(meeting_id, produce)
        try:
            with self._transaction(write=True) as conn:
                # Check again under the lock: consent may have changed while we imported.
                meeting = self._load(conn, meeting_id)
                require_consent(meeting)
                if meeting.audio is not None:
                    raise MeetingError(f"Mødet '{meeting_id}' har allerede en optagelse.")
                meeting_rows.set_audio(conn, self.sealer, meeting_id, info, retention_rows.deletion_date(conn))
                self._audit(conn, now_iso(), audit.AUDIO_ATTACHED, meeting_id,
                            f"duration_s={info.duration_s:.1f} channels={info.channels}", by)
                return self._load(conn, meeting_id)
        except BaseException:
            self.audio.remove_sealed(meeting_id)
            raise

    @contextmanager
    def audio_file(self, meeting_id: str) -> Iterator[Path]:
        """The meeting's recording as a plain WAV, for the stages that read files: it lives in a
        private scratch directory (in memory where possible) until the block ends."""
        try:
            with self.audio.plain_copy(meeting_id, self._audio_path(meeting_id)) as plain:
                yield plain
        except Damage:
            raise MeetingError(self._damaged(meeting_id)) from None

    def audio_excerpt(self, meeting_id: str, start_s: float, end_s: float) -> bytes:
        """A stretch of the recording as a small WAV file in memory, for playing one moment
        without sending (or decrypting) the whole meeting."""
        try:
            return self.audio.excerpt(meeting_id, self._audio_path(meeting_id), start_s, end_s)
        except Damage:
            raise MeetingError(self._damaged(meeting_id)) from None

    def _audio_path(self, meeting_id: str) -> str:
        meeting = self.get_meeting(meeting_id)
        if meeting.audio is None:
            raise MeetingError(f"Mødet har ingen optagelse endnu. Kør: medlyt import {meeting_id} FIL")
        return meeting.audio.path

    def _damaged(self, meeting_id: str) -> str:
        return (f"Optagelsen til mødet '{meeting_id}' er beskadiget på disken (den kan ikke dekrypteres) og kan "
                f"ikke afspilles eller behandles. Træk mødet tilbage med 'medlyt withdraw {meeting_id}', "
                "og importér lyden i et nyt møde.")

    # ---- recording in progress: a sealed log (meetings.recordings) -------------------------

    def recording_path(self, meeting_id: str) -> Path:
        """Where a recording in progress is written (a sealed PCM log beside its format sidecar);
        it becomes the meeting's audio through `attach_recording` when it ends or is recovered."""
        return self.audio.recording_path(meeting_id)

    def open_recording(self, meeting_id: str, sample_rate: int, channels: int):
        if self.recording_abandoned(meeting_id):
            # Appending would put new records after one a crash or a full disk may have cut, where
            # reading stops, and might give the old audio another format: it is saved first.
            raise MeetingError(f"Mødet '{meeting_id}' har en afbrudt optagelse, der ikke er gemt endnu (fx fordi "
                               "disken var fuld). Frigør plads og kør 'medlyt meeting list'; så gemmes den.")
        from meetings.recordings import RecordingBusy

        try:
            return self.audio.open_recording(meeting_id, sample_rate, channels)
        except RecordingBusy:
            raise MeetingError(f"Mødet '{meeting_id}' bliver allerede optaget i et andet vindue.") from None

    def unfinished_recordings(self) -> list[str]:
        return self.audio.unfinished()

    def recording_abandoned(self, meeting_id: str) -> bool:
        """True when no running process writes the recording (its recorder crashed or was killed)."""
        return self.audio.abandoned(meeting_id)

    def attach_recording(self, meeting_id: str, source_name: str, by: str | None = None) -> Meeting:
        """The recording in progress becomes the meeting's audio (whole frames up to the last
        sync); then the log is removed."""
        if not self.audio.recording_has_audio(meeting_id):
            self.discard_recording(meeting_id)
            raise MeetingError("Optagelsen nåede ikke at få lyd med; intet er gemt.")
        meeting = self.attach_audio(meeting_id, lambda dest: self.audio.recording_to_wav(meeting_id, dest, source_name),
                                    by)
        self.discard_recording(meeting_id)
        return meeting

    def discard_recording(self, meeting_id: str) -> None:
        self.audio.discard_recording(meeting_id)

    # ---- transcript -----------------------------------------------------------------------

    def save_transcript(self, meeting_id: str, segments: list[Segment], model: str,
                        speakers: list[Speaker] = (), analyse: Analyse | None = None,
                        speech: list[Speech] = (), by: str | None = None, model_sha256: str | None = None,
                        model_revision: str | None = None) -> Meeting:
        """Replace the meeting's transcript, measured speech and speakers in one transaction.
        The manual corrections stored for the meeting are applied again, so they survive
        re-processing, and the analysis is replaced with `analyse`'s (or dropped, rather than
        left stale)."""
        with self._transaction(write=True) as conn:
            meeting = self._load(conn, meeting_id)
            require_consent(meeting)  # consent may have changed since the recording
            segments, speech, speakers = apply_with_speech(list(segments), list(speech), list(speakers),
                                                           transcript_rows.corrections(conn, self.sealer, meeting_id))
            transcript_rows.replace(conn, self.sealer, meeting_id, segments, speech, speakers)
            live_rows.clear_lines(conn, meeting_id)  # the full pass replaces them
            now = now_iso()
            meeting_rows.set_processed(conn, meeting_id, model, model_sha256, model_revision, now)
            self._audit(conn, now, audit.TRANSCRIPT_SAVED, meeting_id,
                        f"segments={len(segments)} speakers={len(speakers)} model={model}"
                        + (f" model_sha256={model_sha256}" if model_sha256 else "")
                        + (f" model_revision={model_revision}" if model_revision else ""), by)
            meeting = self._load(conn, meeting_id)
            self._reanalyse(conn, meeting, segments, speech, speakers, analyse, by)
            return meeting

    def speakers(self, meeting_id: str) -> list[Speaker]:
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            return transcript_rows.speakers(conn, self.sealer, meeting_id)

    def correct(self, meeting_id: str, correction: Correction, analyse: Analyse | None = None,
                by: str | None = None) -> None:
        """Store a manual correction and apply it at once (no re-transcription needed); the
        analysis is recomputed with `analyse` in the same transaction (or dropped)."""
        with self._transaction(write=True) as conn:
            meeting = self._load(conn, meeting_id)
            before = transcript_rows.segments(conn, self.sealer, meeting_id)
            correction = dataclasses.replace(correction, at=now_iso())
            if correction.kind in TEXT_KINDS:
                found = line_at(before, correction.start, correction.end)
                if found is None:
                    raise MeetingError("Linjen findes ikke længere. Vælg den igen.")
                if correction.kind == "text" and not (correction.text or "").strip():
                    raise MeetingError("En linje skal have tekst. Vil du fjerne den, så sæt den sammen med en anden.")
                correction = dataclasses.replace(correction, original=before[found].text)  # kept for the audit
            segments, speech, speakers = apply_with_speech(
                before, transcript_rows.speech(conn, meeting_id),
                transcript_rows.speakers(conn, self.sealer, meeting_id), [correction])
            transcript_rows.replace(conn, self.sealer, meeting_id, segments, speech, speakers)
            transcript_rows.add_correction(conn, self.sealer, meeting_id, correction)
            action = audit.TEXT_CORRECTED if correction.kind in TEXT_KINDS else audit.SPEAKERS_CORRECTED
            self._audit(conn, correction.at, action, meeting_id, f"kind={correction.kind}", by)
            self._reanalyse(conn, meeting, segments, speech, speakers, analyse, by)

    def corrections(self, meeting_id: str) -> list[Correction]:
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            return transcript_rows.corrections(conn, self.sealer, meeting_id)

    def segments(self, meeting_id: str, words: bool = True) -> list[Segment]:
        """The transcript, ordered by start; `words=False` leaves the words out (empty), which
        saves decrypting and parsing most of what is stored for a page that shows only lines."""
        with self._transaction() as conn:
            self._load(conn, meeting_id)  # raises for an unknown or withdrawn meeting
            return transcript_rows.segments(conn, self.sealer, meeting_id, words)

    def speech(self, meeting_id: str) -> list[Speech]:
        """The measured speech (who spoke when, how loud), ordered by start."""
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            return transcript_rows.speech(conn, meeting_id)

    # ---- analysis -------------------------------------------------------------------------

    def reanalyse(self, meeting_id: str, analyse: Analyse, by: str | None = None) -> Analysis:
        """Recompute the analysis of a processed meeting from its stored transcript."""
        with self._transaction(write=True) as conn:
            meeting = self._load(conn, meeting_id)
            if meeting.status != "processed":
                raise MeetingError(f"Mødet {meeting_id} er ikke transskriberet endnu. Kør: medlyt process {meeting_id}")
            self._reanalyse_stored(conn, meeting, analyse, by)
            return analysis_rows.read(conn, self.sealer, meeting_id)

    def analysis(self, meeting_id: str) -> Analysis | None:
        """The stored balance, metrics and flags, or None if the meeting has none yet."""
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            return analysis_rows.read(conn, self.sealer, meeting_id)

    def _reanalyse_stored(self, conn: Connection, meeting: Meeting, analyse: Analyse | None,
                          by: str | None) -> None:
        self._reanalyse(conn, meeting, transcript_rows.segments(conn, self.sealer, meeting.id),
                        transcript_rows.speech(conn, meeting.id), transcript_rows.speakers(conn, self.sealer, meeting.id),
                        analyse, by)

    def _reanalyse(self, conn: Connection, meeting: Meeting, segments: list[Segment],
                   speech: list[Speech], speakers: list[Speaker], analyse: Analyse | None,
                   by: str | None = None) -> None:
        previous = analysis_rows.read(conn, self.sealer, meeting.id)
        analysis_rows.delete(conn, meeting.id)
        if analyse is None:
            return
        result = analyse(meeting, segments, speech, speakers, previous)
        analysis_rows.insert(conn, self.sealer, meeting.id, result, result.computed_at or now_iso())
        self._audit(conn, now_iso(), audit.ANALYSED, meeting.id, f"flags={len(result.flags)}", by)

    # ---- voice prints ---------------------------------------------------------------------

    def save_voiceprint(self, user: str, embedding: bytes, method: str, by: str | None = None) -> None:
        """A caseworker's enrolled voice (with their consent), replacing an earlier one."""
        _check_method(method)
        if not user.strip():
            raise MeetingError("Angiv brugerens navn.")
        with self._transaction(write=True) as conn:
            user_rows.save_voiceprint(conn, self.sealer, user.strip(), embedding, method, now_iso())
            self._audit(conn, now_iso(), audit.VOICE_ENROLLED, None, f"user={user.strip()} method={method}", by)

    def voiceprints(self) -> dict[str, bytes]:
        with self._transaction() as conn:
            return user_rows.voiceprints(conn, self.sealer)

    def delete_voiceprint(self, user: str, by: str | None = None) -> None:
        with self._transaction(write=True) as conn:
            if not user_rows.delete_voiceprint(conn, user):
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
            if user_rows.exists(conn, name):
                raise MeetingError(f"Brugeren '{name}' findes allerede.")
            now = now_iso()
            user_rows.insert(conn, name, role, hashed, now)
            self._audit(conn, now, audit.USER_ADDED, None, f"user={name} role={role}", by)
        return User(name, role, now)

    def remove_user(self, name: str, by: str | None = None) -> None:
        with self._transaction(write=True) as conn:
            if not user_rows.delete(conn, name):
                raise MeetingError(f"Der er ingen bruger '{name}'.")
            self._audit(conn, now_iso(), audit.USER_REMOVED, None, f"user={name}", by)

    def set_password(self, name: str, password: str, by: str | None = None) -> None:
        _check_password(password, name)
        hashed = passwords.hash_password(password)
        with self._transaction(write=True) as conn:
            if not user_rows.set_password_hash(conn, name, hashed):
                raise MeetingError(f"Der er ingen bruger '{name}'.")
            # A new password is often a reaction to a leaked one: every open login ends with it.
            user_rows.end_logins(conn, name)
            self._audit(conn, now_iso(), audit.PASSWORD_CHANGED, None, f"user={name}", by)

    def users(self) -> list[User]:
        with self._transaction() as conn:
            return user_rows.all_users(conn)

    def user(self, name: str) -> User | None:
        with self._transaction() as conn:
            return user_rows.get(conn, name)

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
            found = user_rows.with_password_hash(conn, name)
        ok = passwords.verify(found[1] if found else None, password)
        with self._transaction(write=True) as conn:
            if ok:
                self._audit(conn, now_iso(), audit.LOGIN, None, "" if client is None else f"client={client}", name)
            else:
                self._audit(conn, now_iso(), audit.LOGIN_FAILED, None, _login_detail(name, client))
        return found[0] if ok else None

    def _login_wait(self, name: str, client: str | None, now: datetime) -> float:
        since = (now - timedelta(seconds=throttle.WINDOW_S)).isoformat(timespec="seconds")
        with self._transaction() as conn:
            rows = user_rows.recent_logins(conn, since)
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

    # ---- dashboard logins (meetings.web_sessions decides when one has run out) -------------

    def open_web_session(self, user: str, now: float, max_age_s: float) -> str:
        """A new login for `user`; the token for the browser (only its hash is kept). Logins
        older than `max_age_s` are forgotten on the way: they can only be over."""
        token = web_sessions.new_token()
        with self._transaction(write=True) as conn:
            user_rows.open_login(conn, web_sessions.token_hash(token), user, now, now - max_age_s)
        return token

    def web_session(self, token: str) -> WebSession | None:
        """The login a token stands for, with its user as the store knows them now; None when
        there is none (never was, or its user has been removed or given a new password)."""
        with self._transaction() as conn:
            return user_rows.login(conn, web_sessions.token_hash(token))

    def touch_web_session(self, token: str, now: float) -> None:
        with self._transaction(write=True) as conn:
            user_rows.touch_login(conn, web_sessions.token_hash(token), now)

    def end_web_session(self, token: str, reason: str) -> None:
        """A login is over (logged out, idle, too old): kept as ended, so the page can say why."""
        with self._transaction(write=True) as conn:
            user = user_rows.end_login(conn, web_sessions.token_hash(token), reason)
            if user is not None:
                self._audit(conn, now_iso(), audit.LOGOUT, None, f"reason={reason}", user)

    def share(self, meeting_id: str, leader: str, by: str | None = None) -> Meeting:
        """Let a leader see the meeting: a deliberate act, written to the audit log."""
        with self._transaction(write=True) as conn:
            self._load(conn, meeting_id)
            if user_rows.role(conn, leader) != "leder":
                raise MeetingError(f"'{leader}' er ikke en bruger med rollen leder.")
            now = now_iso()
            user_rows.share(conn, meeting_id, leader, by, now)
            self._audit(conn, now, audit.SHARED, meeting_id, f"leader={leader}", by)
            return self._load(conn, meeting_id)

    def unshare(self, meeting_id: str, leader: str, by: str | None = None) -> Meeting:
        with self._transaction(write=True) as conn:
            self._load(conn, meeting_id)
            user_rows.unshare(conn, meeting_id, leader)
            self._audit(conn, now_iso(), audit.UNSHARED, meeting_id, f"leader={leader}", by)
            return self._load(conn, meeting_id)

    # ---- the feedback session -------------------------------------------------------------

    def review_flag(self, meeting_id: str, flag: Flag, status: str, note: str = "", by: str | None = None) -> None:
        """Mark a flagged moment "drøftet" or "ikke relevant", with a note."""
        if status not in REVIEW_STATUSES:
            raise MeetingError(f"Ukendt status '{status}'. Brug: {', '.join(REVIEW_STATUSES)}.")
        with self._transaction(write=True) as conn:
            self._load(conn, meeting_id)
            now = now_iso()
            session_rows.save_review(conn, self.sealer, meeting_id, flag.kind, round(flag.start * 1000), status,
                                     note.strip(), by, now)
            self._audit(conn, now, audit.FLAG_REVIEWED, meeting_id, f"kind={flag.kind} status={status}", by)

    def clear_review(self, meeting_id: str, flag: Flag, by: str | None = None) -> None:
        """The moment is back to nobody having chosen for it (an undone first choice)."""
        with self._transaction(write=True) as conn:
            self._load(conn, meeting_id)
            kind, start_ms = review_key(flag)
            if session_rows.clear_review(conn, meeting_id, kind, start_ms):
                self._audit(conn, now_iso(), audit.FLAG_REVIEW_CLEARED, meeting_id, f"kind={kind}", by)

    def reviews(self, meeting_id: str) -> dict[tuple[str, int], FlagReview]:
        """The reviews by (kind, start in ms), the key `review_key` gives a flag."""
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            return session_rows.reviews(conn, self.sealer, meeting_id)

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
            now = now_iso()
            session_rows.replace_note(conn, self.sealer, meeting_id, kind, start_ms, author, text, by, now)
            where = f"kind={kind} start_ms={start_ms}" if kind is not None else "session"
            self._audit(conn, now, audit.SESSION_NOTE_SAVED, meeting_id,
                        f"{where} author={author}" + ("" if text else " cleared"), by)

    def session_notes(self, meeting_id: str) -> dict[tuple[tuple[str, int] | None, str], SessionNote]:
        """The notes by (moment, author): moment is a flag's `review_key`, or None for the session."""
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            return session_rows.notes(conn, self.sealer, meeting_id)

    def add_development_point(self, meeting_id: str, text: str, by: str | None = None) -> DevelopmentPoint:
        """An agreed development point, after the ones already there."""
        text = text.strip()
        if not text:
            raise MeetingError("Et udviklingspunkt skal have en tekst.")
        with self._transaction(write=True) as conn:
            self._load(conn, meeting_id)
            point = session_rows.add_point(conn, self.sealer, meeting_id, text, by, now_iso())
            self._audit(conn, point.at, audit.DEVELOPMENT_POINT_ADDED, meeting_id, f"position={point.position}", by)
            return point

    def remove_development_point(self, meeting_id: str, point_id: int, by: str | None = None) -> None:
        with self._transaction(write=True) as conn:
            self._load(conn, meeting_id)
            position = session_rows.remove_point(conn, meeting_id, point_id)
            if position is None:
                raise MeetingError("Udviklingspunktet findes ikke (længere).")
            self._audit(conn, now_iso(), audit.DEVELOPMENT_POINT_REMOVED, meeting_id, f"position={position}", by)

    def development_points(self, meeting_id: str) -> list[DevelopmentPoint]:
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            return session_rows.points(conn, self.sealer, meeting_id)

    def add_bookmark(self, meeting_id: str, at_s: float, by: str | None = None, note: str = "",
                     analyse: Analyse | None = None) -> Meeting:
        """Mark a moment; a processed meeting's flags are recomputed so it shows at once."""
        if at_s < 0:
            raise MeetingError("Et bogmærke skal have en tid på mindst 0 s.")
        with self._transaction(write=True) as conn:
            self._load(conn, meeting_id)
            now = now_iso()
            session_rows.add_bookmark(conn, self.sealer, meeting_id, at_s, by, note.strip(), now)
            self._audit(conn, now, audit.BOOKMARKED, meeting_id, f"at_s={at_s:.1f}", by)
            meeting = self._load(conn, meeting_id)
            if meeting.status == "processed" and analyse is not None:
                self._reanalyse_stored(conn, meeting, analyse, by)
            return meeting

    # ---- recording in progress ------------------------------------------------------------

    def start_live(self, meeting_id: str, live: bool, by: str | None = None) -> None:
        with self._transaction(write=True) as conn:
            meeting = self._load(conn, meeting_id)
            require_consent(meeting)
            live_rows.start(conn, meeting_id, live, now_iso())
            self._audit(conn, now_iso(), audit.RECORDING_STARTED, meeting_id, f"live={int(live)}", by)

    def live_heartbeat(self, meeting_id: str, elapsed_s: float, overflows: int = 0) -> bool:
        """The recorder is alive and has this much audio; True when someone asked it to stop,
        or the meeting was withdrawn meanwhile (nothing more may be recorded then)."""
        with self._transaction(write=True) as conn:
            stop = live_rows.heartbeat(conn, meeting_id, elapsed_s, overflows)
        return True if stop is None else stop

    def request_stop(self, meeting_id: str, by: str | None = None) -> None:
        """Ask the recorder (another process) to end the recording; it sees this within a second."""
        with self._transaction(write=True) as conn:
            self._load(conn, meeting_id)
            if live_rows.request_stop(conn, meeting_id):
                self._audit(conn, now_iso(), audit.STOP_REQUESTED, meeting_id, "", by)

    def end_live(self, meeting_id: str) -> None:
        with self._transaction(write=True) as conn:
            live_rows.end(conn, meeting_id)

    def add_live_line(self, meeting_id: str, line: LiveLine) -> None:
        with self._transaction(write=True) as conn:
            live_rows.add_line(conn, self.sealer, meeting_id, line)

    def live_session(self, meeting_id: str, last_lines: int | None = None) -> LiveSession | None:
        """The recording's state and its live lines (the latest `last_lines`, or all)."""
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            return live_rows.session(conn, self.sealer, meeting_id, last_lines)

    def recording_now(self) -> list[str]:
        """Meetings whose recorder has not ended (it may have crashed: see the heartbeat)."""
        with self._transaction() as conn:
            return live_rows.recording_now(conn)

    # ---- processing jobs (medlyt/tasks.py, medlyt/worker.py) --------------------------------

    def queue_job(self, meeting_id: str, kind: str, work_key: str, model: str | None, by: str | None = None,
                  enqueue: Callable[[Connection, Job], None] | None = None) -> Job:
        """Queue the work once: the job already open for the same work (meeting, recording,
        model) is the answer to asking again. Only a recorded meeting with everyone's consent.
        `enqueue` hands a new job to a queue (central mode's Procrastinate) in the same
        transaction as its row: both are kept, or neither."""
        with self._transaction(write=True) as conn:
            meeting = self._load(conn, meeting_id)
            require_consent(meeting)
            if meeting.audio is None:
                raise MeetingError("Mødet har ingen optagelse endnu; der er intet at behandle.")
            found = job_rows.open_for(conn, work_key)
            if found is not None:
                return found
            now = now_iso()
            job_id = job_rows.insert(conn, meeting_id, kind, work_key, model, by, now)
            self._audit(conn, now, audit.JOB_QUEUED, meeting_id, f"job={job_id} kind={kind} model={model}", by)
            job = job_rows.get(conn, job_id)
            if enqueue is not None:
                enqueue(conn, job)
            return job

    def claim_job(self, worker: str, stale_after_s: float) -> Job | None:
        """The oldest queued job, now this worker's; jobs of workers silent for `stale_after_s`
        are queued again first, so a killed worker's job is taken up by the next claim."""
        now = time.time()
        with self._transaction(write=True) as conn:
            job_rows.requeue_stale(conn, now - stale_after_s)
            return job_rows.claim_next(conn, worker, now, now_iso())

    def take_job(self, job_id: int, worker: str) -> Job | None:
        """This job, now this worker's (central mode: the queue chose it, also when a worker
        taken for dead had it); None when it is withdrawn or already ended."""
        with self._transaction(write=True) as conn:
            return job_rows.take(conn, job_id, worker, time.time(), now_iso())

    def job_beat(self, job_id: int, worker: str, progress: float | None = None) -> bool:
        """Alive, and this far (0..1); False when the job is no longer this worker's to do."""
        with self._transaction(write=True) as conn:
            return job_rows.beat(conn, job_id, worker, time.time(), progress)

    def finish_job(self, job_id: int, worker: str, failed: str | None = None) -> None:
        """Done, or failed with a Danish reason (never content); a job withdrawn meanwhile has
        no row left to finish."""
        with self._transaction(write=True) as conn:
            job = job_rows.get(conn, job_id)
            if job is None:
                return
            if job_rows.finish(conn, job_id, worker, "failed" if failed else "done", failed or "", now_iso()) and failed:
                self._audit(conn, now_iso(), audit.JOB_FAILED, job.meeting_id, f"job={job_id}", None)

    def job(self, job_id: int) -> Job | None:
        with self._transaction() as conn:
            return job_rows.get(conn, job_id)

    def latest_job(self, meeting_id: str) -> Job | None:
        with self._transaction() as conn:
            return job_rows.latest(conn, meeting_id)

    def jobs(self, limit: int = 100) -> list[Job]:
        """The newest jobs first."""
        with self._transaction() as conn:
            return job_rows.all_jobs(conn, limit)

    # ---- retention ------------------------------------------------------------------------

    def retention_days(self) -> int:
        with self._transaction() as conn:
            return retention_rows.days(conn)

    def set_retention_days(self, days: int, by: str | None = None) -> None:
        """The organisation's period for meetings recorded from now on; existing ones keep theirs."""
        retention.check_days(days)
        with self._transaction(write=True) as conn:
            retention_rows.set_days(conn, days)
            self._audit(conn, now_iso(), audit.RETENTION_SET, None, f"days={days}", by)

    def extend_retention(self, meeting_id: str, until: str, reason: str, by: str | None = None) -> Meeting:
        """Keep one meeting longer (a leader's decision, with a reason kept with the meeting)."""
        day = retention.parse_date(until)
        with self._transaction(write=True) as conn:
            meeting = self._load(conn, meeting_id)
            new = retention.check_extension(meeting.delete_after or "", day, reason, retention.today())
            retention_rows.set_delete_after(conn, meeting_id, new)
            retention_rows.add_extension(conn, self.sealer, meeting_id, new, reason.strip(), by, now_iso())
            self._audit(conn, now_iso(), audit.RETENTION_EXTENDED, meeting_id, f"until={new}", by)
            return self._load(conn, meeting_id)

    def retention_extensions(self, meeting_id: str) -> list[tuple[str, str, str | None, str]]:
        """(until, reason, by, at) of each extension, oldest first."""
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            return retention_rows.extensions(conn, self.sealer, meeting_id)

    def due_for_deletion(self, on: str | None = None) -> list[str]:
        with self._transaction() as conn:
            return retention_rows.due(conn, on or retention.today().isoformat())

    def purge(self, on: str | None = None, by: str | None = None) -> list[str]:
        """Delete every meeting whose deletion day has come, as a withdrawal does (an audit
        tombstone without content stays). A meeting being recorded right now waits. Then sweep
        the audio folder for files no meeting owns."""
        busy = set(self.recording_now())
        purged = []
        for meeting_id in self.due_for_deletion(on):
            if meeting_id in busy:
                continue
            self.withdraw(meeting_id, reason=RETENTION_EXPIRED, by=by)
            purged.append(meeting_id)
        self.sweep_orphans(by=by)
        return purged

    def sweep_orphans(self, older_than_s: float = ORPHAN_AGE_S, by: str | None = None) -> list[str]:
        """Remove audio files whose meeting is gone (a process that died between writing the file
        and its row, or a row deleted around medlyt), overwritten first; the ids they had. Only
        files untouched for `older_than_s`, so a recording being sealed right now is never taken."""
        files = self.audio.owners(time.time() - older_than_s)
        if not files:
            return []
        with self._transaction() as conn:
            owned = set(meeting_rows.existing(conn, list(files)))
        orphans = sorted(set(files) - owned)
        for meeting_id in orphans:
            for path in files[meeting_id]:
                overwrite_and_remove(path)
        if orphans:
            with self._transaction(write=True) as conn:
                for meeting_id in orphans:
                    self._audit(conn, now_iso(), audit.ORPHAN_AUDIO_REMOVED, meeting_id, f"files={len(files[meeting_id])}", by)
        return orphans

    # ---- handing a meeting from a laptop to the centre (medlyt/cli/push.py) -------------------

    def meeting_rows(self, meeting_id: str) -> handover_rows.Rows:
        """The meeting's rows as stored (sealed values sealed), to hand over."""
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            return handover_rows.read(conn, meeting_id)

    def meeting_counts(self, meeting_id: str) -> dict[str, int]:
        """How many rows the meeting has in each table that is handed over."""
        with self._transaction() as conn:
            self._load(conn, meeting_id)
            return handover_rows.counts(conn, meeting_id)

    def receive_meeting(self, rows: handover_rows.Rows, detail: str, by: str | None = None) -> Meeting:
        """Take in a meeting another database handed over, whole or not at all: its recording
        must already be in this store's audio folder (the recording first, then the rows, as
        when audio is attached), every row must arrive, and everyone who speaks must have
        consented. `detail` (codes: digest, sender) goes in the audit entry."""
        meeting_id = rows["meetings"][0]["id"]
        audio_path = rows["meetings"][0]["audio_path"]
        if audio_path is None or not (self.home / audio_path).is_file():
            raise MeetingError(f"Optagelsen til mødet '{meeting_id}' er ikke i lydmappen {self.audio_dir}; "
                               "rækkerne tages ikke imod uden den.")
        with self._transaction(write=True) as conn:
            if meeting_rows.existing(conn, [meeting_id]) or audit.tombstone(conn, meeting_id):
                raise MeetingError(f"Databasen {self.where} har allerede et møde med id '{meeting_id}'.")
            handover_rows.insert(conn, rows)
            arrived = handover_rows.counts(conn, meeting_id)
            short = [name for name, sent in rows.items() if arrived[name] != len(sent)]
            if short:
                raise MeetingError(f"Mødet '{meeting_id}' kom ikke helt frem ({short[0]}); intet er gemt.")
            meeting = self._load(conn, meeting_id)  # every sealed value opens here with this key
            require_consent(meeting)
            self._audit(conn, now_iso(), audit.MEETING_RECEIVED, meeting_id, detail, by)
            return meeting

    def hand_over(self, meeting_id: str, detail: str, by: str | None = None) -> None:
        """The meeting is now the centre's: this copy goes, audio first, then the rows, as in a
        withdrawal, but consent stands and the audit entry says where it went."""
        self._delete(meeting_id, audit.MEETING_PUSHED, detail, by)

    # ---- withdrawal -----------------------------------------------------------------------

    def withdraw(self, meeting_id: str, reason: str = "withdrawn", by: str | None = None) -> None:
        """Delete the meeting's audio, transcript, participants and consents; keep only an
        audit tombstone (id, time, reason code). `reason` is a code, never content."""
        self._delete(meeting_id, audit.WITHDRAWN, reason, by)

    def _delete(self, meeting_id: str, action: str, detail: str, by: str | None) -> None:
        self.get_meeting(meeting_id)  # raises MeetingNotFound / MeetingWithdrawn
        # Audio first: if a file cannot be removed, the meeting stays and withdrawal can be
        # retried, rather than leaving an orphaned recording nobody can find.
        self.audio.remove_all(meeting_id)
        with self._transaction(write=True) as conn:
            meeting_rows.delete(conn, meeting_id)
            self._audit(conn, now_iso(), action, meeting_id, detail, by)
        # secure_delete zeroed the rows in the pages written to the WAL; copy them into the
        # database file and truncate the WAL, so no older page with content stays there.
        # (If another connection is mid-read the checkpoint can be partial; the WAL is then
        # truncated at the next withdrawal or when the last connection closes.)
        self._checkpoint()

    def _checkpoint(self) -> None:
        self.db.checkpoint()

    # ---- audit ----------------------------------------------------------------------------

    def log(self, action: str, meeting_id: str | None, user: str | None, detail: str = "") -> None:
        """Write who viewed or exported what; `detail` is a code, never content."""
        with self._transaction(write=True) as conn:
            self._audit(conn, now_iso(), action, meeting_id, detail, user)

    def _audit(self, conn: Connection, at: str, action: str, meeting_id: str | None, detail: str = "",
               user: str | None = None) -> None:
        """Append to the audit chain, hashed with this store's audit key."""
        audit.write(conn, self._audit_key, at, action, meeting_id, detail, user)
        self._audit_extended = True

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
            sealed = setting_rows.get(conn, AUDIT_KEYED_FROM)
            try:
                keyed_from = int(self.cipher.open(sealed, AUDIT_KEYED_FROM)) if sealed is not None else None
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
