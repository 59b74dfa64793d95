"""Reading the store for the dashboard, always on behalf of the logged-in user.

Not cached: the CLI may create a meeting or correct its speakers at any moment, and reading one
meeting from SQLite takes milliseconds. Every route to a meeting goes through `meeting_for`,
which applies meetings.access, so no route is more generous than another.
"""

from urllib.parse import urljoin

import streamlit as st

from dashboard import sessions
from dashboard.auth import cookie_token, token
from dashboard.report import report_html, report_markdown
from meetings import audit
from meetings.access import can_export_transcript, can_view, visible
from meetings.records import Meeting, User, review_key
from meetings.store import MeetingError, Store
from medlyt.settings import data_home

SOUND_PATH = "/medlyt/lyd"  # dashboard.server answers there


def store() -> Store:
    return Store(data_home())


def meetings_for(user: User) -> list[Meeting]:
    with store() as s:
        return visible(user, s.list_meetings())


def meeting_for(user: User, meeting_id: str | None) -> Meeting | None:
    """The meeting if it exists and the user may see it; None otherwise (the two are not told
    apart, so the answer does not reveal which ids exist)."""
    if not meeting_id:
        return None
    try:
        with store() as s:
            meeting = s.get_meeting(meeting_id)
    except MeetingError:
        return None
    return meeting if can_view(user, meeting) else None


def log_view(user: User, meeting_id: str, page: str, seen: set) -> None:
    """Once per page and meeting in a session: reruns of the same page are not new views."""
    key = (meeting_id, page)
    if key in seen:
        return
    seen.add(key)
    with store() as s:
        s.log(audit.VIEWED, meeting_id, user.name, f"page={page}")


def purge_due() -> list[str]:
    """Meetings whose retention period has run out go before anyone sees the list."""
    with store() as s:
        return s.purge()


def play(meeting_id: str, start: float, end: float, play_from: float, play_to: float, what: str = "Øjeblikket",
         autoplay: bool = False) -> None:
    """A stretch of the recording in an audio player, or one line saying why it cannot be played.
    The player fetches it from the server's own sound address (dashboard.server), which answers
    only while this login lasts and its user may see the meeting. With `autoplay` it starts at once
    (a line clicked in the transcript)."""
    try:
        with store() as s:
            s.audio_excerpt(meeting_id, start, end)  # damaged or missing: say so here, on the page
    except MeetingError as error:
        st.warning(f"{what} kan ikke afspilles: {error}")
        return
    ticket = sessions.sound_ticket(token(), meeting_id, start, end, by_cookie=cookie_token() is not None)
    address = urljoin(st.context.url or "http://127.0.0.1/", f"{SOUND_PATH}/{ticket}")
    st.audio(address, format="audio/wav", start_time=round(play_from - start, 2), end_time=round(play_to - start, 2),
             autoplay=autoplay)


REPORT_GONE = "Rapporten kan ikke hentes: mødet er slettet, eller du har ikke længere adgang til det.\n"


def report_for(user_name: str, meeting_id: str, moment_keys: list, fmt: str) -> str:
    """The report, built when its button is clicked (a deferred download, run without Streamlit):
    from the store as it is then, with access checked again and the export audited at that
    moment. Until the click no copy of it waits at any address."""
    try:
        with store() as s:
            user, meeting = s.user(user_name), s.get_meeting(meeting_id)
            if user is None or not can_view(user, meeting):
                return REPORT_GONE
            speakers, analysis = s.speakers(meeting_id), s.analysis(meeting_id)
            notes, points = s.session_notes(meeting_id), s.development_points(meeting_id)
            reviews = s.reviews(meeting_id)
            s.log(audit.EXPORTED, meeting_id, user_name, f"format={fmt}")
    except MeetingError:  # withdrawn or purged since the page was drawn
        return REPORT_GONE
    moments = [f for f in analysis.flags if review_key(f) in moment_keys]
    build = report_html if fmt == "html" else report_markdown
    return build(meeting, speakers, analysis, moments, notes, points, reviews)


TRANSCRIPT_GONE = "Transskriptionen kan ikke hentes: mødet er slettet, eller du har ikke længere adgang til den.\n"


def transcript_csv_for(user_name: str, meeting_id: str) -> str:
    """The transcript as a masked, spreadsheet-safe CSV (medlyt.export), made at the click as the
    report is: access checked again, the export audited at that moment."""
    from medlyt.export import Transcript, get_writer

    try:
        with store() as s:
            user, meeting = s.user(user_name), s.get_meeting(meeting_id)
            if user is None or not can_export_transcript(user, meeting):
                return TRANSCRIPT_GONE
            transcript = Transcript.of_meeting(meeting, s.segments(meeting_id), s.speakers(meeting_id))
            s.log(audit.EXPORTED, meeting_id, user_name, "format=csv")
    except MeetingError:
        return TRANSCRIPT_GONE
    return get_writer("csv")(transcript)
