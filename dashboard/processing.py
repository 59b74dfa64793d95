"""Processing from the dashboard: queue a recorded meeting's transcription as a job, start the
local worker in the embedded mode, and show the job's state in the user's words, refreshing by
itself until it has ended."""

import streamlit as st

from dashboard.data import store
from meetings.access import can_add_recording
from meetings.errors import MeetingError
from meetings.records import Job, Meeting, User
from medlyt.settings import data_home

REFRESH_S = 2.0


def state_text(job: Job | None) -> str | None:
    """i kø / behandles 43 % / fejlet: reason / færdig, as a sentence."""
    if job is None:
        return None
    if job.state == "queued":
        return "Behandlingen er i kø."
    if job.state == "running":
        return f"Behandles: {job.progress:.0%}".replace("%", " %") + " færdig."
    if job.state == "failed":
        return f"Behandlingen fejlede: {job.message}"
    return "Behandlingen er færdig."


def queue(user: User, meeting: Meeting) -> None:
    from medlyt.tasks import queue_processing
    from medlyt.worker import start_local

    try:
        with store() as s:
            queue_processing(s, meeting.id, by=user.name)
    except MeetingError as error:
        st.session_state["processing_error"] = str(error)
        return
    start_local(data_home())


def offer(user: User, meeting: Meeting) -> None:
    """The button, where this user may start it and nothing is under way, and the job's state."""
    with store() as s:
        job = s.latest_job(meeting.id)
    if st.session_state.get("processing_error"):
        st.error(st.session_state.pop("processing_error"))
    busy = job is not None and job.state in ("queued", "running")
    if not busy and can_add_recording(user, meeting) and meeting.audio is not None and meeting.status != "processed":
        label = "Prøv behandlingen igen" if job is not None and job.state == "failed" else "Transskribér mødet nu"
        st.button(label, type="primary", key=f"process_{meeting.id}", on_click=queue, args=(user, meeting))
    follow(meeting.id)


@st.fragment(run_every=REFRESH_S)
def follow(meeting_id: str) -> None:
    with store() as s:
        job = s.latest_job(meeting_id)
    text = state_text(job)
    if text is None:
        return
    # Only this part refreshes while the job runs; when it ends, the whole page is drawn again,
    # so that nothing around it still says the meeting waits (and a failed job's retry shows).
    key = f"job_seen_{meeting_id}"
    seen, st.session_state[key] = st.session_state.get(key), job.state
    if seen in ("queued", "running") and job.state in ("done", "failed"):
        st.rerun(scope="app")
    if job.state == "failed":
        st.error(text)
    elif job.state == "done":
        st.success(text + " Overblik, transskription og markeringer er klar.")
        st.page_link("views/overview.py", label="Til mødeoverblikket", icon=":material/arrow_forward:",
                     query_params={"meeting": meeting_id})
    else:
        st.info(text)
        st.progress(job.progress if job.state == "running" else 0.0)
