"""A click on a transcript line plays it: a Streamlit component (st.components.v2, no frame,
no build step) whose script (line_click.js) makes the lines of the transcript box buttons and
sends back the number of the line clicked. The lines themselves stay plain markdown."""

from pathlib import Path

import streamlit as st

BOX_KEY = "transcript-lines"  # the container holding the lines (its class: st-key-transcript-lines)
COMPONENT_KEY = "transcript-line-click"
_component = st.components.v2.component(
    "medlyt_line_click", js=Path(__file__).with_name("line_click.js").read_text(), isolate_styles=False)


def clicked_line(shown: list[int], chosen: int | None) -> int | None:
    """Mount the click handling for the lines `shown` (segment numbers, in order); the segment
    number of the line clicked since the last run, or None."""
    result = _component(key=COMPONENT_KEY, data={"lines": shown, "chosen": chosen}, on_line_change=lambda: None)
    line = result.get("line")
    return line if line in shown else None
