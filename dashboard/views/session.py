"""Sparring: the feedback session itself. Step through the chosen moments (listen, read around
them, write the notes: the leader's, the caseworker's, a colleague partner's), agree on development points, and take
the session away as a report (HTML to print, or Markdown).

What was said around a moment and a flag's message are shown with CPR numbers, phone numbers
and e-mail addresses masked (meetings.redaction); the report masks them itself."""

from functools import partial

import streamlit as st

from dashboard.auth import current_user
from dashboard.choice import has_analysis, processed_for_page
from dashboard.data import meeting_for, report_for, store
from dashboard.moment import evidence, header_and_sound, said_around
from dashboard.format import WARNING_COLOUR, clock, coloured, count, day_time, escape
from feedback.labels import TONES, kind_label, uncertain
from meetings.access import note_author
from meetings.records import NOTE_AUTHORS, Flag, named_voices, review_key, voices_heard
from meetings.redaction import redact, redact_segments, redact_speakers

TAKE_ALONG = "drøftet"  # the stored status the overview shows as "Tag med"
NOTE_LABELS = {"leder": "Lederens note", "sagsbehandler": "Sagsbehandlerens note", "kollega": "Kollegaens note"}


def render() -> None:
    user = current_user()
    meeting = processed_for_page(user, "sparring", "Sparring: {title}")
    if meeting is None:
        return
    with store() as s:
        analysis = s.analysis(meeting.id)
        speakers = redact_speakers(s.speakers(meeting.id))  # labels are typed: masked too
        segments = redact_segments(s.segments(meeting.id, words=False))  # lines around a moment, masked
        reviews = s.reviews(meeting.id)
        notes = s.session_notes(meeting.id)
        points = s.development_points(meeting.id)
    if not has_analysis(meeting, analysis):
        return
    writer = note_author(user, meeting)
    labels = {s.id: s.label for s in named_voices(meeting, speakers, voices_heard(analysis.balance))}

    st.caption("Sparringen bygger på styrker såvel som opmærksomhedspunkter: tal både om det, der "
               "lykkedes, og om det, der kunne gøres anderledes.")
    low = analysis.config.get("thresholds", {}).get("low_confidence", 0.6)
    moments = chosen_moments(meeting, analysis.flags, reviews, notes, low)
    if moments:
        stepper(user, meeting, moments, segments, labels, notes, writer, reviews, low)
    session_notes_section(user, meeting, notes, writer)
    points_section(meeting, points, writer is not None)
    export_section(user, meeting, moments)


def writing_as(meeting_id: str) -> tuple[str, str] | None:
    """(user name, note author) if the logged-in user may still write in this sparring. Checked
    again when a write runs, not only when its button was drawn: a callback runs before the page,
    so a share revoked (or a user removed) since then must stop it here."""
    user = current_user()
    meeting = meeting_for(user, meeting_id) if user is not None else None
    author = note_author(user, meeting) if meeting is not None else None
    return (user.name, author) if author is not None else None


def moment_id(flag: Flag) -> str:
    kind, start_ms = review_key(flag)
    return f"{kind}-{start_ms}"


def moment_title(flag: Flag) -> str:
    symbol, tone = TONES.get(flag.tone, ("·", flag.tone))
    return f"{clock(flag.start)} · {symbol} {kind_label(flag.kind)} ({tone.lower()})"


def chosen_moments(meeting, flags: list[Flag], reviews: dict, notes: dict, low: float) -> list[Flag]:
    """The moments taken along ("Tag med") on the overview (and any with a note from the
    session); without such choices, the ones picked here."""
    noted = {moment for moment, _ in notes if moment is not None}
    taken = [f for f in flags if review_key(f) in reviews and reviews[review_key(f)].status == TAKE_ALONG]
    st.subheader("Øjeblikke til sparringen")
    if not flags:
        st.info("Der er ingen markerede øjeblikke i dette møde. I kan stadig skrive noter og aftale "
                "udviklingspunkter nedenfor.")
        return []
    if taken:
        chosen = [f for f in flags if f in taken or review_key(f) in noted]
        st.caption(f"{count(len(chosen), 'øjeblik', 'øjeblikke')}: dem, der er taget med på Mødeoverblik"
                   + (", og dem, I har skrevet noter til." if len(chosen) > len(taken) else "."))
        return chosen
    st.info("Ingen øjeblikke er taget med fra Mødeoverblik endnu. Vælg dem, I vil tale om "
            "– både styrker og opmærksomhedspunkter, for sparringen bygger på det, der lykkedes, "
            "lige så vel som på det, der kan blive bedre.")
    by_id = {moment_id(f): f for f in flags}
    picked = st.multiselect("Øjeblikke", list(by_id),
                            format_func=lambda i: moment_title(by_id[i]) + (" · usikker tekst" if uncertain(by_id[i], low) else ""),
                            default=[moment_id(f) for f in flags if review_key(f) in noted],
                            key=f"session-pick-{meeting.id}", placeholder="Vælg øjeblikke")
    st.caption(tone_counts(flags))
    return [f for f in flags if moment_id(f) in picked]


def tone_counts(flags: list[Flag]) -> str:
    """"Mødet har 1 styrke, 2 opmærksomhedspunkter og 1 til info (4 markeringer i alt)": every
    flag counted once, so the parts add up to the whole."""
    strengths, concerns = (sum(1 for f in flags if f.tone == tone) for tone in ("strength", "concern"))
    others = len(flags) - strengths - concerns
    parts = [count(strengths, "styrke", "styrker"), count(concerns, "opmærksomhedspunkt", "opmærksomhedspunkter")]
    said = " og ".join(parts) if not others else f"{parts[0]}, {parts[1]} og {others} til info"
    return f"Mødet har {said} ({count(len(flags), 'markering', 'markeringer')} i alt)."


def stepper(user, meeting, moments: list[Flag], segments, labels: dict, notes: dict, writer: str | None,
            reviews: dict, low: float) -> None:
    key = f"session-step-{meeting.id}"
    index = min(max(st.session_state.get(key, 0), 0), len(moments) - 1)
    st.session_state[key] = index

    def step(by: int) -> None:
        st.session_state[key] = min(max(st.session_state.get(key, 0) + by, 0), len(moments) - 1)

    back, where, forward = st.columns([1, 3, 1])
    back.button("Forrige", on_click=step, args=(-1,), disabled=index == 0, key="session-back", width="stretch")
    where.markdown(f"#### Øjeblik {index + 1} af {len(moments)}")
    forward.button("Næste", on_click=step, args=(1,), disabled=index == len(moments) - 1, key="session-next",
                   width="stretch")
    moment_detail(user, meeting, moments[index], segments, labels, notes, writer, reviews.get(review_key(moments[index])), low)


def moment_detail(user, meeting, flag: Flag, segments, labels: dict, notes: dict, writer: str | None,
                  review, low: float) -> None:
    header_and_sound(meeting.id, flag, low)
    evidence(flag, labels)
    if review is not None and review.note:  # written when the moment was taken along: it follows it here
        st.markdown(f"**Note fra forberedelsen** ({escape(review.by or '–')}, {day_time(review.at)}): "
                    f"{escape(redact(review.note))}")
    with st.expander("Det blev sagt", expanded=True):
        said_around(flag, segments, labels)
    notes_form(user, meeting, flag, notes, writer)


def notes_form(user, meeting, flag: Flag | None, notes: dict, writer: str | None) -> None:
    """The leader's, the caseworker's (and a colleague partner's) note on a moment, or on the
    whole session (flag None). `writer` is the note this user writes
    (meetings.access.note_author); the others are shown only."""
    moment = review_key(flag) if flag is not None else None
    form = f"notes-{meeting.id}-{moment_id(flag) if flag is not None else 'session'}"
    authors = note_columns(meeting, notes)
    drafts = st.session_state.setdefault(DRAFTS, {})
    with st.container(border=True, key=f"reflow-{form}"):
        columns = st.columns(len(authors))
        for column, author in zip(columns, authors):
            note = notes.get((moment, author))
            # Your own note as you wrote it (you edit it); the other's masked, like everything read.
            shown = (note.text if author == writer else redact(note.text)) if note else ""
            key = f"{form}-{author}"
            if author == writer and key in drafts:  # typed, not saved, and the moment left: still here
                shown = drafts[key]
            # Empty, one's own box and the others' look alike: the placeholder says which is which.
            column.text_area(NOTE_LABELS[author], value=shown, key=key, disabled=author != writer,
                             placeholder="Skriv din note her" if author == writer else "Ingen note endnu",
                             on_change=keep_draft, args=(key,))
            if note:
                column.caption(f"Skrevet af {escape(note.by or '–')} {day_time(note.at)}")
            if author == writer and key in drafts and drafts[key].strip() != (note.text if note else ""):
                column.caption(coloured("Kladde: ikke gemt endnu. Den bliver her, også hvis du går til et andet "
                                        "øjeblik.", WARNING_COLOUR))
        st.button("Gem min note", key=f"{form}-save", disabled=writer is None, on_click=save_notes,
                  args=(meeting.id, flag, form))
    if writer is None:
        st.caption("Kun sagsbehandleren, sparringspartneren, der sad med, og de ledere, mødet er delt med, "
                   "skriver noter – hver sin egen.")
    elif (said := st.session_state.pop(f"{form}-saved", None)) is not None:
        st.success(said)


DRAFTS = "note_drafts"  # widget key -> text typed and not yet saved, kept while the moment is away


def keep_draft(key: str) -> None:
    """Every change to one's own note is kept as a draft at once: stepping to another moment
    (which takes the text box off the page) or another page loses nothing."""
    st.session_state.setdefault(DRAFTS, {})[key] = st.session_state.get(key, "")


def note_columns(meeting, notes: dict) -> tuple[str, ...]:
    """The notes this sparring has room for: the leader's and the caseworker's, and a colleague's
    where a colleague (not a leader) sat in as sparring partner, or has written one."""
    if any(author == "kollega" for _moment, author in notes):
        return NOTE_AUTHORS
    if meeting.recorded_by:
        with store() as s:
            partner = s.user(meeting.recorded_by)
        if partner is not None and partner.role != "leder":
            return NOTE_AUTHORS
    return ("leder", "sagsbehandler")


def save_notes(meeting_id: str, flag: Flag | None, form: str) -> None:
    """Runs before the page does, so everything below the form (the report too) sees the note.
    Only the writer's own note is read from the form: the other box is shown, never saved."""
    writing = writing_as(meeting_id)
    if writing is None:
        return
    user_name, author = writing
    moment = review_key(flag) if flag is not None else None
    typed = st.session_state.get(f"{form}-{author}", "")
    with store() as s:
        stored = s.session_notes(meeting_id)
        changed = typed.strip() != (stored[(moment, author)].text if (moment, author) in stored else "")
        if changed:
            s.save_session_note(meeting_id, flag, author, typed, by=user_name)
    st.session_state.setdefault(DRAFTS, {}).pop(f"{form}-{author}", None)
    st.session_state[f"{form}-saved"] = "Din note er gemt." if changed else "Ingen ændringer at gemme."


def session_notes_section(user, meeting, notes: dict, writer: str | None) -> None:
    st.subheader("Noter til hele sessionen")
    notes_form(user, meeting, None, notes, writer)


def points_section(meeting, points, can_write: bool) -> None:
    st.subheader("Udviklingspunkter")
    st.caption("Det, I aftaler, at sagsbehandleren arbejder videre med.")
    if not points:
        st.info("Ingen udviklingspunkter endnu.")
    for number, point in enumerate(points, 1):
        text, remove = st.columns([6, 1])
        text.markdown(f"{number}. {escape(redact(point.text))}")
        if can_write:
            remove.button("Fjern", key=f"remove-point-{point.id}", on_click=remove_point, args=(meeting.id, point.id))
    if not can_write:
        return
    with st.form(f"add-point-{meeting.id}", clear_on_submit=True):
        st.text_input("Nyt udviklingspunkt", key=f"new-point-{meeting.id}",
                      placeholder="Fx: Stil mindst ét åbent spørgsmål, før jeg forklarer reglerne")
        st.form_submit_button("Tilføj", key=f"add-point-{meeting.id}-submit", on_click=add_point, args=(meeting.id,))


def add_point(meeting_id: str) -> None:
    text = st.session_state.get(f"new-point-{meeting_id}", "").strip()
    writing = writing_as(meeting_id)
    if text and writing is not None:
        with store() as s:
            s.add_development_point(meeting_id, text, by=writing[0])
        st.session_state[f"new-point-{meeting_id}"] = ""  # ready for the next one


def remove_point(meeting_id: str, point_id: int) -> None:
    writing = writing_as(meeting_id)
    if writing is not None:
        with store() as s:
            s.remove_development_point(meeting_id, point_id, by=writing[0])


def export_section(user, meeting, moments) -> None:
    st.subheader("Rapport")
    st.caption("Rapporten har mødets nøgletal, de valgte øjeblikke med jeres noter og udviklingspunkterne. "
               "Den indeholder ikke transskriptionen, og borgeren omtales kun som «Borger». "
               "HTML-udgaven kan udskrives fra browseren.")
    keys = [review_key(f) for f in moments]
    # Side by side, not each at the start of half the page's width.
    row = st.container(horizontal=True, gap="small")
    for fmt, label, mime in (("html", "HTML", "text/html"), ("markdown", "Markdown", "text/markdown")):
        row.download_button(f"Hent rapport ({label})", partial(report_for, user.name, meeting.id, keys, fmt),
                            file_name=f"sparring-{meeting.id}.{'html' if fmt == 'html' else 'md'}", mime=mime,
                            key=f"report-{fmt}", on_click="ignore")


render()
