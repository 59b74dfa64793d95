"""Hvem er hvem: each voice a few seconds to hear and a role to pick; one click names it, and
balance and flags are recomputed at once. Where the meeting gives evidence (a self-introduction,
who asks the questions) a suggestion stands beside the voice with why; it is never applied by
itself. Voices told apart by their channel or a voice print arrive named already."""

import streamlit as st

from dashboard.auth import current_user
from dashboard.choice import processed_for_page
from dashboard.data import meeting_for, play, store
from dashboard.format import clock, escape, percent, shortened
from dashboard.status import OVERVIEW
from feedback.analysis import analyser
from feedback.config import load_config
from feedback.labels import voices_note
from feedback.questions import QuestionRules
from feedback.roles import suggest_roles
from meetings.access import can_correct_speakers
from meetings.corrections import anchor_of
from meetings.records import ROLE_LABELS, SILENT_ROLES, Correction, Segment, voices_heard
from meetings.redaction import redact_segments, redact_speakers

CLIP_S = 8.0  # enough to know a voice
CLIP_TEXT_CHARS = 120  # what the clip says, on one or two lines
NOTICE = "speakers_notice"


def sample(segments: list[Segment], speaker_id: str) -> Segment | None:
    """The voice's longest line: the clearest few seconds of it."""
    own = [s for s in segments if s.speaker == speaker_id]
    return max(own, key=lambda s: s.end - s.start, default=None)


def render() -> None:
    user = current_user()
    meeting = processed_for_page(user, "hvem-er-hvem", "Hvem er hvem: {title}")
    if meeting is None:
        return
    with store() as s:
        segments = redact_segments(s.segments(meeting.id, words=False))
        speakers = redact_speakers(s.speakers(meeting.id))
        analysis = s.analysis(meeting.id)
    if (notice := st.session_state.pop(NOTICE, None)) is not None:
        st.success(notice)
    may_name = can_correct_speakers(user, meeting)
    roles = [p.role for p in meeting.participants if p.role not in SILENT_ROLES]
    config = analysis.config if analysis and "questions" in analysis.config else load_config().values
    suggestions = suggest_roles(segments, speakers, set(roles), QuestionRules.from_config(config["questions"]))
    if not speakers:
        st.info("Der er ingen stemmer i optagelsen at navngive.")
        return
    if analysis is not None and (note := voices_note(meeting, voices_heard(analysis.balance))) is not None:
        st.warning(note)
    st.caption("Lyt til hver stemme, og vælg hvem det er. Taletid og markeringer regnes om med det samme, og "
               "navnene gælder også, hvis mødet behandles igen."
               + ("" if may_name else " Kun sagsbehandleren og sparringspartneren kan ændre navnene."))
    for speaker in speakers:
        with st.container(border=True):
            share = analysis.balance.get(speaker.id, {}).get("share") if analysis else None
            role = ROLE_LABELS.get(speaker.role, "ingen rolle endnu") if speaker.role else "ingen rolle endnu"
            named = [f"**{escape(speaker.label)}**"] + ([] if role == speaker.label else [role])
            st.markdown(" · ".join(named + [f"{percent(share) if share is not None else '–'} af taletiden"]))
            clip = sample(segments, speaker.id)
            if clip is not None:
                play(meeting.id, clip.start, min(clip.end, clip.start + CLIP_S), clip.start,
                     min(clip.end, clip.start + CLIP_S), what="Stemmen")
                st.caption(f"`{clock(clip.start)}` {escape(shortened(clip.text, CLIP_TEXT_CHARS))}")
            suggestion = suggestions.get(speaker.id)
            if suggestion is not None:
                st.info(f"Forslag: {ROLE_LABELS[suggestion.role].lower()}, fordi stemmen {escape(suggestion.why)}.")
            if may_name:
                choices = list(dict.fromkeys(roles))
                preferred = speaker.role or (suggestion.role if suggestion else None)
                key = picker_key(speaker.id, preferred)
                chosen = st.selectbox("Det er", choices, key=key, format_func=ROLE_LABELS.get,
                                      index=choices.index(preferred) if preferred in choices else None,
                                      placeholder="Vælg, hvem stemmen er")
                st.button("Gem", key=f"name_{speaker.id}", on_click=name_voice, args=(meeting.id, speaker.id, key),
                          disabled=chosen is None)
    if all(speaker.role for speaker in speakers):  # every voice named: the figures are there to be read
        st.page_link(OVERVIEW, label="Gå til Mødeoverblik: taletid og markeringer", icon=":material/arrow_forward:",
                     query_params={"meeting": meeting.id})


def picker_key(speaker_id: str, preferred: str | None) -> str:
    """A picker keeps what it showed across reruns, whatever its default says; naming one voice
    can bring the other a suggestion, and its picker must then show it, not the old default.
    So the default is part of the picker's name."""
    return f"who_{speaker_id}_{preferred or 'none'}"


def name_voice(meeting_id: str, speaker_id: str, key: str) -> None:
    """The button's callback, before the page is drawn: access checked again here."""
    user = current_user()
    meeting = meeting_for(user, meeting_id) if user else None
    if meeting is None or meeting.status != "processed" or not can_correct_speakers(user, meeting):
        return
    role = st.session_state.get(key)
    with store() as s:
        segments = s.segments(meeting_id, words=False)
        anchor = anchor_of(segments, speaker_id)
        if not anchor or role not in ROLE_LABELS:
            return
        s.correct(meeting_id, Correction("rename", anchor=anchor, label=ROLE_LABELS[role], role=role), analyser(),
                  by=user.name)
        analysis = s.analysis(meeting_id)
        flags = len(analysis.flags) if analysis else 0
    st.session_state[NOTICE] = (f"Stemmen er nu {ROLE_LABELS[role].lower()}. Taletid og markeringer er regnet om "
                                f"({flags} {'markering' if flags == 1 else 'markeringer'}).")


render()
