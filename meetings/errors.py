"""Errors of the meeting store. Each message is one clear Danish line for the user.

The CLI maps MeetingError to exit 2 and ConsentError (and so MeetingWithdrawn) to exit 3.
"""


class MeetingError(Exception):
    """Bad input or a state the store refuses; str(e) is one Danish line."""


class DatabaseUnavailable(MeetingError):
    """The database cannot be reached right now (stopped, restarting, network): nothing was
    changed, and trying again later may work."""


class MeetingNotFound(MeetingError):
    def __init__(self, meeting_id: str):
        super().__init__(f"Mødet '{meeting_id}' findes ikke.")
        self.meeting_id = meeting_id


class ConsentError(MeetingError):
    """Consent is missing (or was withdrawn), so the store keeps no audio or transcript."""


class MeetingWithdrawn(ConsentError):
    """The meeting was deleted: consent withdrawn, or its retention period ran out."""

    def __init__(self, meeting_id: str, withdrawn_at: str, reason: str = "withdrawn"):
        why = "opbevaringstiden udløb" if reason == "retention_expired" else "samtykke trukket tilbage"
        super().__init__(f"Mødet '{meeting_id}' er slettet ({why} {withdrawn_at[:10]}).")
        self.meeting_id = meeting_id
        self.withdrawn_at = withdrawn_at


class LoginThrottled(MeetingError):
    """Too many failed logins for a name or from a client: wait before the next try."""

    def __init__(self, wait_s: float):
        seconds = max(1, round(wait_s + 0.49))
        when = (f"{seconds} {'sekund' if seconds == 1 else 'sekunder'}" if seconds < 120
                else f"{round(seconds / 60)} minutter")
        super().__init__(f"For mange forkerte forsøg. Prøv igen om {when}.")
        self.wait_s = wait_s
