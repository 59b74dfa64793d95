"""One flagged moment as the overview and the session page show it: what and why, the sound
from a little before it, and what was said around it. One place, so both pages agree."""

import streamlit as st

from dashboard.data import play
from dashboard.format import clock, escape
from feedback.labels import TONES, evidence_lines, kind_label, uncertain
from meetings.records import Flag, Segment
from meetings.redaction import redact, redact_value

AUDIO_LEAD_S = 3.0  # play a little before the moment, so the listener hears how it came about
MAX_CLIP_S = 120.0  # a moment spanning the whole meeting still sends only a couple of minutes
CONTEXT_S = 15.0  # transcript shown around a moment


def header_and_sound(meeting_id: str, flag: Flag, low_confidence: float | None = None) -> None:
    symbol, tone = TONES.get(flag.tone, ("·", flag.tone))
    st.markdown(f"**{symbol} {kind_label(flag.kind)}** ({tone.lower()}) · {clock(flag.start)}–{clock(flag.end)}")
    st.markdown(escape(redact(flag.message)))  # it may quote a label or a bookmark note
    if low_confidence is not None and uncertain(flag, low_confidence):
        st.warning("Whisper var usikker på ordene her, så markeringen kan bygge på en fejlhøring. "
                   "Lyt til lyden, før I drøfter den.")
    start = max(0.0, flag.start - AUDIO_LEAD_S)
    end = min(flag.end, flag.start + MAX_CLIP_S) + AUDIO_LEAD_S
    play(meeting_id, start, end, flag.start, end)


def evidence(flag: Flag, labels: dict) -> None:
    """Why the moment was flagged, as Danish sentences and numbers (masked: it can quote)."""
    lines = evidence_lines(flag.kind, redact_value(flag.evidence), labels)
    if lines:
        st.markdown("**Derfor er øjeblikket markeret**\n\n" + "\n".join(f"- {escape(line)}" for line in lines))


def said_around(flag: Flag, segments: list[Segment], labels: dict[str, str]) -> None:
    """The (already masked) lines within CONTEXT_S of the moment; those inside it quoted."""
    for segment in segments:
        if segment.end < flag.start - CONTEXT_S or segment.start > flag.end + CONTEXT_S:
            continue
        inside = segment.end > flag.start and segment.start < flag.end
        who = labels.get(segment.speaker, "") if segment.speaker else ""
        text = escape(segment.text)
        line = f"`{clock(segment.start)}` **{escape(who)}:** {text}" if who else f"`{clock(segment.start)}` {text}"
        st.markdown(f"> {line}" if inside else line)
