"""Which meeting the user is looking at: from the link (?meeting=ID) or the session, and only
if meetings.access lets this user see it."""

import streamlit as st

from dashboard.data import log_view, meeting_for, store
from dashboard.format import day, escape
from dashboard.status import OVERVIEW, TRANSCRIPT, show_state, state_from_store
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
        st.page_link("views/meetings.py", label="Gå til Møder", icon=":material/arrow_forward:")
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


def processed_for_page(user: User, page: str, title: str = "{title}", needs_figures: bool = True) -> Meeting | None:
    """The page's meeting, under its title, if it can be shown here (transcribed; with key
    figures where the page needs them); otherwise the page says why and what happens next
    (dashboard.status). The view is logged."""
    meeting = chosen_meeting(user)
    if meeting is None:
        return None
    st.title(title.format(title=escape(redact(meeting.title))))
    with store() as s:
        state = state_from_store(s, meeting)
    if not (state.has_figures if needs_figures else state.has_transcript):
        show_state(state, here={"overblik": OVERVIEW, "transskription": TRANSCRIPT}.get(page), meeting=meeting)
        return None
    log_view(user, meeting.id, page, st.session_state.setdefault("viewed", set()))
    return meeting


def has_analysis(meeting: Meeting, analysis) -> bool:
    """False, saying why and what happens next, for a meeting without key figures (processed
    before feedback existed, or its analysis dropped)."""
    if analysis is None:
        with store() as s:
            show_state(state_from_store(s, meeting), meeting=meeting)
        return False
    return True


def pick_meeting(meetings: list[Meeting], key: str) -> Meeting:
    """A picker over `meetings` (the page's own selection of the user's meetings), opening on
    the meeting in the address or the session when it is among them."""
    labels = {m.id: f"{day(m.created_at)} · {redact(m.title)}" for m in meetings}
    ids = list(labels)
    current = st.query_params.get("meeting") or st.session_state.get(MEETING_KEY)
    chosen = st.selectbox("Møde", ids, index=ids.index(current) if current in ids else 0, format_func=labels.get,
                          key=key)
    return next(m for m in meetings if m.id == chosen)
