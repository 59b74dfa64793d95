"""The feedback session (reviewed flags, notes, development points, bookmarks): the store's
methods for it, part of meetings.store.Store.
"""
from meetings import audit
from meetings.errors import MeetingError
from meetings.records import (
    NOTE_AUTHORS,
    REVIEW_STATUSES,
    DevelopmentPoint,
    Flag,
    FlagReview,
    Meeting,
    SessionNote,
    now_iso,
    review_key,
)
from meetings.repo import session as session_rows
from meetings.store.analysis import Analyse


class SessionMixin:
    """What the leader and the caseworker make of a processed meeting together."""

    def review_flag(self, meeting_id: str, flag: Flag, status: str, note: str = "", by: str | None = None) -> None:
        """Mark a flagged moment "drøftet" or "ikke relevant", with a note."""
        if status not in REVIEW_STATUSES:
            raise MeetingError(f"Ukendt status '{status}'. Brug: {', '.join(REVIEW_STATUSES)}.")
        with self._transaction(write=True) as conn:
            self._require(conn, meeting_id)
            now = now_iso()
            session_rows.save_review(conn, self.sealer, meeting_id, flag.kind, round(flag.start * 1000), status,
                                     note.strip(), by, now)
            self._audit(conn, now, audit.FLAG_REVIEWED, meeting_id, f"kind={flag.kind} status={status}", by)

    def clear_review(self, meeting_id: str, flag: Flag, by: str | None = None) -> None:
        """The moment is back to nobody having chosen for it (an undone first choice)."""
        with self._transaction(write=True) as conn:
            self._require(conn, meeting_id)
            kind, start_ms = review_key(flag)
            if session_rows.clear_review(conn, meeting_id, kind, start_ms):
                self._audit(conn, now_iso(), audit.FLAG_REVIEW_CLEARED, meeting_id, f"kind={kind}", by)

    def reviews(self, meeting_id: str) -> dict[tuple[str, int], FlagReview]:
        """The reviews by (kind, start in ms), the key `review_key` gives a flag."""
        with self._transaction() as conn:
            self._require(conn, meeting_id)
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
            self._require(conn, meeting_id)
            now = now_iso()
            session_rows.replace_note(conn, self.sealer, meeting_id, kind, start_ms, author, text, by, now)
            where = f"kind={kind} start_ms={start_ms}" if kind is not None else "session"
            self._audit(conn, now, audit.SESSION_NOTE_SAVED, meeting_id,
                        f"{where} author={author}" + ("" if text else " cleared"), by)

    def session_notes(self, meeting_id: str) -> dict[tuple[tuple[str, int] | None, str], SessionNote]:
        """The notes by (moment, author): moment is a flag's `review_key`, or None for the session."""
        with self._transaction() as conn:
            self._require(conn, meeting_id)
            return session_rows.notes(conn, self.sealer, meeting_id)

    def add_development_point(self, meeting_id: str, text: str, by: str | None = None) -> DevelopmentPoint:
        """An agreed development point, after the ones already there."""
        text = text.strip()
        if not text:
            raise MeetingError("Et udviklingspunkt skal have en tekst.")
        with self._transaction(write=True) as conn:
            self._require(conn, meeting_id)
            point = session_rows.add_point(conn, self.sealer, meeting_id, text, by, now_iso())
            self._audit(conn, point.at, audit.DEVELOPMENT_POINT_ADDED, meeting_id, f"position={point.position}", by)
            return point

    def remove_development_point(self, meeting_id: str, point_id: int, by: str | None = None) -> None:
        with self._transaction(write=True) as conn:
            self._require(conn, meeting_id)
            position = session_rows.remove_point(conn, meeting_id, point_id)
            if position is None:
                raise MeetingError("Udviklingspunktet findes ikke (længere).")
            self._audit(conn, now_iso(), audit.DEVELOPMENT_POINT_REMOVED, meeting_id, f"position={position}", by)

    def development_points(self, meeting_id: str) -> list[DevelopmentPoint]:
        with self._transaction() as conn:
            self._require(conn, meeting_id)
            return session_rows.points(conn, self.sealer, meeting_id)

    def add_bookmark(self, meeting_id: str, at_s: float, by: str | None = None, note: str = "",
                     analyse: Analyse | None = None) -> Meeting:
        """Mark a moment; a processed meeting's flags are recomputed so it shows at once."""
        if at_s < 0:
            raise MeetingError("Et bogmærke skal have en tid på mindst 0 s.")
        with self._transaction(write=True) as conn:
            self._require(conn, meeting_id)
            now = now_iso()
            session_rows.add_bookmark(conn, self.sealer, meeting_id, at_s, by, note.strip(), now)
            self._audit(conn, now, audit.BOOKMARKED, meeting_id, f"at_s={at_s:.1f}", by)
            meeting = self._load(conn, meeting_id)
            if meeting.status == "processed" and analyse is not None:
                self._reanalyse_stored(conn, meeting, analyse, by)
            return meeting


def _moment_key(moment: Flag | tuple[str, int] | None) -> tuple[str | None, int | None]:
    if moment is None:
        return None, None
    if isinstance(moment, Flag):
        return review_key(moment)
    kind, start_ms = moment
    return str(kind), int(start_ms)
