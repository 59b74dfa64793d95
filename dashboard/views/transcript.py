"""Transskription: the whole meeting line by line with who spoke and when, search, playback of
any line, the words Whisper was unsure of, and corrections of who said what.

A correction goes through the store with the analysis hook, so balance and flags are
recomputed with the meeting's recorded settings in the same transaction. Corrections run as
button callbacks, before the page is drawn, so the page then shows the corrected meeting.

CPR numbers, phone numbers and e-mail addresses are masked (meetings.redaction) as soon as the
segments are read, so the lines, the search and the line picker only ever see the masked text:
searching for a digit of a masked number finds nothing. The words inside a masked number are
left empty, with their times, and are not drawn.
"""


import re
from functools import partial

import streamlit as st

from dashboard.auth import current_user
from dashboard.choice import processed_for_page
from dashboard.data import meeting_for, store, transcript_csv_for
from dashboard.data import play as play_excerpt
from dashboard.format import UNSURE_COLOUR, clock, coloured, count, escape, model_note, percent, shortened
from dashboard.line_click import BOX_KEY, clicked_line
from dashboard.moment import MAX_CLIP_S  # a line that runs for minutes still sends only a couple of minutes
from feedback.analysis import analyser
from feedback.labels import voices_note
from meetings.access import can_correct_speakers, can_export_transcript
from meetings.corrections import anchor_of
from meetings.errors import MeetingError
from meetings.records import ROLE_LABELS, ROLES, Correction, Segment, Speaker, Word, named_voices, voices_found
from meetings.redaction import redact_segments, redact_speakers

DEFAULT_LOW_CONFIDENCE = 0.6  # feedback/config.toml's, for a meeting without an analysis
AUDIO_MARGIN_S = 1.0  # a second either side of the line, so its first and last word are whole
LINES_PER_BLOCK = 250  # one markdown element per this many lines, never one per line or word
SNIPPET_CHARS = 48  # short enough for the line picker to show its choice whole, also on a tablet
NOTICE = "transcript_notice"  # (kind, message) left by a correction for the next run
UNKNOWN = "Ukendt taler"
LONE_PUNCTUATION = re.compile(r"[.,;:!?]+")

def render() -> None:
    user = current_user()
    meeting = processed_for_page(user, "transskription", needs_figures=False)
    if meeting is None:
        return
    with store() as s:
        segments = redact_segments(s.segments(meeting.id))  # nothing below sees the unmasked text
        speakers = redact_speakers(s.speakers(meeting.id))  # labels are typed: masked too
        analysis = s.analysis(meeting.id)
    # Named as everywhere a meeting is read; "Ret talere" below works on the names as stored.
    voices = voices_found(analysis, segments)
    heard = named_voices(meeting, speakers, voices)
    labels = {sp.id: sp.label for sp in heard}
    threshold = (analysis.config.get("thresholds", {}).get("low_confidence", DEFAULT_LOW_CONFIDENCE)
                 if analysis else DEFAULT_LOW_CONFIDENCE)

    duration = clock(meeting.audio.duration_s) if meeting.audio else "–"
    digest = f" ({meeting.model_sha256[:12]}…)" if meeting.model_sha256 else ""
    if meeting.model_revision:
        digest += f", version {escape(meeting.model_revision)}"
    st.caption(f"{count(len(segments), 'linje', 'linjer')} · {duration} · model {escape(meeting.model or '–')}{digest}")
    if (note := model_note(meeting.model)) is not None:
        (st.warning if meeting.model == "base" else st.caption)(note)
    if (note := voices_note(meeting, voices)) is not None:
        st.warning(note)
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        kind, message = notice
        (st.success if kind == "success" else st.error)(message)

    left, right = st.container(key="reflow-transcript").columns([3, 2], gap="large")
    with left:
        chosen = transcript_section(meeting, segments, labels, threshold)
        # Under the transcript, at its width: in the narrow column beside it, the table's last
        # columns were cut off.
        balance_section(analysis, heard)
    with right:
        if can_correct_speakers(user, meeting):
            corrections_section(meeting, segments, speakers, chosen)
            text_section(meeting, segments, chosen)
        else:
            st.caption("Hvem der er hvem, rettes af sagsbehandleren og sparringspartneren, der var med.")
        if can_export_transcript(user, meeting):
            # Made at the click (access checked, export logged then); masked, and safe to open
            # in a spreadsheet. Streamlit's own table download is switched off (dashboard/app.py).
            st.download_button("Hent transskriptionen (CSV)", partial(transcript_csv_for, user.name, meeting.id),
                               file_name=f"transskription-{meeting.id}.csv", mime="text/csv",
                               key="transcript-csv", on_click="ignore")
            st.caption("CPR-numre, telefonnumre og e-mailadresser er maskeret; hentningen logges.")


# ---- the transcript -------------------------------------------------------------------------

def transcript_section(meeting, segments: list[Segment], labels: dict, threshold: float) -> int | None:
    """The transcript, filtered by the search; returns the index of the chosen line."""
    query = st.text_input("Søg i teksten", key="transcript_search", placeholder="fx praktik").strip()
    if query:
        needle = query.lower()
        shown = [i for i, segment in enumerate(segments) if needle in segment.text.lower()]
        hits = sum(segments[i].text.lower().count(needle) for i in shown)
        st.caption(f"{hits} træf i {len(shown)} af {len(segments)} linjer for »{escape(query)}«.")
    else:
        shown = list(range(len(segments)))
    if not shown:
        st.info("Ingen linjer indeholder søgeteksten." if query else "Mødet har ingen tekst.")
        return None

    # A click on a line chooses it, as the picker does, and starts it playing.
    clicked = clicked_line(shown, st.session_state.get("play_line"))
    if clicked is not None:
        st.session_state["play_line"] = clicked
    chosen = st.selectbox(
        "Afspil linje", shown, key="play_line",
        format_func=lambda i: f"{i + 1} · {clock(segments[i].start)} · {speaker_name(segments[i], labels)}: "
                              f"{shortened(segments[i].text, SNIPPET_CHARS)}")
    play(meeting, segments[chosen], autoplay=clicked is not None)

    unsure = sum(1 for i in shown for w in drawn(segments[i]) if w.probability < threshold)
    st.caption(f"Klik på en linje for at høre den. {coloured('*grå kursiv*', UNSURE_COLOUR)} = usikker tekst: "
               f"ord som Whisper var under {percent(threshold)} sikker på ({unsure} her).")
    lines = [line(segments[i], labels, threshold, i == chosen, query.lower()) for i in shown]
    with st.container(height=560, border=True, key=BOX_KEY):
        for first in range(0, len(lines), LINES_PER_BLOCK):
            st.markdown("\n\n".join(lines[first:first + LINES_PER_BLOCK]))
    return chosen


def speaker_name(segment: Segment, labels: dict) -> str:
    if segment.speaker is None:
        return UNKNOWN
    return labels.get(segment.speaker, segment.speaker)


def line(segment: Segment, labels: dict, threshold: float, chosen: bool, needle: str = "") -> str:
    """One line of markdown: time, speaker and the text with the unsure words marked, and the
    words that hold the search highlighted."""
    marker = "▶ " if chosen else ""
    return f"{marker}`{clock(segment.start)}` **{escape(speaker_name(segment, labels))}:** " \
           f"{marked_text(segment, threshold, needle)}"


def drawn(segment: Segment) -> list[Word]:
    """The words that are shown: not the empty ones left where a number was masked."""
    return [w for w in segment.words if w.text.strip()]


def found_in(word: str, needle: str) -> bool:
    """A word that holds the search, or a word of a search of several words."""
    core = word.strip().lower()
    return bool(needle) and bool(core) and (needle in core or any(
        len(part) > 1 and part in core for part in needle.split() if " " in needle))


def marked_text(segment: Segment, threshold: float, needle: str = "") -> str:
    words = drawn(segment)
    if not words:
        return escape(segment.text)
    parts: list[str] = []
    run: list[str] = []
    run_kind = (False, False)
    for word in words:
        if run and LONE_PUNCTUATION.fullmatch(word.text.strip()):
            run.append(word.text)  # punctuation stays with the word before it, whatever that is
            continue
        kind = (word.probability < threshold, found_in(word.text, needle))
        if run and kind != run_kind:
            parts.append(_run(run, *run_kind))
            run = []
        run.append(word.text)
        run_kind = kind
    if run:
        parts.append(_run(run, *run_kind))
    return " ".join(p for p in parts if p)


def _run(words: list[str], unsure: bool, hit: bool = False) -> str:
    """Neighbouring words with the same confidence, as one span (fewer markup characters)."""
    # Word texts may or may not carry their leading space (Whisper's do, stored ones may not).
    # A word of punctuation alone (what is left of "78?" when its number is masked) goes with
    # the word before it.
    joined = ""
    for word in words:
        core = word.strip()
        joined += core if not joined or LONE_PUNCTUATION.fullmatch(core) else " " + core
    text = escape(joined)
    if not text:
        return text
    if unsure:
        text = coloured(f"*{text}*", UNSURE_COLOUR)
    return f":orange-background[{text}]" if hit else text


def play(meeting, segment: Segment, autoplay: bool = False) -> None:
    start = max(0.0, segment.start - AUDIO_MARGIN_S)
    end = min(segment.end, segment.start + MAX_CLIP_S) + AUDIO_MARGIN_S
    play_excerpt(meeting.id, start, end, segment.start, end, "Linjen", autoplay=autoplay)


# ---- balance and corrections ----------------------------------------------------------------

def balance_section(analysis, speakers: list[Speaker]) -> None:
    st.subheader("Taletid")
    if analysis is None:
        st.info("Mødet har ingen nøgletal endnu.")
        return
    rows = []
    for sp in speakers:
        share = analysis.balance.get(sp.id, {"share": 0.0, "talk_s": 0.0})
        rows.append({"Taler": sp.label, "Rolle": ROLE_LABELS.get(sp.role, "–") if sp.role else "–", "Id": sp.id,
                     "Taletid": clock(share["talk_s"]), "Andel": percent(share["share"])})
    st.dataframe(rows, hide_index=True, width="stretch")


def corrections_section(meeting, segments: list[Segment], speakers: list[Speaker], chosen: int | None) -> None:
    st.subheader("Ret talere")
    if not speakers:
        st.caption("Mødet har ingen talere at rette.")
        return
    ids = [sp.id for sp in speakers]
    by_id = {sp.id: sp for sp in speakers}
    name = lambda who: f"{by_id[who].label} ({who})"
    st.caption("Rettelser gemmes med mødet og gælder også, hvis det behandles igen. "
               "Taletid og markeringer regnes om med det samme.")

    with st.expander("Omdøb en taler", expanded=True):
        who = st.selectbox("Taler", ids, key="rename_speaker", format_func=name)
        current = by_id[who].role if who in by_id else None
        st.selectbox("Rolle", ["", *ROLES], key=f"rename_role_{who}",
                     index=ROLES.index(current) + 1 if current in ROLES else 0,
                     format_func=lambda r: ROLE_LABELS.get(r, "Ingen rolle"))
        st.text_input("Nyt navn", key="rename_label", placeholder="tomt: rollens navn")
        st.button("Omdøb", key="do_rename", on_click=correct, args=(meeting.id, "rename", None))

    if len(ids) > 1:
        with st.expander("Læg to talere sammen"):
            st.selectbox("Taler", ids, key="merge_source", format_func=name, index=len(ids) - 1)
            st.selectbox("Er i virkeligheden", ids, key="merge_target", format_func=name)
            st.button("Læg sammen", key="do_merge", on_click=correct, args=(meeting.id, "merge", None))

    with st.expander("Flyt den valgte linje", expanded=True):
        if chosen is None:
            st.caption("Vælg en linje i transskriptionen.")
            return
        segment = segments[chosen]
        others = [i for i in ids if i != segment.speaker]
        labels = {i: by_id[i].label for i in ids}
        st.caption(f"`{clock(segment.start)}` **{escape(speaker_name(segment, labels))}:** "
                   f"{escape(shortened(segment.text, SNIPPET_CHARS))}")
        if not others:
            st.caption("Der er ingen anden taler at flytte linjen til.")
            return
        st.selectbox("Til", others, key="move_to", format_func=name)
        st.button("Flyt linjen", key="do_move", on_click=correct,
                  args=(meeting.id, "move", (segment.start, segment.end)))


def text_section(meeting, segments: list[Segment], chosen: int | None) -> None:
    """Correcting what was said in the chosen line: its words, a split, a join with the next."""
    st.subheader("Ret teksten")
    if chosen is None:
        st.caption("Vælg en linje i transskriptionen.")
        return
    segment = segments[chosen]
    span = (segment.start, segment.end)
    st.caption("Rettelsen gemmes krypteret med mødet sammen med de ord, den erstatter; spørgsmål og markeringer "
               "regnes om med det samme, og eksporter bruger den rettede tekst.")
    key = f"{chosen}_{segment.start}"
    st.text_area("Linjens tekst", value=segment.text.strip(), key=f"text_{key}", height=90)
    st.button("Gem teksten", key="do_text", on_click=correct_text, args=(meeting.id, "text", span, f"text_{key}"))
    tokens = segment.text.split()
    if len(tokens) > 1:
        st.selectbox("Del linjen før ordet", list(range(1, len(tokens))), key=f"split_{key}",
                     format_func=lambda k: f"{k + 1}: »{tokens[k]}«")
        st.button("Del linjen", key="do_split", on_click=correct_text, args=(meeting.id, "split", span, f"split_{key}"))
    if chosen + 1 < len(segments):
        st.button("Sæt sammen med næste linje", key="do_join", on_click=correct_text,
                  args=(meeting.id, "join", span, None))


def correct_text(meeting_id: str, kind: str, span: tuple[float, float], widget: str | None) -> None:
    """A text button's callback, before the page is drawn; access checked again here."""
    user = current_user()
    meeting = meeting_for(user, meeting_id) if user else None
    if meeting is None or meeting.status != "processed" or not can_correct_speakers(user, meeting):
        return
    value = st.session_state.get(widget) if widget else None
    correction = Correction(kind, start=span[0], end=span[1], text=value if kind == "text" else None,
                            at_word=value if kind == "split" else None)
    try:
        with store() as s:
            s.correct(meeting_id, correction, analyser(), by=user.name)
    except MeetingError as problem:
        st.session_state[NOTICE] = ("error", str(problem))
        return
    done = {"text": "Teksten er rettet.", "split": "Linjen er delt i to.", "join": "Linjerne er sat sammen."}[kind]
    st.session_state[NOTICE] = ("success", f"{done} Spørgsmål og markeringer er regnet om.")


def correct(meeting_id: str, kind: str, span: tuple[float, float] | None) -> None:
    """A correction button's callback: runs before the page, with the widgets' values in the
    session state. Access is checked again here: nothing is written to a meeting this user
    cannot see, whatever the session state says."""
    user = current_user()
    meeting = meeting_for(user, meeting_id) if user else None
    if meeting is None or meeting.status != "processed" or not can_correct_speakers(user, meeting):
        return
    state = st.session_state
    with store() as s:
        segments = s.segments(meeting.id)
        speakers = {sp.id: sp for sp in s.speakers(meeting.id)}
        try:
            correction, message = build(kind, span, state, segments, speakers)
        except ValueError as problem:
            state[NOTICE] = ("error", str(problem))
            return
        s.correct(meeting.id, correction, analyser(), by=user.name)
        analysis = s.analysis(meeting.id)
        after = s.speakers(meeting.id)
    if kind == "rename":
        state["rename_label"] = ""
    shares = " · ".join(f"{sp.label} {percent(analysis.balance.get(sp.id, {'share': 0.0})['share'])}"
                        for sp in after) if analysis else "–"
    state[NOTICE] = ("success", f"{message} Taletid nu: {shares}.")


def build(kind: str, span, state, segments: list[Segment], speakers: dict[str, Speaker]) -> tuple[Correction, str]:
    """The correction the widgets ask for, built as the CLI builds it (`medlyt speaker`)."""
    def anchor(who: str | None):
        if who not in speakers:
            raise ValueError("Taleren findes ikke længere i mødet. Vælg igen.")
        found = anchor_of(segments, who)
        if not found:
            raise ValueError(f"{speakers[who].label} siger intet i mødet, så taleren kan ikke rettes.")
        return found

    if kind == "rename":
        who = state.get("rename_speaker")
        role = state.get(f"rename_role_{who}") or None
        label = (state.get("rename_label") or "").strip() or ROLE_LABELS.get(role, "")
        if not label:
            raise ValueError("Angiv et navn eller en rolle.")
        correction = Correction("rename", anchor=anchor(who), label=label, role=role)
        role_text = f" ({ROLE_LABELS[role].lower()})" if role else " (ingen rolle)"
        return correction, f"{speakers[who].label} ({who}) hedder nu {label}{role_text}."
    if kind == "merge":
        source, target = state.get("merge_source"), state.get("merge_target")
        if source == target:
            raise ValueError("En taler kan ikke lægges sammen med sig selv.")
        correction = Correction("merge", anchor=anchor(source), target=anchor(target))
        return correction, f"{speakers[source].label} ({source}) er lagt sammen med {speakers[target].label}."
    if kind == "move":
        start, end = span
        segment = next((s for s in segments if s.start == start and s.end == end), None)
        if segment is None:
            raise ValueError("Linjen findes ikke længere. Vælg den igen.")
        to = state.get("move_to")
        if segment.speaker == to:
            raise ValueError("Linjen er allerede denne talers.")
        correction = Correction("move", start=segment.start, end=segment.end, target=anchor(to))
        return correction, f"Linjen ved {clock(segment.start)} er flyttet til {speakers[to].label}."
    raise ValueError(f"Ukendt rettelse: {kind}")


render()
