"""A recording in progress as the database knows it (state, heartbeat, live lines): the store's
methods for it, part of meetings.store.Store. Its audio is in meetings/store/audio.py.
"""
from meetings import audit
from meetings.consent import require_consent
from meetings.records import LiveLine, LiveSession, now_iso
from meetings.repo import live as live_rows


class LiveMixin:
    """The recorder's state and live lines, and asking it to stop."""

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
            self._require(conn, meeting_id)
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
            self._require(conn, meeting_id)
            return live_rows.session(conn, self.sealer, meeting_id, last_lines)

    def recording_now(self) -> list[str]:
        """Meetings whose recorder has not ended (it may have crashed: see the heartbeat)."""
        with self._transaction() as conn:
            return live_rows.recording_now(conn)
