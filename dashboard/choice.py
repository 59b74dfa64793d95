"""Which meeting the user is looking at: from the link (?meeting=ID) or the session, and only
if meetings.access lets this user see it."""

import streamlit as st

from dashboard.data import meeting_for
from meetings.records import Meeting, User

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
    return meeting
