"""A meeting's analysis (balance, metrics, flags): the store's methods for it, part of
meetings.store.Store.
"""
from collections.abc import Callable

from sqlalchemy import Connection

from meetings import audit
from meetings.errors import MeetingError
from meetings.records import Analysis, Meeting, Segment, Speaker, Speech, now_iso
from meetings.repo import analysis as analysis_rows
from meetings.repo import transcript as transcript_rows

# Recomputes a meeting's analysis from its (corrected) transcript. The store calls it inside
# the transaction that changes the transcript, so a stored analysis is never stale. It gets
# the analysis it replaces (None if none), whose recorded settings it may keep using.
Analyse = Callable[[Meeting, list[Segment], list[Speech], list[Speaker], "Analysis | None"], Analysis]


class AnalysisMixin:
    """The stored analysis, and recomputing it from the stored transcript."""

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
            self._require(conn, meeting_id)
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
