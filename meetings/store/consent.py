"""Consent decisions: the store's methods for them, part of meetings.store.Store."""
from sqlalchemy import Connection

from meetings import audit
from meetings.errors import MeetingError
from meetings.records import CONSENT_METHODS, Consent, Meeting, now_iso
from meetings.repo import meetings as meeting_rows


class ConsentMixin:
    """Each participant's consent, appended; a refusal withdraws the meeting."""

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


def _check_method(method: str) -> None:
    if method not in CONSENT_METHODS:
        raise MeetingError(
            f"Ukendt samtykkemetode '{method}'. Brug: {', '.join(CONSENT_METHODS)}."
        )
