"""Udvikling: one caseworker's key figures across their meetings over time, so progress shows.

Per processed meeting (by date): the caseworker's share of the talk (with the reference band),
the longest monologue, the share of open questions among the caseworker's questions, the
caseworker's interruptions, and the number of strengths and concerns flagged. Only meetings
the user may see count (dashboard.data.meetings_for applies meetings.access), so a leader sees
a caseworker's development in the meetings shared with them and nothing else.
"""

from datetime import datetime

import altair as alt
import streamlit as st

from dashboard.auth import current_user
from dashboard.data import meetings_for, store
from dashboard.format import DATE_FORMAT, count, day, day_time, decimal, escape, percent
from dashboard.status import state_from_store
from feedback.labels import mixed_recordings_note, recorded_with, uncertain, voices_note
from meetings import audit
from meetings.access import admin_reads_content, can_follow_development
from meetings.records import Meeting, User, voices_heard
from meetings.redaction import redact

PAGE = "udvikling"
CASEWORKER = "sagsbehandler"
CHART_HEIGHT = 260
STRENGTH, CONCERN = "Styrker", "Opmærksomhedspunkter"
TONE_COLOURS = {STRENGTH: "#2e7d32", CONCERN: "#c62828"}


def render() -> None:
    user = current_user()
    st.title("Udvikling")
    log_page_view(user)
    meetings = meetings_for(user)
    caseworker = choose_caseworker(user, meetings)
    if caseworker is None:
        return
    own = [m for m in meetings if m.caseworker == caseworker and counts_for(user, m)]
    rows, left_out = development(own)
    if not rows:
        st.info(f"Der er endnu ingen møder med nøgletal for {escape(caseworker)}, som du har adgang til.")
        left_out_note(left_out)
        return
    first, last = day(rows[0]["date"]), day(rows[-1]["date"])
    when = f"fra {first} til {last}" if first != last else first
    st.caption(f"{escape(caseworker)} · {count(len(rows), 'møde', 'møder')} med nøgletal, {when}")
    latest_section(rows)
    if len(rows) > 1:
        charts_section(rows)
    else:
        # One dot per chart says nothing about a development, and looks like a chart gone wrong.
        st.subheader("Over tid")
        st.info("Udviklingen vises, når der er mindst to møder med nøgletal: med ét møde er der endnu "
                "intet at sammenligne med. Når det næste møde er analyseret, kommer det med her.")
    if (note := mixed_recordings_note([r["microphone_each"] for r in rows])) is not None:
        st.caption(note)
    st.subheader("Møderne")
    st.dataframe([table_row(r) for r in rows], hide_index=True, width="stretch")
    left_out_note(left_out)


def log_page_view(user: User) -> None:
    """Once per session: this page is about a person, not one meeting, so no meeting id."""
    seen = st.session_state.setdefault("viewed", set())
    if (None, PAGE) in seen:
        return
    seen.add((None, PAGE))
    with store() as s:
        s.log(audit.VIEWED, None, user.name, f"page={PAGE}")


def counts_for(user: User, meeting: Meeting) -> bool:
    """Which of a caseworker's meetings this user's view of her development rests on: her own
    view all of them; a leader's only those she shared (not one the leader merely sat in on)."""
    return user.name == meeting.caseworker or user.name in meeting.shared_with or user.role == "admin"


def choose_caseworker(user: User, meetings: list[Meeting]) -> str | None:
    """A caseworker sees her own development; a leader chooses among the caseworkers who share
    meetings with her (meetings.access.can_follow_development); a colleague who sat in sees none."""
    if user.role == CASEWORKER:
        return user.name
    shared = {m.caseworker for m in meetings if m.caseworker and user.name in m.shared_with}
    names = {name for name in {m.caseworker for m in meetings if m.caseworker}
             if can_follow_development(user, name, name in shared)}
    if user.role == "admin" and admin_reads_content():
        with store() as s:
            names |= {u.name for u in s.users() if u.role == CASEWORKER}
    if not names:
        st.info("Der er ingen sagsbehandlere, hvis udvikling du kan følge. En sagsbehandlers udvikling er "
                "hendes egen og de lederes, hun deler sine møder med.")
        return None
    return st.selectbox("Sagsbehandler", sorted(names), key="development_caseworker")


def development(meetings: list[Meeting]) -> tuple[list[dict], list[tuple[Meeting, str]]]:
    """One row of numbers per meeting with an analysis and a caseworker speaker, oldest first;
    and the meetings left out, each with why."""
    rows, left_out = [], []
    with store() as s:
        for meeting in sorted(meetings, key=lambda m: (m.created_at, m.id)):
            analysis = s.analysis(meeting.id) if meeting.status == "processed" else None
            if analysis is None:
                # Said as everywhere else (dashboard.status): "Mangler samtykke", "Ikke optaget", ...
                left_out.append((meeting, state_from_store(s, meeting).label.lower()))
                continue
            if voices_note(meeting, voices_heard(analysis.balance)) is not None:
                left_out.append((meeting, "stemmerne kunne ikke skelnes fra hinanden"))  # its shares would be 100 %
                continue
            ids = [sp.id for sp in s.speakers(meeting.id) if sp.role == CASEWORKER]
            if not ids:
                left_out.append((meeting, "ingen taler har rollen sagsbehandler"))
                continue
            rows.append(meeting_row(meeting, analysis, ids))
    return rows, left_out


def meeting_row(meeting: Meeting, analysis, ids: list[str]) -> dict:
    """The caseworker's numbers in one meeting. Should the caseworker's voice have been split
    into more than one speaker (each given the role), their numbers are added up."""
    speakers = analysis.metrics.get("speakers", {})
    mine = [speakers.get(who, {}) for who in ids]
    asked_open = sum(m.get("questions_open", 0) for m in mine)
    asked_closed = sum(m.get("questions_closed", 0) for m in mine)
    asked = asked_open + asked_closed
    low = analysis.config.get("thresholds", {}).get("low_confidence", 0.6)
    sure = [f for f in analysis.flags if not uncertain(f, low)]
    return {
        "id": meeting.id,
        "title": redact(meeting.title),
        "date": meeting.created_at,
        "share": round(sum(analysis.balance.get(who, {}).get("share", 0.0) for who in ids), 4),
        "monologue_s": analysis.metrics.get("longest_monologue_s"),
        "open_share": round(asked_open / asked, 3) if asked else None,
        "questions": asked,
        "interruptions": sum(m.get("interruptions", 0) for m in mine),
        # Flags on words Whisper was unsure of may rest on a mishearing: not counted as facts.
        "strengths": sum(1 for f in sure if f.tone == "strength"),
        "concerns": sum(1 for f in sure if f.tone == "concern"),
        "unsure": len(analysis.flags) - len(sure),
        "band": tuple(analysis.config["thresholds"]["balance_band"]),
        "microphone_each": meeting.microphone_each,
    }


def table_row(r: dict) -> dict:
    return {
        "Dato": day_time(r["date"]),
        "Titel": r["title"],
        "Sagsbehandlerens andel": percent(r["share"]),
        "Længste monolog": decimal(r["monologue_s"], 1, "s"),
        "Åbne spørgsmål": (f"{percent(r['open_share'])} af {r['questions']}" if r["questions"] else "–"),
        "Afbrydelser": r["interruptions"],
        STRENGTH: r["strengths"],
        CONCERN: r["concerns"],
        "Ikke talt med (usikker tekst)": r["unsure"],
        "Optaget med": recorded_with(r["microphone_each"]),
        "Id": r["id"],
    }


def latest_section(rows: list[dict]) -> None:
    """The latest meeting's figures, each with the change since the meeting before."""
    last, before = rows[-1], rows[-2] if len(rows) > 1 else None
    low, high = last["band"]

    def change(key: str, show, colour: str = "normal", digits: int = 0) -> dict:
        """The delta's arguments for st.metric: nothing without a meeting before; "uændret",
        grey and without an arrow, where the figure did not move as it is shown (never "↑ +0")."""
        if before is None or last[key] is None or before[key] is None:
            return {}
        d = last[key] - before[key]
        if round(d, digits) == 0:
            return {"delta": "uændret", "delta_color": "off", "delta_arrow": "off"}
        return {"delta": show(d), "delta_color": colour}

    def points(d: float) -> str:
        return f"{'+' if d >= 0 else '-'}{abs(round(d * 100))} %-point"

    def seconds(d: float) -> str:
        return ("+" if d >= 0 else "") + decimal(d, 1, "s")

    def count(d: int) -> str:
        return f"{d:+d}"

    st.subheader(f"Seneste møde: {day(last['date'])}")
    row = st.container(horizontal=True, wrap=True, gap="medium")  # they wrap on a tablet, never cut
    columns = [row.container(width=230) for _ in range(4)]
    columns[0].metric("Sagsbehandlerens andel", percent(last["share"]), **change("share", points, "off", 2),
                      help=f"andel af al taletid; referencebåndet er {percent(low)}–{percent(high)}")
    columns[1].metric("Længste monolog", decimal(last["monologue_s"], 1, "s"),
                      **change("monologue_s", seconds, "inverse", 1),
                      help="sagsbehandlerens længste tur uden at give ordet fra sig")
    columns[2].metric("Åbne spørgsmål", percent(last["open_share"]), **change("open_share", points, "normal", 2),
                      help="andel åbne blandt sagsbehandlerens spørgsmål (åbne og lukkede)")
    columns[3].metric("Afbrydelser", str(last["interruptions"]), **change("interruptions", count, "inverse"),
                      help="gange sagsbehandleren begyndte at tale, mens borgeren talte")


def charts_section(rows: list[dict]) -> None:
    st.subheader("Over tid")
    ticks = [tick(r["date"]) for r in rows]
    left, right = st.container(key="reflow-development").columns(2)
    with left:
        st.markdown("**Sagsbehandlerens andel af taletiden**")
        st.altair_chart(share_chart(rows, ticks), width="stretch", height=CHART_HEIGHT)
        st.markdown("**Åbne spørgsmål**")
        st.altair_chart(line_chart(rows, ticks, "open_share", "Åbne spørgsmål", percent_axis=True),
                        width="stretch", height=CHART_HEIGHT)
        st.markdown("**Markeringer: styrker og opmærksomhedspunkter**")
        st.altair_chart(flags_chart(rows, ticks), width="stretch", height=CHART_HEIGHT)
    with right:
        st.markdown("**Længste monolog**")
        st.altair_chart(line_chart(rows, ticks, "monologue_s", "Sekunder"), width="stretch", height=CHART_HEIGHT)
        st.markdown("**Afbrydelser ved sagsbehandleren**")
        st.altair_chart(line_chart(rows, ticks, "interruptions", "Afbrydelser", whole=True),
                        width="stretch", height=CHART_HEIGHT)


def tick(iso: str) -> alt.DateTime:
    d = datetime.fromisoformat(iso)
    return alt.DateTime(year=d.year, month=d.month, date=d.day, hours=d.hour, minutes=d.minute,
                        seconds=d.second, utc=True)


def x_axis(ticks: list[alt.DateTime]) -> alt.X:
    # Ticks at the meetings themselves, not at whatever hours or months the scale would pick;
    # in UTC, as the dates in the table and on the Møder page.
    return alt.X("utcyearmonthdatehoursminutes(Dato):T", title="Mødedato",
                 axis=alt.Axis(values=ticks, format=DATE_FORMAT, labelAngle=-30, labelOverlap="greedy"))


def points_data(rows: list[dict], key: str) -> list[dict]:
    return [{"Dato": r["date"], "Møde": r["title"], "Dag": day(r["date"]), "Værdi": r[key]} for r in rows]


def line_chart(rows: list[dict], ticks: list[alt.DateTime], key: str, title: str, percent_axis: bool = False,
               whole: bool = False) -> alt.Chart:
    axis = alt.Axis(format="%" if percent_axis else ("d" if whole else "~r"), title=title,
                    tickMinStep=1 if whole else alt.Undefined)
    scale = alt.Scale(domain=[0, 1]) if percent_axis else alt.Scale(zero=True)
    value = alt.Tooltip("Værdi:Q", title=title, format=".0%" if percent_axis else (".0f" if whole else ".1f"))
    return alt.Chart(alt.Data(values=points_data(rows, key))).mark_line(point=True).encode(
        x=x_axis(ticks), y=alt.Y("Værdi:Q", axis=axis, scale=scale),
        tooltip=[alt.Tooltip("Dag:N", title="Dato"), "Møde:N", value])


def share_chart(rows: list[dict], ticks: list[alt.DateTime]) -> alt.LayerChart:
    low, high = rows[-1]["band"]  # the settings in force at the latest meeting
    band = alt.Chart(alt.Data(values=[{"fra": low, "til": high}])).mark_rect(opacity=0.15, color="#1565c0").encode(
        y="fra:Q", y2="til:Q",
        tooltip=[alt.Tooltip("fra:Q", format=".0%", title="Referencebånd fra"),
                 alt.Tooltip("til:Q", format=".0%", title="til")])
    line = line_chart(rows, ticks, "share", "Andel af taletiden", percent_axis=True)
    return alt.layer(band, line)


def flags_chart(rows: list[dict], ticks: list[alt.DateTime]) -> alt.Chart:
    values = [{"Dato": r["date"], "Møde": r["title"], "Dag": day(r["date"]), "Tone": tone, "Antal": r[key]}
              for r in rows for tone, key in ((STRENGTH, "strengths"), (CONCERN, "concerns"))]
    colours = alt.Scale(domain=list(TONE_COLOURS), range=list(TONE_COLOURS.values()))
    return alt.Chart(alt.Data(values=values)).mark_line(point=True).encode(
        x=x_axis(ticks),
        y=alt.Y("Antal:Q", axis=alt.Axis(format="d", tickMinStep=1, title="Markeringer")),
        color=alt.Color("Tone:N", scale=colours, legend=alt.Legend(title=None, orient="top")),
        tooltip=[alt.Tooltip("Dag:N", title="Dato"), "Møde:N", "Tone:N", "Antal:Q"])


def left_out_note(left_out: list[tuple[Meeting, str]]) -> None:
    if not left_out:
        return
    lines = "\n".join(f"- {day(m.created_at)} · {escape(redact(m.title))}: {why}" for m, why in left_out)
    st.caption(f"Ikke med ({len(left_out)}):\n{lines}")
    st.page_link("views/meetings.py", label="Se møderne og deres status under Møder", icon=":material/arrow_forward:")


render()
