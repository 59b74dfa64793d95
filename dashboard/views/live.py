"""Live: a meeting being recorded right now.

The observer sees the running balance, who has the word and for how long, the latest lines
(a first guess; the full pass after the recording replaces them), and can set a bookmark or stop
the recording. The meeting's caseworker sees only a calm private view with gentle nudges. The
page reads the store every two seconds; the recorder writes it from its own process.
"""

import time

import streamlit as st

from dashboard.auth import current_user
from dashboard.choice import NO_ACCESS
from dashboard.data import log_view, meeting_for, store
from dashboard.format import clock, count, escape, percent
from dashboard.status import LIVE, MEETINGS, OVERVIEW, PAGE_NAMES, UPLOAD, state_from_store
from feedback.config import ConfigError, load_config
from feedback.live import LiveStatus, live_status, seconds_text
from meetings.access import ADMIN, PARTNER, part_in
from meetings.records import LiveSession, Meeting, User
from meetings.redaction import redact
from medlyt.settings import config_path, data_home

REFRESH_S = 2.0
LATEST_LINES = 8


def thresholds():
    try:
        return load_config(config_path(data_home())).thresholds
    except ConfigError:
        return load_config().thresholds  # the organisation's file is checked by the CLI; never block the page


def recording_meetings(user: User) -> list[Meeting]:
    with store() as s:
        ids = s.recording_now()
    return [m for m in (meeting_for(user, i) for i in ids) if m is not None]


def render() -> None:
    user = current_user()
    st.title("Live")
    meetings = recording_meetings(user)
    wanted = st.query_params.get("meeting")
    if wanted and wanted not in {m.id for m in meetings}:
        meeting = meeting_for(user, wanted)
        if meeting is None:
            st.error(NO_ACCESS)
            return
        meetings.append(meeting)  # an ended recording: the page says so
    if not meetings:
        st.info("Ingen optagelse er i gang lige nu. Når sparringspartneren starter en optagelse med live-tekst, "
                "vises taletid og de seneste linjer her, mens mødet foregår.")
        return
    labels = {m.id: redact(m.title) for m in meetings}
    chosen = st.selectbox("Optagelse", list(labels), format_func=labels.get, key="live_meeting",
                          index=list(labels).index(wanted) if wanted in labels else 0)
    meeting = next(m for m in meetings if m.id == chosen)
    log_view(user, meeting.id, "live", st.session_state.setdefault("viewed", set()))
    if user.role == "sagsbehandler":
        caseworker_view(meeting.id)
    else:
        observer_view(user, meeting)


@st.fragment(run_every=REFRESH_S)
def caseworker_view(meeting_id: str) -> None:
    session, status = read(meeting_id)
    if session is None:
        return
    st.caption("Din private visning: kun du ser den.")
    if not status.recording:
        st.success("Optagelsen er slut. Tak for samtalen.")
        return
    if not session.live:
        st.info("Optagelsen kører uden live-tekst, så der er ingen hints undervejs.")
        return
    if not any(role == "sagsbehandler" for role in status.roles.values()):
        st.info("Din stemme er ikke genkendt endnu, så der er ingen hints. Med en stemmeprøve "
                "eller én mikrofon pr. person kendes den fra starten; spørg sparringspartneren.")
        return
    if not status.nudges:
        st.markdown("### Det går fint 🙂")
    for tone, text in status.nudges:
        (st.success if tone == "strength" else st.info)(text)
    mine = status.shares.get(next(s for s, r in status.roles.items() if r == "sagsbehandler"))
    st.caption(f"Din andel af taletiden indtil nu: {percent(mine)}")


@st.fragment(run_every=REFRESH_S)
def observer_view(user: User, meeting: Meeting) -> None:
    session, status = read(meeting.id)
    if session is None:
        return
    bookmarks = len(meeting_bookmarks(meeting.id))
    if not status.recording:
        onward = [f"Optagelsen er stoppet efter {clock(status.elapsed_s)}."]
        if session.live:
            onward.append("Linjerne herunder er foreløbige; den fulde gennemgang erstatter dem.")
        if bookmarks:
            onward.append("Bogmærket bliver til en markering i mødeoverblikket." if bookmarks == 1
                          else f"De {bookmarks} bogmærker bliver til markeringer i mødeoverblikket.")
        st.success(" ".join(onward))
        after_stop(meeting)
    elif status.stale:
        st.warning("Optageren har ikke meldt sig i over 5 sekunder. Se til computeren, der optager; "
                   "lyd, der allerede er optaget, genoprettes ved næste start.")
    elif session.stop_requested:
        st.info("Stop er sendt til optageren. Optagelsen stopper om et øjeblik ...")
    now_speaking = (f"{status.current.speaker} · {seconds_text(status.elapsed_s - status.current.start)}"
                    if status.current else "Ingen")
    # Each as wide as its value and wrapping onto the next line: "Sagsbehandler · 2 min 30 s" is
    # never cut, on a tablet either.
    row = st.container(horizontal=True, wrap=True, gap="large")
    row.metric("Optaget", clock(status.elapsed_s), width="content")
    if status.recording:  # after the stop nobody is speaking into it
        row.metric("Taler nu", now_speaking, width="content")
    row.metric("Bogmærker", bookmarks, width="content")
    if session.overflows:
        st.warning(f"Lydkortet har tabt lyd {count(session.overflows, 'gang', 'gange')}.")
    if status.recording and can_control(user, meeting):
        controls(user, meeting.id, status)
    if not session.live:
        st.caption(("Optagelsen kører uden live-tekst, så taletid og linjer vises først efter den fulde gennemgang."
                    if status.recording else "Optagelsen var uden live-tekst: taletid og linjer kommer med den fulde "
                    "gennemgang."))
        return
    balance(status)
    latest(session)


def read(meeting_id: str) -> tuple[LiveSession | None, LiveStatus | None]:
    with store() as s:
        session = s.live_session(meeting_id, last_lines=None)
        state = state_from_store(s, s.get_meeting(meeting_id)) if session is None else None
    if state is not None:  # never recorded live: where it stands instead, and the way there
        st.info(f"**Mødet bliver ikke optaget nu.** {state.explanation} {state.next_step}")
        if state.page not in (None, LIVE):
            st.page_link(state.page, label=f"Gå til {PAGE_NAMES[state.page]}", icon=":material/arrow_forward:",
                         query_params={"meeting": meeting_id})
        return None, None
    return session, live_status(session, time.time(), thresholds())


def meeting_bookmarks(meeting_id: str):
    with store() as s:
        return s.get_meeting(meeting_id).bookmarks


def can_control(user: User, meeting: Meeting) -> bool:
    """The sparring partner who records (or an administrator the organisation lets read meetings)
    sets bookmarks and may stop it."""
    return part_in(user, meeting) in (PARTNER, ADMIN)


def controls(user: User, meeting_id: str, status: LiveStatus) -> None:
    note_column, mark_column = st.container(key="reflow-bookmark").columns([3, 1], vertical_alignment="bottom")
    note_column.text_input("Note til bogmærket (valgfri, skriv ikke borgerens navn)", key="live_note")
    # In callbacks, which run before the page is drawn again: the count above then has the new
    # bookmark at once, not 2 s later, and Stop shows "Stop er sendt" at once.
    mark_column.button("Sæt bogmærke", type="primary", width="stretch", on_click=bookmark,
                       args=(user.name, meeting_id, status.elapsed_s))
    # Stopping ends the recording for good: away from the bookmark button, and asked twice.
    st.divider()
    if not st.session_state.get(CONFIRM_STOP):
        st.button("Stop optagelsen ...", key="stop", on_click=confirm_stop, args=(True,))
        return
    st.warning("Vil du stoppe optagelsen? Det kan ikke fortrydes: mødet optages ikke videre.")
    yes, no = st.columns(2)
    yes.button("Ja, stop optagelsen", type="primary", key="stop_yes", width="stretch", on_click=stop,
               args=(user.name, meeting_id))
    no.button("Nej, optag videre", key="stop_no", width="stretch", on_click=confirm_stop, args=(False,))


CONFIRM_STOP = "live_confirm_stop"


def bookmark(by: str, meeting_id: str, at_s: float) -> None:
    with store() as s:
        s.add_bookmark(meeting_id, at_s, by=by, note=st.session_state.get("live_note", ""))
    st.session_state["live_note"] = ""  # ready for the next one
    st.toast(f"Bogmærke ved {clock(at_s)}")


def stop(by: str, meeting_id: str) -> None:
    st.session_state[CONFIRM_STOP] = False
    with store() as s:
        s.request_stop(meeting_id, by=by)
    # No toast: the page says "Stop er sendt" at once, and a toast outlived the stop onto the next page.


def confirm_stop(asking: bool) -> None:
    st.session_state[CONFIRM_STOP] = asking


def after_stop(meeting: Meeting) -> None:
    """Where the meeting stands now, and the way onward: refreshed with the page, so the link
    to the overview appears when the transcript is done."""
    with store() as s:
        state = state_from_store(s, s.get_meeting(meeting.id))  # as it is now, not as before the stop
    st.info(f"**{state.label}.** {state.explanation} {state.next_step}")
    if state.has_figures:
        st.page_link(OVERVIEW, label="Åbn mødeoverblikket", icon=":material/arrow_forward:",
                     query_params={"meeting": meeting.id})
    elif state.processing:  # stored, to be transcribed: Lyd ind's "stored" view has the button and the job
        st.page_link(UPLOAD, label="Til transskriptionen", icon=":material/arrow_forward:",
                     query_params={"meeting": meeting.id, "gemt": "1"})
    else:
        st.page_link(MEETINGS, label="Til Møder", icon=":material/arrow_forward:")


def balance(status: LiveStatus) -> None:
    st.subheader("Taletid indtil nu")
    if not status.talk_s:
        st.caption("Ingen tale endnu.")
        return
    for speaker, share in sorted(status.shares.items(), key=lambda item: -item[1]):
        st.progress(share, text=f"{speaker}: {percent(share)} ({clock(status.talk_s[speaker])})")
    st.caption("Foreløbigt: talerne gættes undervejs og rettes af den fulde gennemgang.")


def latest(session: LiveSession) -> None:
    st.subheader("Seneste linjer")
    if not session.lines:
        st.caption("Ingen linjer endnu.")
        return
    for line in reversed(session.lines[-LATEST_LINES:]):
        st.markdown(f"`{clock(line.start)}` **{escape(line.speaker)}:** {escape(redact(line.text))}")


render()
