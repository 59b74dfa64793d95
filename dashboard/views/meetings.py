"""Møder: the meetings this user may see, with balance and flags at a glance."""

from datetime import date, timedelta

import streamlit as st

from dashboard.auth import current_user
from dashboard.choice import choose
from dashboard.data import meeting_for, meetings_for, store
from dashboard.format import clock, day, day_time, escape, percent
from dashboard.status import LIVE, OVERVIEW, PAGE_NAMES, states_from_store
from feedback.labels import voices_note
from meetings import audit
from meetings.access import ADMIN_READS_CONTENT_ENV, admin_reads_content, can_share
from meetings.errors import MeetingError
from meetings.redaction import redact


def log_list_view(user) -> None:
    """The list itself is a view too: once per session, with the user."""
    if st.session_state.get("list_logged"):
        return
    st.session_state["list_logged"] = True
    with store() as s:
        s.log(audit.VIEWED, None, user.name, "page=moeder")


def render() -> None:
    user = current_user()
    st.title("Møder")
    meetings = meetings_for(user)
    log_list_view(user)
    if not meetings:
        if user.role == "admin" and not admin_reads_content():
            st.info("Som administrator styrer du brugere, opbevaring og revisionslog, men ser ikke mødernes "
                    "indhold. Et møde vises for sagsbehandleren i mødet, sparringspartneren der optog det, og "
                    f"de ledere, det er delt med. Organisationen kan give administratorer adgang ({ADMIN_READS_CONTENT_ENV}=1).")
        else:
            st.info("Der er ingen møder, du har adgang til. Et møde vises for sagsbehandleren i mødet, "
                    "sparringspartneren der optog det, og de ledere, det er delt med. Bed sparringspartneren om "
                    "at dele mødet med dig, hvis du mangler et.")
        return
    with store() as s:
        states, glances = states_from_store(s, meetings)
    rows = [meeting_row(m, states[m.id], glances[m.id]) for m in meetings]
    if (clicked := st.session_state.pop(CLICKED, None)) in states:  # a row just clicked: open it
        open_meeting(clicked, states[clicked])
    st.caption("Klik på et møde i tabellen for at åbne det.")
    st.session_state[TABLE_IDS] = [m.id for m in meetings]  # the rows' meetings, for row_clicked
    st.dataframe(rows, hide_index=True, width="stretch", on_select=row_clicked, selection_mode="single-row",
                 key=TABLE, column_config=COLUMNS)

    labels = {m.id: f"{day(m.created_at)} · {redact(m.title)} · {states[m.id].label}" for m in meetings}
    ready = [m.id for m in meetings if states[m.id].has_figures]  # newest ready meeting first, not a blank one
    if st.session_state.get("open_meeting") not in labels:
        st.session_state["open_meeting"] = (ready or list(labels))[0]
    chosen = st.selectbox("Åbn et møde", list(labels), format_func=labels.get, key="open_meeting")
    if st.button("Åbn mødet", type="primary"):
        open_meeting(chosen, states[chosen])

    meeting = next(m for m in meetings if m.id == chosen)
    state = states[chosen]
    if not state.has_figures:
        st.caption(f"{state.explanation} {state.next_step}")
        if state.page is not None and state.page != LIVE:
            st.page_link(state.page, label=f"Gå til {PAGE_NAMES[state.page]}", icon=":material/arrow_forward:",
                         query_params={"meeting": meeting.id})
    if can_share(user, meeting):
        share_form(user, meeting)
    if user.role in RETENTION_ROLES:
        retention_form(user, meeting)


# Widths that let every column, the id last, fit beside the sidebar at 1400 px: the id is for
# telling meetings apart when talking to support, so it must be readable whole.
COLUMNS = {
    "Dato": st.column_config.TextColumn("Dato", width=118),
    "Titel": st.column_config.TextColumn("Titel", width=160),
    "Status": st.column_config.TextColumn("Status", width=130),
    "Varighed": st.column_config.TextColumn("Varighed", width=70),
    "Sagsbehandlerens andel": st.column_config.TextColumn("Andel", width=60,
                                                          help="Sagsbehandlerens andel af taletiden (–, hvor stemmerne ikke "
                                                               "kunne skelnes fra hinanden)"),
    "Markeringer": st.column_config.NumberColumn("Markeringer", width=85),
    "Delt med": st.column_config.TextColumn("Delt med", width=80),
    "Slettes": st.column_config.TextColumn("Slettes", width=85),
    "Id": st.column_config.TextColumn("Id", width=118),
}


def meeting_row(m, state, glance) -> dict:
    figures = state.has_figures and glance.has_analysis
    # One voice found where two speak: its 100 % says nothing about the caseworker (the overview says why).
    share = glance.shares.get("sagsbehandler") if figures and voices_note(m, glance.voices) is None else None
    return {
        "Dato": day_time(m.created_at),
        "Titel": redact(m.title),
        "Status": state.label,
        "Varighed": clock(m.audio.duration_s) if m.audio else "–",
        "Sagsbehandlerens andel": percent(share),
        "Markeringer": glance.flags if figures else 0,
        "Delt med": ", ".join(m.shared_with) or "–",
        "Slettes": day(m.delete_after),
        "Id": m.id,
    }


TABLE, TABLE_IDS, CLICKED = "meeting_table", "meeting_table_ids", "meeting_clicked"


def row_clicked() -> None:
    """Runs once per click (not on every later run, as the table's selection stays): the clicked
    meeting is opened by the run that follows, or chosen below when there is nothing to open."""
    rows, ids = st.session_state[TABLE].selection.rows, st.session_state.get(TABLE_IDS, [])
    if rows and rows[0] < len(ids):
        st.session_state["open_meeting"] = st.session_state[CLICKED] = ids[rows[0]]


def open_meeting(meeting_id: str, state) -> None:
    """To the overview when it has something to show, or to Live for a recording; any other
    meeting stays here, chosen, with its status and the way onward below."""
    page = OVERVIEW if state.has_figures else LIVE if state.page == LIVE else None
    if page is None:
        return
    choose(meeting_id)
    st.switch_page(page, query_params={"meeting": meeting_id})


def retention_form(user, meeting) -> None:
    """A leader may keep one meeting longer than the organisation's period, with a reason: a
    callback, so the table above and this box's title show the new day at once."""
    said = st.session_state.pop(RETENTION_NOTICE, None)
    with st.expander(f"Gem mødet længere (slettes {day(meeting.delete_after)})", expanded=said is not None):
        if said is not None:
            (st.success if said[0] else st.error)(said[1])
        st.date_input("Ny slettedato", value=date.fromisoformat(meeting.delete_after) + timedelta(days=30),
                      key="retention_until", format="DD.MM.YYYY")
        st.text_input("Begrundelse (skriv ikke borgerens navn)", key="retention_reason")
        st.button("Forlæng", on_click=extend, args=(meeting.id,))


RETENTION_NOTICE = "retention_notice"  # (done, what to say) after an extension
RETENTION_ROLES = ("leder", "admin")


def extend(meeting_id: str) -> None:
    user = current_user()  # checked again when the click runs: a leader removed meanwhile extends nothing
    if user is None or user.role not in RETENTION_ROLES or meeting_for(user, meeting_id) is None:
        return
    until, reason = st.session_state["retention_until"], st.session_state.get("retention_reason", "")
    try:
        with store() as s:
            changed = s.extend_retention(meeting_id, until.isoformat(), reason, by=user.name)
    except MeetingError as error:
        st.session_state[RETENTION_NOTICE] = (False, str(error))
    else:
        st.session_state[RETENTION_NOTICE] = (True, f"Mødet slettes nu {day(changed.delete_after)}.")


def share_form(user, meeting) -> None:
    """Share with a leader, and stop sharing: both callbacks, so the table above shows the
    change at once."""
    with store() as s:
        leaders = [u.name for u in s.users() if u.role == "leder"]
    shared = ", ".join(escape(name) for name in meeting.shared_with)
    said = st.session_state.pop(SHARE_NOTICE, None)
    with st.expander(f"Deling ({'delt med ' + shared if shared else 'ikke delt'})", expanded=said is not None):
        if said is not None:
            st.success(said)
        for leader in meeting.shared_with:
            name, stop = st.columns([3, 1], vertical_alignment="center")
            name.markdown(f"Delt med **{escape(leader)}**")
            stop.button("Stop deling", key=f"unshare-{leader}", on_click=unshare, args=(meeting.id, leader))
        others = [name for name in leaders if name not in meeting.shared_with]
        if not others:
            st.caption("Der er ingen ledere blandt brugerne." if not leaders else "Mødet er delt med alle ledere.")
            return
        leader = st.selectbox("Del med lederen", others, key="share_leader")
        sure = st.checkbox("Jeg vil give lederen adgang til lyd, transskription og markeringer i dette møde.",
                           key="share_sure")
        st.button("Del mødet", disabled=not sure, on_click=share, args=(meeting.id, leader))


SHARE_NOTICE = "share_notice"


def sharing_allowed(meeting_id: str):
    """The user, if they may still share this meeting: checked again when the click runs."""
    user = current_user()
    meeting = meeting_for(user, meeting_id) if user is not None else None
    return user if meeting is not None and can_share(user, meeting) else None


def share(meeting_id: str, leader: str) -> None:
    if (user := sharing_allowed(meeting_id)) is None:
        return
    try:
        with store() as s:
            s.share(meeting_id, leader, by=user.name)
    except MeetingError as error:
        st.session_state[SHARE_NOTICE] = str(error)
        return
    st.session_state["share_sure"] = False  # the next share is a deliberate act of its own
    st.session_state[SHARE_NOTICE] = f"Mødet er delt med {escape(leader)}."


def unshare(meeting_id: str, leader: str) -> None:
    if (user := sharing_allowed(meeting_id)) is None:
        return
    with store() as s:
        s.unshare(meeting_id, leader, by=user.name)
    st.session_state[SHARE_NOTICE] = f"Mødet er ikke længere delt med {escape(leader)}."


render()
