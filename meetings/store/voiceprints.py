"""Caseworkers' enrolled voices: the store's methods for them, part of meetings.store.Store."""
from meetings import audit
from meetings.errors import MeetingError
from meetings.records import now_iso
from meetings.repo import users as user_rows
from meetings.store.consent import _check_method


class VoiceprintsMixin:
    """One voice print a user, sealed, enrolled with consent."""

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
