"""Mødeoverblik: speaker balance, who spoke when with the flagged moments on it, key metrics,
and the flagged moments themselves: play one, read around it, mark it for the session.

What was said around a moment, and a flag's message and evidence (which can quote it), are
shown with CPR numbers, phone numbers and e-mail addresses masked (meetings.redaction). The
flags themselves stay as stored: a review is saved against the flag the analysis made."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.auth import current_user
from dashboard.choice import has_analysis, processed_for_page
from dashboard.data import meeting_for, store
from dashboard.format import WARNING_COLOUR, clock, clock_ticks, coloured, count, day_time, escape, model_note, percent
from dashboard.moment import evidence, header_and_sound, said_around
from dashboard.status import SPEAKERS, meeting_state
from feedback.labels import (METRICS, SPEAKER_METRICS, TONES, balance_note, interruptions_note, kind_label, metric_value,
                             speaker_value, uncertain, voices_note)
from feedback.metrics import turns
from meetings.access import can_choose_moments
from meetings.records import REVIEW_STATUSES, named_voices, review_key, voices_heard
from meetings.redaction import redact, redact_segments, redact_speakers

FIGURE_WIDTH_PX = 210  # a key figure's box: its longest value and explanation fit
TONE_COLOURS = {"strength": "#2e7d32", "concern": "#c62828", "info": "#616161"}
# One colour per voice, the same in both charts, in the speakers' own order (S1, S2, ...).
SPEAKER_COLOURS = ("#1565c0", "#ef6c00", "#6a1b9a", "#00897b", "#ad1457", "#5d4037", "#546e7a", "#c0ca33")


def speaker_scale(labels: dict) -> tuple[list[str], alt.Scale]:
    """The voices' names in the speakers' order, and their colours."""
    names = [labels[who] for who in sorted(labels, key=lambda who: (len(who), who))]
    return names, alt.Scale(domain=names, range=[SPEAKER_COLOURS[i % len(SPEAKER_COLOURS)] for i in range(len(names))])


def render() -> None:
    user = current_user()
    meeting = processed_for_page(user, "overblik")
    if meeting is None:
        return
    with store() as s:
        analysis = s.analysis(meeting.id)
        speakers = redact_speakers(s.speakers(meeting.id))  # labels are typed: masked too
        speech = s.speech(meeting.id)
        # Only lines are shown here (around a moment, masked), so the words are left in the store.
        segments = redact_segments(s.segments(meeting.id, words=False))
        reviews = s.reviews(meeting.id)
    if not has_analysis(meeting, analysis):
        return
    speakers = named_voices(meeting, speakers, voices_heard(analysis.balance))
    labels = {s.id: s.label for s in speakers}
    roles = {s.id: s.role for s in speakers}
    thresholds = analysis.config["thresholds"]

    st.caption(f"{clock(analysis.metrics['duration_s'])} · model {escape(meeting.model or '–')} · "
               f"analyseret {day_time(analysis.computed_at)}")
    if (note := model_note(meeting.model)) is not None:
        st.caption(coloured(note, WARNING_COLOUR))
    left, right = st.container(key="reflow-charts").columns([2, 3])
    with left:
        st.subheader("Taletid")
        st.altair_chart(balance_chart(analysis.balance, labels, roles, thresholds["balance_band"]),
                        width="stretch", height=chart_height(len(analysis.balance)))
        low, high = thresholds["balance_band"]
        # Fewer voices than people speak: the bars cannot be read, and naming voices cannot mend it.
        fewer = voices_note(meeting, voices_heard(analysis.balance))
        if "sagsbehandler" in roles.values() and fewer is None:
            st.caption(f"Det lyse bånd bag sagsbehandlerens søjle er referencebåndet ({percent(low)}–{percent(high)} "
                       "af taletiden): taler sagsbehandleren inden for det, er der plads til borgeren.")
        if fewer is not None:
            st.warning(fewer)
        elif (note := balance_note(meeting, analysis.balance)) is not None:
            st.caption(note)
    with right:
        st.subheader("Hvem talte hvornår")
        st.altair_chart(timeline_chart(speech or segments, analysis.flags, labels, thresholds["turn_gap_s"],
                                       analysis.metrics["duration_s"]),
                        width="stretch", height=chart_height(len(labels)) + (40 if analysis.flags else 0))  # the legend
    if not analysis.metrics.get("roles_known") and fewer is None:
        state = meeting_state(meeting, has_analysis=True, roles_known=False)
        st.warning(f"{state.explanation} {state.next_step}")
        st.page_link(SPEAKERS, label="Gå til Hvem er hvem", icon=":material/arrow_forward:",
                     query_params={"meeting": meeting.id})
    metrics_section(analysis.metrics, labels, interruptions_note(meeting, analysis.metrics))
    flags_section(user, meeting, analysis.flags, segments, labels, reviews, thresholds.get("low_confidence", 0.6))


def chart_height(rows: int) -> int:
    return 70 + 45 * max(rows, 1)


def balance_chart(balance: dict, labels: dict, roles: dict, band: list[float]) -> alt.LayerChart:
    rows = [{"Taler": labels.get(who, who), "Andel": b["share"], "Taletid": clock(b["talk_s"]),
             "Tekst": f"{percent(b['share'])} · {clock(b['talk_s'])}",
             "fra": band[0], "til": band[1], "Sagsbehandler": roles.get(who) == "sagsbehandler"}
            for who, b in balance.items()]
    # DataFrames, not inline values: Altair validates inline rows one by one, which for a
    # two-hour meeting's turns cost most of the page's time.
    names, colours = speaker_scale({who: labels.get(who, who) for who in balance})
    base = alt.Chart(pd.DataFrame(rows)).encode(y=alt.Y("Taler:N", title=None, sort=names))
    bars = base.mark_bar(size=22).encode(
        x=alt.X("Andel:Q", axis=alt.Axis(format="%", title="Andel af taletiden"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("Taler:N", scale=colours, legend=None),
        tooltip=["Taler:N", alt.Tooltip("Andel:Q", format=".0%"), "Taletid:N"])
    text = base.mark_text(align="left", dx=4).encode(x="Andel:Q", text="Tekst:N")
    # The caseworker's reference band, behind the caseworker's bar.
    reference = base.transform_filter("datum.Sagsbehandler").mark_bar(size=34, opacity=0.18, color="#1565c0").encode(
        x="fra:Q", x2="til:Q",
        tooltip=[alt.Tooltip("fra:Q", format=".0%", title="Referencebånd fra"),
                 alt.Tooltip("til:Q", format=".0%", title="til")])
    return alt.layer(reference, bars, text).resolve_scale(color="independent")


def timeline_chart(spans, flags, labels: dict, gap_s: float, duration_s: float) -> alt.LayerChart:
    rows = [{"Taler": labels.get(t.speaker, t.speaker), "start": t.start, "slut": t.end,
             "Tid": f"{clock(t.start)}–{clock(t.end)}"} for t in turns(spans, gap_s)]
    names, colours = speaker_scale({who: labels.get(who, who) for who in {t.speaker for t in spans} | set(labels)
                                    if who is not None})
    speech = alt.Chart(pd.DataFrame(rows, columns=["Taler", "start", "slut", "Tid"])).mark_bar(height=18).encode(
        x=alt.X("start:Q", title="Tid i mødet", scale=alt.Scale(domain=[0, duration_s], nice=False),
                axis=alt.Axis(values=clock_ticks(duration_s),
                              labelExpr="utcFormat(datum.value * 1000, datum.value >= 3600 ? '%-H:%M:%S' : '%M:%S')")),
        x2="slut:Q", y=alt.Y("Taler:N", title=None, sort=names), color=alt.Color("Taler:N", scale=colours, legend=None),
        tooltip=["Taler:N", "Tid:N"])
    marks = [{"start": f.start, "Markering": kind_label(f.kind), "Tid": clock(f.start),
              "Tone": TONES.get(f.tone, ("", f.tone))[1], "farve": TONE_COLOURS.get(f.tone, "#616161")}
             for f in flags]
    tones = [(name, TONE_COLOURS[tone]) for tone, (_, name) in TONES.items() if tone in TONE_COLOURS]
    moments = alt.Chart(pd.DataFrame(marks, columns=["start", "Markering", "Tid", "Tone", "farve"])).mark_rule(strokeWidth=2, opacity=0.8).encode(
        x="start:Q", tooltip=["Tid:N", "Markering:N", "Tone:N"],
        color=alt.Color("Tone:N", scale=alt.Scale(domain=[n for n, _ in tones], range=[c for _, c in tones]),
                        # Without flags there is no mark for a legend to explain.
                        legend=alt.Legend(title="Markeringer", orient="bottom", direction="horizontal") if marks else None))
    return alt.layer(speech, moments).resolve_scale(color="independent")


def metrics_section(metrics: dict, labels: dict, note: str | None = None) -> None:
    """The key figures, as `medlyt show` has them: the meeting's (with `note` on how far the
    interruptions can be trusted), then each speaker's questions (open and closed), tempo and
    loudness."""
    st.subheader("Nøgletal")
    # Boxes of one width that wrap onto the next line: six side by side cut their values at
    # 768 px ("3,4 /…").
    row = st.container(horizontal=True, wrap=True, gap="medium")
    for key, (name, explanation) in METRICS.items():
        with row.container(width=FIGURE_WIDTH_PX):
            st.metric(name, metric_value(key, metrics.get(key)))
            st.caption(explanation)
    if note is not None:
        st.caption(note)
    per_speaker = metrics.get("speakers", {})
    if per_speaker:
        st.dataframe([{"Taler": labels.get(who, who),
                       **{name: speaker_value(key, m) for key, (name, _why) in SPEAKER_METRICS.items()}}
                      for who, m in per_speaker.items()], hide_index=True, width="stretch")
        st.caption(" · ".join(f"{name}: {why}" for name, why in SPEAKER_METRICS.values()))


def flags_section(user, meeting, flags, segments, labels: dict, reviews: dict, low: float) -> None:
    st.subheader(f"Markerede øjeblikke ({len(flags)})")
    if not flags:
        st.info("Ingen markeringer i dette møde.")
        return
    unsure = [f for f in flags if uncertain(f, low)]
    tones = st.multiselect("Vis", [name for _, name in TONES.values()], default=[name for _, name in TONES.values()],
                           key="tone_filter", placeholder="Vælg, hvad der vises")
    show_unsure = bool(unsure) and st.toggle(
        f"Vis også {count(len(unsure), 'markering', 'markeringer')} på ord, Whisper var usikker på",
        key="show_unsure", help="Ordvalg og spørgsmål bygger på, hvilke ord der blev sagt. Var Whisper under "
                                f"{percent(low)} sikker på ordene, kan markeringen bygge på en fejlhøring.")
    shown = [f for f in flags if TONES.get(f.tone, ("", ""))[1] in tones and (show_unsure or f not in unsure)]
    st.dataframe([{
        "Tid": clock(f.start), "": TONES.get(f.tone, ("?", ""))[0], "Art": kind_label(f.kind),
        "Taler": labels.get(f.speaker, "–") if f.speaker else "–",
        # The choice before the long reason: on a tablet the reason runs past the edge, not the choice.
        "Til sparringen": REVIEW_LABELS.get(reviews[review_key(f)].status, "") if review_key(f) in reviews else "",
        "Hvorfor": ("(usikker tekst) " if f in unsure else "") + redact(f.message),
    } for f in shown], hide_index=True, width="stretch")
    if not shown:
        return
    options = list(range(len(shown)))
    index = st.selectbox("Øjeblik", options, key="moment",
                         format_func=lambda i: f"{clock(shown[i].start)} · {kind_label(shown[i].kind)} · "
                                               f"{labels.get(shown[i].speaker, '–') if shown[i].speaker else '–'}"
                                               + (" · usikker tekst" if shown[i] in unsure else ""))
    moment_detail(user, meeting, shown[index], segments, labels, reviews.get(review_key(shown[index])), low)


def moment_detail(user, meeting, flag, segments, labels: dict, review, low: float) -> None:
    header_and_sound(meeting.id, flag, low)
    evidence(flag, labels)
    st.markdown("**Det blev sagt**")
    said_around(flag, segments, labels)
    review_form(user, meeting, flag, review)


REVIEW_LABELS = {"drøftet": "Tag med", "ikke relevant": "Spring over"}  # stored status -> what a user reads
UNDO = "review_undo"  # (flag key, the review before the last change) for the undo button


def review_form(user, meeting, flag, review) -> None:
    """Take the moment into the sparring or skip it, with a note that follows it there. Nothing
    is chosen until someone chooses; a choice can be changed, and the last one undone."""
    key = f"{flag.kind}-{round(flag.start * 1000)}"
    said = f" af {escape(review.by or '–')} {day_time(review.at)}" if review else ""
    if not can_choose_moments(user, meeting):
        st.caption("Øjeblikkene til sparringen vælges af sagsbehandleren og sparringspartneren, der var med.")
        if review:
            st.caption(f"{REVIEW_LABELS.get(review.status, review.status)}{said}")
        return
    drafts = st.session_state.setdefault(REVIEW_DRAFTS, {})
    with st.container(border=True):
        st.radio("Til sparringen", REVIEW_STATUSES, horizontal=True, key=f"status-{key}",
                 index=REVIEW_STATUSES.index(review.status) if review else None,
                 format_func=lambda s: REVIEW_LABELS.get(s, s))
        # A note typed and not saved stays when another moment is chosen (the box leaves the page).
        st.text_area("Note til sparringen", value=drafts.get(key, review.note if review else ""),
                     key=f"note-{key}", on_change=keep_review_draft, args=(key,),
                     help="Noten følger øjeblikket til Sparring og rapporten.")
        if key in drafts and drafts[key].strip() != (review.note if review else ""):
            st.caption(coloured("Kladde: noten er ikke gemt endnu.", WARNING_COLOUR))
        st.button("Gem", key=f"save-{key}", on_click=save_review, args=(meeting.id, flag, key, review))
    notice = st.session_state.pop(f"review-saved-{key}", None)
    if notice:
        st.success(notice)
    undo = st.session_state.get(UNDO)
    if undo and undo[0] == key:
        st.button("Fortryd", key=f"undo-{key}", on_click=undo_review, args=(meeting.id, flag, key))
    elif review:
        st.caption(f"Sidst sat til »{REVIEW_LABELS.get(review.status, review.status)}«{said}")


REVIEW_DRAFTS = "review_drafts"  # flag key -> note typed and not yet saved


def keep_review_draft(key: str) -> None:
    st.session_state.setdefault(REVIEW_DRAFTS, {})[key] = st.session_state.get(f"note-{key}", "")


def review_writer(meeting_id: str):
    """The user, if they may still choose moments in this meeting (checked when the click runs)."""
    user = current_user()
    meeting = meeting_for(user, meeting_id) if user is not None else None
    return user if meeting is not None and can_choose_moments(user, meeting) else None


def save_review(meeting_id: str, flag, key: str, before) -> None:
    status = st.session_state.get(f"status-{key}")
    if (user := review_writer(meeting_id)) is None:
        return
    if status is None:
        st.session_state[f"review-saved-{key}"] = None
        st.session_state[UNDO] = None
        st.toast("Vælg »Tag med« eller »Spring over« først.")
        return
    with store() as s:
        s.review_flag(meeting_id, flag, status, st.session_state.get(f"note-{key}", ""), by=user.name)
    st.session_state.setdefault(REVIEW_DRAFTS, {}).pop(key, None)
    st.session_state[f"review-saved-{key}"] = ("Tages med i sparringen." if status == "drøftet"
                                              else "Springes over i sparringen.")
    # Undo puts back the choice before, or no choice at all for a moment nobody had chosen for.
    st.session_state[UNDO] = (key, before)


def undo_review(meeting_id: str, flag, key: str) -> None:
    undo = st.session_state.pop(UNDO, None)
    if undo is None or undo[0] != key or (user := review_writer(meeting_id)) is None:
        return
    before = undo[1]
    with store() as s:
        if before is None:
            s.clear_review(meeting_id, flag, by=user.name)
        else:
            s.review_flag(meeting_id, flag, before.status, before.note, by=user.name)
    st.session_state[f"status-{key}"] = before.status if before else None
    st.session_state[f"note-{key}"] = before.note if before else ""
    st.session_state.setdefault(REVIEW_DRAFTS, {}).pop(key, None)
    st.session_state[f"review-saved-{key}"] = (f"Fortrudt: »{REVIEW_LABELS.get(before.status, before.status)}« igen."
                                              if before else "Fortrudt: intet valgt for øjeblikket.")


render()
