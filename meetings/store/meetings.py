"""Creating and reading meetings: the store's methods for them, part of meetings.store.Store."""
from meetings import audit
from meetings.errors import MeetingError
from meetings.records import ROLE_LABELS, ROLES, Glance, Meeting, Participant, channel_problem, now_iso
from meetings.repo import glance as glance_rows
from meetings.repo import meetings as meeting_rows
from meetings.repo import retention as retention_rows
from meetings.store.consent import _check_method


class MeetingsMixin:
    """A meeting, its participants (with any consent given at once), and lists of them."""

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
        problem = channel_problem(participants)
        if problem:
            raise MeetingError(problem)
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


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise MeetingError(f"Ukendt rolle '{role}'. Gyldige roller: {', '.join(ROLES)}.")
