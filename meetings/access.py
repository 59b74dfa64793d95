"""Who may see which meeting: one pure rule, used by every route into a meeting (the list, a
link with ?meeting=, the CLI on a user's behalf), so no route can be more generous."""

from meetings.records import Meeting, User


def can_view(user: User, meeting: Meeting) -> bool:
    if user.role == "admin":
        return True
    if user.role == "sagsbehandler":
        return meeting.caseworker == user.name
    if user.role == "leder":
        return user.name in meeting.shared_with
    if user.role == "observatør":
        return meeting.recorded_by == user.name
    return False


def visible(user: User, meetings: list[Meeting]) -> list[Meeting]:
    return [m for m in meetings if can_view(user, m)]


def can_share(user: User, meeting: Meeting) -> bool:
    """Sharing with a leader is the caseworker's own deliberate act (or an administrator's)."""
    return user.role == "admin" or (user.role == "sagsbehandler" and meeting.caseworker == user.name)


def note_author(user: User, meeting: Meeting) -> str | None:
    """Which of a sparring's two notes this user writes (meetings.records.NOTE_AUTHORS): the
    caseworker her own, a leader it is shared with the leader's; nobody writes in another's
    name, and whoever is not in the session (an administrator, the observer) writes neither."""
    if not can_view(user, meeting):
        return None
    if user.role == "sagsbehandler" and meeting.caseworker == user.name:
        return "sagsbehandler"
    if user.role == "leder" and user.name in meeting.shared_with:
        return "leder"
    return None
