"""Withdrawal: the store's methods for it, part of meetings.store.Store."""
from meetings import audit
from meetings.records import now_iso
from meetings.repo import meetings as meeting_rows


class WithdrawalMixin:
    """Deleting a meeting for good, audio first, leaving only an audit tombstone."""

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
