"""Handing a meeting from a laptop to the centre (medlyt/cli/push.py): the store's methods for it,
part of meetings.store.Store.
"""
from meetings import audit
from meetings.consent import require_consent
from meetings.errors import MeetingError
from meetings.records import Meeting, now_iso
from meetings.repo import handover as handover_rows
from meetings.repo import meetings as meeting_rows


class HandoverMixin:
    """A meeting's rows read out whole, taken in whole, and this copy deleted once handed over."""

    def meeting_rows(self, meeting_id: str) -> handover_rows.Rows:
        """The meeting's rows as stored (sealed values sealed), to hand over."""
        with self._transaction() as conn:
            self._require(conn, meeting_id)
            return handover_rows.read(conn, meeting_id)

    def meeting_counts(self, meeting_id: str) -> dict[str, int]:
        """How many rows the meeting has in each table that is handed over."""
        with self._transaction() as conn:
            self._require(conn, meeting_id)
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
