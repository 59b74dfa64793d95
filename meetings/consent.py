"""The consent gate: the single place that decides whether a meeting may keep audio or text."""

from meetings.errors import ConsentError
from meetings.records import Meeting


def require_consent(meeting: Meeting) -> None:
    """Raise ConsentError unless every speaking participant has given consent.

    Silent participants (the observer) are not recorded as speakers, so they do not gate.
    """
    missing = meeting.missing_consent
    if not missing:
        return
    who = ", ".join(f"{p.label} ({p.role})" for p in missing)
    role = missing[0].role
    raise ConsentError(
        f"Samtykke mangler for: {who}. Registrér det med: "
        f"medlyt consent {meeting.id} --participant {role} --given --method verbal"
        + (" (for hver deltager)" if len(missing) > 1 else "")
    )
