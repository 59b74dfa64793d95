"""Retention (meetings/retention.py decides the dates): the store's methods for it, part of
meetings.store.Store.
"""
import time

from meetings import audit, retention
from meetings.audio_files import overwrite_and_remove
from meetings.records import Meeting, now_iso
from meetings.repo import meetings as meeting_rows
from meetings.repo import retention as retention_rows

RETENTION_EXPIRED = "retention_expired"  # the tombstone's reason code when purge deleted a meeting
ORPHAN_AGE_S = 3600.0  # an audio file with no meeting is swept once it has been left alone this long


class RetentionMixin:
    """The retention period, extensions, and purging what is due (and orphaned audio)."""

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
            self._require(conn, meeting_id)
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
