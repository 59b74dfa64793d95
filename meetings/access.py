"""Who may see and do what in a meeting: the one place for every rule, used by every route into
a meeting (the list, a link with ?meeting=, a callback, the CLI on a user's behalf), so no route
can be more generous than another.

A meeting's people are named in it, not inferred from a role: the caseworker whose meeting it
is, the sparring partner who sat in and recorded it (a colleague or a leader), and the leaders
the caseworker shares it with. Only they take part in its sparring. An administrator manages
users, retention and the audit log, and reads meeting content only where the organisation has
said so (MEDLYT_ADMIN_READS_CONTENT=1).
"""

import os

from meetings.records import Meeting, User

ADMIN_READS_CONTENT_ENV = "MEDLYT_ADMIN_READS_CONTENT"

CASEWORKER = "sagsbehandler"  # the meeting's own caseworker
PARTNER = "sparringspartner"  # who sat in and recorded it
SHARED_LEADER = "leder"  # a leader the caseworker shared it with
ADMIN = "admin"  # an administrator, where the organisation lets administrators read content


def admin_reads_content() -> bool:
    return os.environ.get(ADMIN_READS_CONTENT_ENV, "").strip() == "1"


def part_in(user: User, meeting: Meeting) -> str | None:
    """The user's part in this meeting, or None when they have none."""
    if meeting.caseworker and meeting.caseworker == user.name:
        return CASEWORKER
    if meeting.recorded_by and meeting.recorded_by == user.name:
        return PARTNER
    if user.role == "leder" and user.name in meeting.shared_with:
        return SHARED_LEADER
    if user.role == "admin" and admin_reads_content():
        return ADMIN
    return None


def can_view(user: User, meeting: Meeting) -> bool:
    """The meeting's content: its overview, transcript, sound and sparring (notes, points, report)."""
    return part_in(user, meeting) is not None


def visible(user: User, meetings: list[Meeting]) -> list[Meeting]:
    return [m for m in meetings if can_view(user, m)]


def can_share(user: User, meeting: Meeting) -> bool:
    """Sharing with a leader is the caseworker's own deliberate act."""
    return part_in(user, meeting) == CASEWORKER


def can_choose_moments(user: User, meeting: Meeting) -> bool:
    """Which moments the sparring takes up: the caseworker and the sparring partner decide."""
    return part_in(user, meeting) in (CASEWORKER, PARTNER)


def can_correct_speakers(user: User, meeting: Meeting) -> bool:
    """Who is who in the recording (rename, merge, move): the two who were there."""
    return part_in(user, meeting) in (CASEWORKER, PARTNER)


def can_export_transcript(user: User, meeting: Meeting) -> bool:
    """The transcript as a file (masked): the citizen's words, so only the two who were there."""
    return part_in(user, meeting) in (CASEWORKER, PARTNER)


def note_author(user: User, meeting: Meeting) -> str | None:
    """Which note of the sparring this user writes (meetings.records.NOTE_AUTHORS): the
    caseworker her own, a leader taking part (shared with, or the leader who sat in) the
    leader's, a colleague who sat in the colleague's; nobody writes in another's name, and an
    administrator writes none."""
    part = part_in(user, meeting)
    if part == CASEWORKER:
        return "sagsbehandler"
    if part == SHARED_LEADER or (part == PARTNER and user.role == "leder"):
        return "leder"
    if part == PARTNER:
        return "kollega"
    return None


def can_follow_development(user: User, caseworker: str, shared_with_user: bool) -> bool:
    """A caseworker's development over time is hers, and the leaders she shares meetings with
    (`shared_with_user`: at least one of her meetings is shared with this user)."""
    if user.name == caseworker:
        return True
    if user.role == "leder" and shared_with_user:
        return True
    return user.role == "admin" and admin_reads_content()


def can_create_meeting(user: User) -> bool:
    """Setting up a supervised meeting: whoever takes part in sparring; an administrator too,
    for a caseworker who asks."""
    return user.role in ("observatør", "leder", "sagsbehandler", "admin")


def caseworkers_for_new_meeting(user: User, caseworkers: list[str]) -> list[str]:
    """Whose meeting this user may set up: a caseworker only her own, so nobody is recorded
    under a colleague's name by a colleague."""
    if user.role == "sagsbehandler":
        return [user.name]
    return list(caseworkers)


def partners_for_new_meeting(user: User, partners: list[str]) -> list[str]:
    """Who sits in and records: an observer or a leader setting it up is that person; a
    caseworker or an administrator chooses among the observers and leaders."""
    if user.role in ("observatør", "leder"):
        return [user.name]
    return list(partners)


def can_manage_consent(user: User, meeting: Meeting) -> bool:
    """Registering a participant's consent, or its withdrawal: the two who were there, who
    asked for it and who the citizen turns to."""
    return part_in(user, meeting) in (CASEWORKER, PARTNER)


def can_add_recording(user: User, meeting: Meeting) -> bool:
    """Uploading the meeting's recording: the two who were there."""
    return part_in(user, meeting) in (CASEWORKER, PARTNER)
