"""Where a meeting stands and what happens next, in the words of the person reading it.

One function, `meeting_state`, maps what the store knows about a meeting to its Danish status
and next step; every page that cannot show a meeting says why through it, and the meeting list
shows its short label. No page tells a user to run a command: the next step names who does
what, and the page where it is done or followed.

A recorded meeting is transcribed as a job (medlyt/tasks.py); the meeting's latest job says
whether it waits in the queue, is being transcribed (and how far), or failed (and why).
"""

from dataclasses import dataclass

import streamlit as st

from dashboard.format import clock, percent
from meetings.records import Glance, Job, Meeting

LIVE, OVERVIEW, TRANSCRIPT, MEETINGS = "views/live.py", "views/overview.py", "views/transcript.py", "views/meetings.py"
CONSENT, UPLOAD, SPEAKERS = "views/consent.py", "views/upload.py", "views/speakers.py"
PAGE_NAMES = {LIVE: "Live", OVERVIEW: "Mødeoverblik", TRANSCRIPT: "Transskription", MEETINGS: "Møder",
              CONSENT: "Samtykke", UPLOAD: "Lyd ind", SPEAKERS: "Hvem er hvem"}


@dataclass(frozen=True)
class MeetingState:
    label: str  # short, for the meeting list: "Mangler samtykke"
    explanation: str  # one sentence on what is the matter
    next_step: str  # who does what next, in the user's terms
    page: str | None = None  # the page where the next step is done or followed
    has_transcript: bool = False  # the transcript can be read
    has_figures: bool = False  # key figures and flagged moments can be shown
    processing: bool = False  # the transcription can be started, is under way or failed: the page follows it


def meeting_state(meeting: Meeting, *, recording: bool = False, abandoned: bool = False,
                  has_analysis: bool = False, roles_known: bool = True, too_few_voices: bool = False,
                  job: Job | None = None) -> MeetingState:
    """The meeting's status and next step. `recording`: a recorder is writing it now;
    `abandoned`: a recording was begun and its recorder is gone; `has_analysis`: key figures
    exist; `roles_known`: the analysis knows who is the caseworker and who the citizen;
    `too_few_voices`: fewer voices were found than people speak (Meeting.too_few_voices), which
    naming the voices cannot mend."""
    if recording:
        return MeetingState("Optages nu", "Mødet bliver optaget lige nu.",
                            "Følg optagelsen på Live. Transskriptionen laves, når optagelsen er stoppet.", LIVE)
    if meeting.status != "processed":
        missing = [p.label for p in meeting.missing_consent]
        if missing:
            return MeetingState(
                "Mangler samtykke", f"{' og '.join(missing)} har ikke givet samtykke til optagelse endnu.",
                "Sagsbehandleren eller sparringspartneren registrerer samtykket under Samtykke, før mødet optages. "
                "Uden samtykke fra alle, der taler, bliver mødet hverken optaget eller transskriberet.", CONSENT)
        if abandoned:
            return MeetingState(
                "Optagelse afbrudt", "Optagelsen stoppede uventet, før den blev gemt.",
                "Den lyd, der nåede at blive optaget, er ikke tabt: den gemmes, når optageren startes igen på "
                "samme computer. Kontakt sparringspartneren, der optog mødet.")
        if job is not None and job.state == "failed":
            return MeetingState(f"Fejlet: {job.message.rstrip('.')}", f"Transskriptionen fejlede: {job.message.rstrip('.')}.",
                                "Optagelsen er gemt: sagsbehandleren eller sparringspartneren kan prøve igen herunder.",
                                processing=True)
        if job is not None and job.state == "running":
            return MeetingState(f"Behandles {percent(job.progress)}", "Mødet bliver transskriberet lige nu.",
                                "Vent lidt: siden viser mødet, så snart transskriptionen er færdig.", processing=True)
        if job is not None and job.state == "queued":
            return MeetingState("I kø", "Mødet venter på at blive transskriberet.",
                                "Det begynder, så snart de møder, der står før det, er færdige.", processing=True)
        if meeting.audio is None:
            return MeetingState("Ikke optaget", "Mødet er oprettet, men ikke optaget endnu.",
                                "Sparringspartneren uploader optagelsen under Lyd ind, eller optager mødet og følger "
                                "det på Live.", UPLOAD)
        return MeetingState(
            "Skal transskriberes",
            f"Mødet er optaget ({clock(meeting.audio.duration_s)}), men ikke transskriberet endnu.",
            "Sagsbehandleren eller sparringspartneren sætter transskriptionen i gang herunder; den tager nogle "
            "minutter.", processing=True)
    if not has_analysis:
        return MeetingState(
            "Uden nøgletal", "Mødet er transskriberet, men har ingen nøgletal eller markeringer endnu.",
            "Teksten kan læses under Transskription. Bed en administrator om at beregne nøgletallene.",
            TRANSCRIPT, has_transcript=True)
    if too_few_voices:
        return MeetingState(
            "For få stemmer", "Der er fundet færre stemmer, end der er deltagere, der taler, så "
            "taletiden kan ikke fordeles mellem dem, og nøgletal og markeringer om sagsbehandler og borger mangler.",
            "Teksten og de øvrige markeringer kan læses på mødeoverblikket. Optag næste møde med en mikrofon til "
            "hver, der taler (vælges under Nyt møde), så måles fordelingen på kanalerne.", OVERVIEW,
            has_transcript=True, has_figures=True)
    if not roles_known:
        return MeetingState(
            "Mangler roller", "Talerne har ikke roller endnu, så nøgletal og markeringer om sagsbehandler "
            "og borger mangler.",
            "Lyt til stemmerne og giv dem roller under Hvem er hvem; nøgletallene regnes om med det samme.",
            SPEAKERS, has_transcript=True, has_figures=True)
    return MeetingState("Klar", "Mødet er transskriberet og har nøgletal.", "Åbn mødeoverblikket.", OVERVIEW,
                        has_transcript=True, has_figures=True)


def state_from_store(store, meeting: Meeting) -> MeetingState:
    """`meeting_state` with what the open store knows today."""
    return states_from_store(store, [meeting])[0][meeting.id]


def states_from_store(store, meetings: list[Meeting]) -> tuple[dict[str, MeetingState], dict[str, Glance]]:
    """Each meeting's state, and the glance it was read from, for many meetings at once: a few
    queries and one look at the audio folder, not several of each per meeting."""
    recording_ids = set(store.recording_now())
    unfinished = set(store.unfinished_recordings())
    glances = store.glances([m.id for m in meetings])
    states = {}
    for meeting in meetings:
        glance = glances[meeting.id]
        recording = meeting.id in recording_ids
        abandoned = (not recording and meeting.status != "processed" and meeting.id in unfinished
                     and store.recording_abandoned(meeting.id))
        processed = meeting.status == "processed"
        states[meeting.id] = meeting_state(
            meeting, recording=recording, abandoned=abandoned, has_analysis=processed and glance.has_analysis,
            roles_known=processed and glance.roles_known,
            too_few_voices=processed and meeting.too_few_voices(glance.voices), job=None if processed else glance.job)
    return states, glances


def show_state(state: MeetingState, here: str | None = None, meeting: Meeting | None = None) -> None:
    """Why this page cannot show the meeting (yet), what happens next, and a link to the page
    where that is done, unless it is this one; where the transcription is the next step, the
    button that starts it and its progress, refreshing by itself."""
    if state.processing and meeting is not None:
        from dashboard.auth import current_user
        from dashboard.processing import offer

        st.info(f"{state.explanation} {state.next_step}")
        offer(current_user(), meeting)
        return
    st.info(f"**{state.label}.** {state.explanation} {state.next_step}")
    if state.page is not None and state.page != here:
        meeting_id = st.query_params.get("meeting")
        st.page_link(state.page, label=f"Gå til {PAGE_NAMES[state.page]}", icon=":material/arrow_forward:",
                     query_params={"meeting": meeting_id} if meeting_id else None)
