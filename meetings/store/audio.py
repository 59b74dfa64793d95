"""A meeting's recording, and a recording in progress (a sealed log, meetings.recordings): the
store's methods for them, part of meetings.store.Store. The files are in meetings/audio_files.py.
"""
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from meetings import audit
from meetings.audio_files import Damage
from meetings.consent import require_consent
from meetings.errors import MeetingError
from meetings.records import AudioInfo, Meeting, now_iso
from meetings.repo import meetings as meeting_rows
from meetings.repo import retention as retention_rows


class AudioMixin:
    """The sealed recording: attached, read as a plain copy or an excerpt, recorded into."""

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
