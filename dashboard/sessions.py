"""Dashboard logins held by the server: a token in an HttpOnly, SameSite=Strict cookie (or, for
a single sign-on login, in the tab's session), the login itself a row in the store.

Every page run, every callback and the server's own routes (the login form, the sound of a
moment) ask `resolve` who is logged in, so a login ends for all of them at the same moment:
idle, too old, logged out, its user removed or given a new password.
"""

import secrets
import threading
import time
from dataclasses import dataclass

from meetings import web_sessions
from meetings.access import can_view
from meetings.errors import MeetingError
from meetings.records import User
from medlyt.settings import data_home, session_limits

COOKIE = "medlyt_session"
TOUCH_EVERY_S = 15.0  # a page run within this long of the last one does not write to the store


def store():
    from meetings.store import Store  # the login page draws before the store's imports are needed

    return Store(data_home())


def why_text(reason: str) -> str:
    limits = session_limits()
    return {
        web_sessions.IDLE: f"Du er logget ud efter {limits.idle_s / 60:g} minutter uden aktivitet.",
        web_sessions.LIFETIME: f"Du er logget ud, fordi der er gået mere end {limits.lifetime_s / 3600:g} timer, "
                               "siden du loggede ind.",
        web_sessions.LOGGED_OUT: "Du er logget ud.",
        web_sessions.GONE: "Du er ikke længere logget ind: din adgang til medlyt er ophørt, eller din adgangskode "
                           "er skiftet. Kontakt en administrator, hvis det er en fejl.",
    }.get(reason, "Du er logget ud.")


def open_login(user: str) -> str:
    """A new login for `user` (already authenticated); its token."""
    with store() as s:
        return s.open_web_session(user, time.time(), session_limits().lifetime_s)


def resolve(token: str | None, now: float | None = None) -> tuple[User | None, str | None]:
    """(the user, None) while the login lasts, which counts as activity; (None, why) once it
    has ended, and (None, None) when there was no login at all."""
    if not token:
        return None, None
    now = time.time() if now is None else now
    limits = session_limits()
    with store() as s:
        login = s.web_session(token)
        if login is None:
            return None, web_sessions.GONE
        if login.ended is not None:
            return None, login.ended
        why = web_sessions.ended(login.started, login.active, now, limits.idle_s, limits.lifetime_s)
        if why is not None:
            s.end_web_session(token, why)
            return None, why
        if now - login.active > TOUCH_EVERY_S:
            s.touch_web_session(token, now)
    return login.user, None


def log_out(token: str | None) -> None:
    if token:
        with store() as s:
            s.end_web_session(token, web_sessions.LOGGED_OUT)


# ---- the sound of a moment ------------------------------------------------------------------
# A page that plays a stretch of a recording gets an address with a ticket for it; the server
# hands out the sound only while the login that asked for it lasts and its user may still see
# the meeting. Nothing of the recording waits in Streamlit's media store, and a withdrawal, a
# logout or the end of the login silences every such address at once.

MAX_TICKETS = 10_000  # a long-running server forgets the oldest first


@dataclass(frozen=True)
class SoundTicket:
    token: str  # the login it was handed to
    meeting_id: str
    start: float
    end: float
    by_cookie: bool  # the login came with the cookie, so the player's request must bring it too


_tickets: dict[str, SoundTicket] = {}
_tickets_lock = threading.Lock()


def sound_ticket(token: str, meeting_id: str, start: float, end: float, by_cookie: bool) -> str:
    ticket = secrets.token_urlsafe(24)
    with _tickets_lock:
        _tickets[ticket] = SoundTicket(token, meeting_id, start, end, by_cookie)
        while len(_tickets) > MAX_TICKETS:
            del _tickets[next(iter(_tickets))]
    return ticket


def redeem(ticket: str) -> SoundTicket | None:
    with _tickets_lock:
        return _tickets.get(ticket)


def sound_for(ticket: str, cookie: str | None) -> tuple[int, bytes | str]:
    """(HTTP status, the WAV or a Danish line) for a player's request with `cookie`: an address
    copied out of the page opens nothing in another browser."""
    held = redeem(ticket)
    if held is None:
        return 404, "Lyden findes ikke (længere)."
    if held.by_cookie and cookie != held.token:
        return 403, "Du er ikke logget ind."
    user, _why = resolve(held.token)
    if user is None:
        return 403, "Du er ikke logget ind."
    try:
        with store() as s:
            if not can_view(user, s.get_meeting(held.meeting_id)):
                return 404, "Lyden findes ikke (længere)."
            return 200, s.audio_excerpt(held.meeting_id, held.start, held.end)
    except MeetingError:  # withdrawn, purged or damaged since the page was drawn
        return 404, "Lyden findes ikke (længere)."


# ---- a recording uploaded -------------------------------------------------------------------
# The page "Lyd ind" gets an address with a ticket; the server takes the file there in chunks
# (dashboard/upload.py), only from the login that asked, only while it lasts, and only while its
# user may add the meeting's recording and everyone who speaks has consented.

@dataclass(frozen=True)
class UploadTicket:
    token: str
    meeting_id: str
    by_cookie: bool


_uploads: dict[str, UploadTicket] = {}


def upload_ticket(token: str, meeting_id: str, by_cookie: bool) -> str:
    ticket = secrets.token_urlsafe(24)
    with _tickets_lock:
        _uploads[ticket] = UploadTicket(token, meeting_id, by_cookie)
        while len(_uploads) > MAX_TICKETS:
            del _uploads[next(iter(_uploads))]
    return ticket


def uploader(ticket: str, cookie: str | None) -> tuple[int, str, User | None, str | None]:
    """(HTTP status, a Danish line, the user, the meeting id): 200 with user and meeting when
    the upload may go ahead."""
    from meetings.access import can_add_recording

    with _tickets_lock:
        held = _uploads.get(ticket)
    if held is None:
        return 404, "Adressen til upload findes ikke (længere). Genindlæs siden.", None, None
    if held.by_cookie and cookie != held.token:
        return 403, "Du er ikke logget ind.", None, None
    user, _why = resolve(held.token)
    if user is None:
        return 403, "Du er ikke logget ind.", None, None
    try:
        with store() as s:
            meeting = s.get_meeting(held.meeting_id)
    except MeetingError:
        return 404, "Mødet findes ikke (længere).", None, None
    if not can_add_recording(user, meeting):
        return 404, "Mødet findes ikke (længere).", None, None
    if meeting.missing_consent:
        missing = ", ".join(p.label.lower() for p in meeting.missing_consent)
        return 409, f"Samtykke mangler fra {missing}: der kan ikke uploades lyd, før det er givet.", None, None
    if meeting.audio is not None:
        return 409, "Mødet har allerede en optagelse.", None, None
    return 200, "", user, meeting.id
