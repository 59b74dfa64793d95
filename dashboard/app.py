"""medlyt dashboard: the meeting list and a meeting's transcript, read from the store.

Thin page: all reading goes through meetings.store; no business logic here.
"""

import streamlit as st

from dashboard.data import load_meetings, load_transcript
from medlyt.settings import data_home

STATUS_LABELS = {"created": "Oprettet", "recorded": "Optaget", "processed": "Transskriberet"}


def clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def meeting_rows(meetings) -> list[dict]:
    return [
        {
            "Titel": m.title,
            "Oprettet": m.created_at[:16].replace("T", " "),
            "Varighed": clock(m.audio.duration_s) if m.audio else "–",
            "Status": STATUS_LABELS.get(m.status, m.status),
            "Deltagere": ", ".join(p.label for p in m.participants),
            "Id": m.id,
        }
        for m in meetings
    ]


def show_transcript(home: str, meeting) -> None:
    st.subheader(meeting.title)
    facts = st.columns(3)
    facts[0].metric("Varighed", clock(meeting.audio.duration_s) if meeting.audio else "–")
    facts[1].metric("Status", STATUS_LABELS.get(meeting.status, meeting.status))
    facts[2].metric("Model", meeting.model or "–")
    if meeting.status != "processed":
        st.info(f"Mødet er ikke transskriberet endnu. Kør: `medlyt process {meeting.id}`")
        return
    segments, labels = load_transcript(home, meeting.id)
    if not segments:
        st.info("Der blev ikke fundet tale i optagelsen.")
        return
    st.markdown("#### Transskription")
    for segment in segments:
        speaker = f"**{labels.get(segment.speaker, segment.speaker)}:** " if segment.speaker else ""
        st.markdown(f"`{clock(segment.start)}–{clock(segment.end)}` {speaker}{segment.text}")


def main() -> None:
    st.set_page_config(page_title="medlyt", page_icon="🎧", layout="wide")
    st.title("medlyt – møder")
    home = str(data_home())
    meetings = load_meetings(home)
    if not meetings:
        st.info("Ingen møder endnu. Prøv `medlyt demo`, eller opret et møde med `medlyt meeting new`.")
        return
    st.dataframe(meeting_rows(meetings), hide_index=True)

    ids = [m.id for m in meetings]
    wanted = st.query_params.get("meeting")
    chosen = st.selectbox(
        "Vælg møde",
        ids,
        index=ids.index(wanted) if wanted in ids else 0,
        format_func=lambda i: next(f"{m.title} ({m.created_at[:10]})" for m in meetings if m.id == i),
    )
    st.query_params["meeting"] = chosen
    show_transcript(home, next(m for m in meetings if m.id == chosen))


main()
