"""Which meeting the user is looking at: from the link (?meeting=ID) or the session, and only
if meetings.access lets this user see it."""

import streamlit as st

from dashboard.data import log_view, meeting_for
from dashboard.format import escape
from meetings.records import Meeting, User
from meetings.redaction import redact

MEETING_KEY = "meeting_id"
NO_ACCESS = "Mødet findes ikke, eller du har ikke adgang til det."


def choose(meeting_id: str) -> None:
    st.session_state[MEETING_KEY] = meeting_id
    st.query_params["meeting"] = meeting_id


def chosen_meeting(user: User) -> Meeting | None:
    wanted = st.query_params.get("meeting") or st.session_state.get(MEETING_KEY)
    if not wanted:
        st.info("Vælg et møde under **Møder**.")
        return None
    meeting = meeting_for(user, wanted)
    if meeting is None:
        st.session_state.pop(MEETING_KEY, None)
        st.error(NO_ACCESS)
        return None
    st.session_state[MEETING_KEY] = meeting.id
    if st.query_params.get("meeting") != meeting.id:  # in the address, so a reload or a copied link keeps it
        st.query_params["meeting"] = meeting.id
    return meeting


def processed_for_page(user: User, page: str, title: str = "{title}") -> Meeting | None:
    """The page's meeting, under its title, if it is transcribed; the view is logged."""
    meeting = chosen_meeting(user)
    if meeting is None:
        return None
    st.title(title.format(title=escape(redact(meeting.title))))
    if meeting.status != "processed":
        st.info(f"Mødet er ikke transskriberet endnu. Kør: `medlyt process {meeting.id}`")
        return None
    log_view(user, meeting.id, page, st.session_state.setdefault("viewed", set()))
    return meeting


def has_analysis(meeting: Meeting, analysis) -> bool:
    """False, with the command that fixes it, for a meeting processed before feedback existed."""
    if analysis is None:
        st.info(f"Mødet har ingen nøgletal endnu. Kør: `medlyt analyse {meeting.id}`")
        return False
    return True
