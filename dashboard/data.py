"""Reading the store for the dashboard, cached per Streamlit's conventions."""

from pathlib import Path

import streamlit as st

from meetings.store import Store


def load_meetings(home: str):
    # Not cached: the list must show a meeting the moment the CLI has created it.
    with Store(Path(home)) as store:
        return store.list_meetings()


@st.cache_data(show_spinner=False)
def load_segments(home: str, meeting_id: str, processed_at: str | None):
    """`processed_at` is part of the cache key, so a re-processed meeting is read afresh."""
    with Store(Path(home)) as store:
        return store.segments(meeting_id)
