"""The feedback session's report, as Markdown and as a printable, self-contained HTML page.

Pure functions: no Streamlit, no store. What the report holds is deliberate:
- the meeting's title and date, its duration, who held the sparring and when;
- the key figures: each speaker's share and talk time, the meeting's figures, and each speaker's
  questions, tempo and loudness (as `medlyt show` and the overview have them);
- the moments the session talked about (time, kind, why it was flagged) with the note from
  the preparation and the session's notes;
- the development points agreed on.
It never holds the transcript, and speakers go by their role, never by a name: the citizen is
always "Borger", also where a flag's message named them by a label someone typed. A flag's
message can quote what was said (or an observer's note), so CPR numbers, phone numbers and
e-mail addresses in it are masked (meetings.redaction). The notes and development points are
the session's own words and are kept as written.
"""

import html
import re
from collections.abc import Iterable, Mapping

from dashboard.format import clock, day, percent
from feedback.labels import (METRICS, SPEAKER_METRICS, TONES, balance_note, interruptions_note, kind_label, metric_value,
                             speaker_value)
from meetings.records import (
    ROLE_LABELS,
    Analysis,
    DevelopmentPoint,
    Flag,
    FlagReview,
    Meeting,
    SessionNote,
    Speaker,
    named_voices,
    review_key,
    unnamed_label,
    voices_heard,
)
from meetings.redaction import redact

AUTHOR_LABELS = {"leder": "Leder", "sagsbehandler": "Sagsbehandler", "kollega": "Kollega"}
CITIZEN = ROLE_LABELS["borger"]
NO_TRANSCRIPT = ("Rapporten indeholder ikke transskriptionen, og borgeren omtales kun som «Borger». "
                 "Sparringen bygger på styrker såvel som opmærksomhedspunkter.")

Notes = Mapping[tuple[tuple[str, int] | None, str], SessionNote]
Reviews = Mapping[tuple[str, int], FlagReview]

PRINT_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1a1a1a;
       max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 1.8rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .3rem; }
.meta, .small { color: #555; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e0e0e0; vertical-align: top; }
.bar { background: #e8eef7; height: .7rem; width: 12rem; }
.bar span { display: block; height: 100%; background: #1565c0; }
.moment { border-left: 4px solid #9e9e9e; padding: .1rem 0 .1rem .8rem; margin: 1rem 0; }
.moment.strength { border-color: #2e7d32; } .moment.concern { border-color: #c62828; }
.note { white-space: pre-wrap; margin: .2rem 0; }
.note b { white-space: normal; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 11pt; color: #000; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .moment, tr { break-inside: avoid; page-break-inside: avoid; }
  .bar { border: 1px solid #000; } .bar span { background: #000; print-color-adjust: exact;
                                              -webkit-print-color-adjust: exact; }
  @page { margin: 18mm; }
}
"""


# ---- what the report says, apart from how -------------------------------------------------------

def speaker_names(speakers: Iterable[Speaker]) -> dict[str, str]:
    """Speaker id -> the name the report uses: the role's name when the role is known (never a
    label someone typed, which could be a name), otherwise "Taler N"."""
    speakers = list(speakers)
    names = {}
    for s in speakers:
        if s.role in ROLE_LABELS:
            names[s.id] = ROLE_LABELS[s.role]
        else:
            names[s.id] = unnamed_label(s.id)
    counts = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    return {sid: (f"{name} ({sid})" if counts[name] > 1 else name) for sid, name in names.items()}


def pseudonymised(text: str, speakers: Iterable[Speaker]) -> str:
    """A flag's message with the citizen's label (should it be a name) replaced by "Borger",
    and any CPR number, phone number or e-mail address in it masked."""
    for s in speakers:
        label = (s.label or "").strip()
        if s.role == "borger" and label and label != CITIZEN:
            text = re.sub(rf"(?<!\w){re.escape(label)}(?!\w)", CITIZEN, text)
    return redact(text)


def balance_rows(analysis: Analysis, speakers: Iterable[Speaker]) -> list[dict]:
    names = speaker_names(speakers)
    rows = []
    for who, b in analysis.balance.items():
        rows.append({"name": names.get(who, "Ukendt taler"), "share": b.get("share"),
                     "talk_s": b.get("talk_s", 0.0)})
    return sorted(rows, key=lambda r: -(r["share"] or 0.0))


def duration_s(meeting: Meeting, analysis: Analysis | None) -> float | None:
    if analysis is not None and analysis.metrics.get("duration_s") is not None:
        return analysis.metrics["duration_s"]
    return meeting.audio.duration_s if meeting.audio else None


def balance_band(analysis: Analysis) -> tuple[float, float] | None:
    band = (analysis.config or {}).get("thresholds", {}).get("balance_band")
    return (band[0], band[1]) if band and len(band) == 2 else None


def moment_notes(notes: Notes, flag: Flag | None) -> list[tuple[str, str]]:
    """(author's name, text) for each note on a moment (or the whole session, flag None): the
    leader's first, then the caseworker's and a colleague partner's; authors without one are left out."""
    key = review_key(flag) if flag is not None else None
    return [(AUTHOR_LABELS[a], redact(notes[(key, a)].text)) for a in AUTHOR_LABELS if (key, a) in notes]


def meeting_date(meeting: Meeting) -> str:
    return day(meeting.created_at)


def held(notes: Notes, points: list[DevelopmentPoint]) -> str | None:
    """"Sparringen er holdt af lis og anne, 14.03.2025": the people who wrote its notes and
    points (users of medlyt, never the citizen), on the day of the last one written."""
    written = [(n.by, n.at) for n in notes.values()] + [(p.by, p.at) for p in points]
    names = list(dict.fromkeys(by for by, _at in written if by))
    if not names:
        return None
    last = max((at for _by, at in written if at), default="")
    people = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]
    return f"Sparringen er holdt af {people}" + (f", {day(last)}." if last else ".")


def key_figures(analysis: Analysis) -> list[tuple[str, str, str]]:
    """(name, value, what it means) for the meeting's key figures."""
    return [(name, metric_value(key, analysis.metrics.get(key)), why) for key, (name, why) in METRICS.items()
            if key in analysis.metrics]


def speaker_figures(analysis: Analysis, speakers: Iterable[Speaker]) -> list[tuple[str, list[str]]]:
    """(speaker's report name, [questions, tempo, loudness]) for each speaker."""
    names = speaker_names(speakers)
    return [(names.get(who, "Ukendt taler"), [speaker_value(key, m) for key in SPEAKER_METRICS])
            for who, m in analysis.metrics.get("speakers", {}).items()]


def preparation_note(reviews: Reviews, flag: Flag) -> str | None:
    """The note written when the moment was taken along for the sparring: it follows the moment."""
    review = reviews.get(review_key(flag))
    return redact(review.note) if review is not None and review.note else None


def tone_name(flag: Flag) -> str:
    return TONES.get(flag.tone, ("", flag.tone))[1]


def moment_time(flag: Flag) -> str:
    return f"{clock(flag.start)}–{clock(flag.end)}"


# ---- Markdown ---------------------------------------------------------------------------------

def _md(text: str) -> str:
    """User or meeting text inside Markdown: no raw HTML gets through to a renderer, and no
    link or image either (a viewer would fetch an image's address)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("[", "\\[").replace("]", "\\]")


def _md_block(text: str, indent: str) -> str:
    """A multi-line text as one list item's body: following lines indented under it."""
    lines = _md(text).splitlines() or [""]
    return lines[0] + "".join(f"\n{indent}{line}" if line.strip() else "\n" for line in lines[1:])


def report_markdown(meeting: Meeting, speakers: list[Speaker], analysis: Analysis, moments: list[Flag],
                    notes: Notes, points: list[DevelopmentPoint], reviews: Reviews | None = None) -> str:
    reviews = reviews or {}
    shown = named_voices(meeting, speakers, voices_heard(analysis.balance))  # the stored names mask messages
    out = [f"# Sparring: {_md(redact(meeting.title))}", ""]
    duration = duration_s(meeting, analysis)
    out += [f"- **Mødets dato:** {meeting_date(meeting)}",
            f"- **Varighed:** {clock(duration) if duration is not None else '–'}"]
    if (session := held(notes, points)) is not None:
        out.append(f"- **Sparring:** {_md(session)}")
    out += ["", f"_{NO_TRANSCRIPT}_", ""]

    out += ["## Taletid", "", "| Taler | Andel | Taletid |", "|---|---:|---:|"]
    out += [f"| {r['name']} | {percent(r['share'])} | {clock(r['talk_s'])} |" for r in balance_rows(analysis, shown)]
    band = balance_band(analysis)
    if band:
        out += ["", f"Referencebånd for sagsbehandlerens andel: {percent(band[0])}–{percent(band[1])}."]
    if (note := balance_note(meeting, analysis.balance)) is not None:
        out += ["", note]
    out.append("")
    figures = key_figures(analysis)
    if figures:
        out += ["## Nøgletal", "", "| Nøgletal | Værdi | Hvad det er |", "|---|---:|---|"]
        out += [f"| {name} | {value} | {why} |" for name, value, why in figures]
        if (note := interruptions_note(meeting, analysis.metrics)) is not None:
            out += ["", note]
        out.append("")
    per_speaker = speaker_figures(analysis, shown)
    if per_speaker:
        out += ["| Taler | " + " | ".join(name for name, _why in SPEAKER_METRICS.values()) + " |",
                "|---|" + "---|" * len(SPEAKER_METRICS)]
        out += [f"| {who} | " + " | ".join(values) + " |" for who, values in per_speaker]
        out.append("")

    out += [f"## Øjeblikke ({len(moments)})", ""]
    if not moments:
        out += ["Ingen øjeblikke valgt.", ""]
    for number, flag in enumerate(moments, 1):
        symbol = TONES.get(flag.tone, ("·", ""))[0]
        out += [f"### {number}. {moment_time(flag)} · {kind_label(flag.kind)} ({symbol} {tone_name(flag)})", "",
                _md(pseudonymised(flag.message, speakers)), ""]
        if (prepared := preparation_note(reviews, flag)) is not None:
            out.append(f"- **Note fra forberedelsen:** {_md_block(prepared, '  ')}")
        for author, text in moment_notes(notes, flag):
            out.append(f"- **{author}:** {_md_block(text, '  ')}")
        if moment_notes(notes, flag) or preparation_note(reviews, flag):
            out.append("")

    session = moment_notes(notes, None)
    if session:
        out += ["## Noter til hele sessionen", ""]
        out += [f"- **{author}:** {_md_block(text, '  ')}" for author, text in session]
        out.append("")

    out += ["## Udviklingspunkter", ""]
    if points:
        out += [f"{number}. {_md_block(redact(p.text), '   ')}" for number, p in enumerate(points, 1)]
    else:
        out.append("Ingen udviklingspunkter aftalt.")
    out.append("")
    return "\n".join(out)


# ---- HTML -------------------------------------------------------------------------------------

def _h(text) -> str:
    return html.escape(str(text), quote=True)


def report_html(meeting: Meeting, speakers: list[Speaker], analysis: Analysis, moments: list[Flag],
                notes: Notes, points: list[DevelopmentPoint], reviews: Reviews | None = None) -> str:
    reviews = reviews or {}
    shown = named_voices(meeting, speakers, voices_heard(analysis.balance))  # the stored names mask messages
    title = f"Sparring: {redact(meeting.title)}"
    duration = duration_s(meeting, analysis)
    session = held(notes, points)
    body = [f"<h1>{_h(title)}</h1>",
            f'<p class="meta">Mødets dato {_h(meeting_date(meeting))} · varighed '
            f"{_h(clock(duration) if duration is not None else '–')}"
            + (f" · {_h(session)}" if session else "") + "</p>",
            f'<p class="small">{_h(NO_TRANSCRIPT)}</p>']

    body += ["<h2>Taletid</h2>", "<table>", "<tr><th>Taler</th><th>Andel</th><th></th><th>Taletid</th></tr>"]
    for r in balance_rows(analysis, shown):
        width = round(100 * min(max(r["share"] or 0.0, 0.0), 1.0))
        body.append(f"<tr><td>{_h(r['name'])}</td><td>{_h(percent(r['share']))}</td>"
                    f'<td><div class="bar"><span style="width: {width}%"></span></div></td>'
                    f"<td>{_h(clock(r['talk_s']))}</td></tr>")
    body.append("</table>")
    band = balance_band(analysis)
    if band:
        body.append(f'<p class="small">Referencebånd for sagsbehandlerens andel: '
                    f"{_h(percent(band[0]))}–{_h(percent(band[1]))}.</p>")
    if (note := balance_note(meeting, analysis.balance)) is not None:
        body.append(f'<p class="small">{_h(note)}</p>')
    figures = key_figures(analysis)
    if figures:
        body += ["<h2>Nøgletal</h2>", "<table>", "<tr><th>Nøgletal</th><th>Værdi</th><th>Hvad det er</th></tr>"]
        body += [f"<tr><td>{_h(name)}</td><td>{_h(value)}</td><td>{_h(why)}</td></tr>" for name, value, why in figures]
        body.append("</table>")
        if (note := interruptions_note(meeting, analysis.metrics)) is not None:
            body.append(f'<p class="small">{_h(note)}</p>')
    per_speaker = speaker_figures(analysis, shown)
    if per_speaker:
        body += ["<table>", "<tr><th>Taler</th>" + "".join(f"<th>{_h(n)}</th>" for n, _w in SPEAKER_METRICS.values())
                 + "</tr>"]
        body += [f"<tr><td>{_h(who)}</td>" + "".join(f"<td>{_h(v)}</td>" for v in values) + "</tr>"
                 for who, values in per_speaker]
        body.append("</table>")

    body.append(f"<h2>Øjeblikke ({len(moments)})</h2>")
    if not moments:
        body.append("<p>Ingen øjeblikke valgt.</p>")
    for number, flag in enumerate(moments, 1):
        symbol = TONES.get(flag.tone, ("·", ""))[0]
        tone_class = flag.tone if flag.tone in TONES else "info"
        body += [f'<section class="moment {_h(tone_class)}">',
                 f"<h3>{number}. {_h(moment_time(flag))} · {_h(kind_label(flag.kind))} "
                 f"({_h(symbol)} {_h(tone_name(flag))})</h3>",
                 f"<p>{_h(pseudonymised(flag.message, speakers))}</p>"]
        if (prepared := preparation_note(reviews, flag)) is not None:
            body.append(f'<p class="note"><b>Note fra forberedelsen:</b> {_h(prepared)}</p>')
        body += [f'<p class="note"><b>{_h(author)}:</b> {_h(text)}</p>' for author, text in moment_notes(notes, flag)]
        body.append("</section>")

    session = moment_notes(notes, None)
    if session:
        body.append("<h2>Noter til hele sessionen</h2>")
        body += [f'<p class="note"><b>{_h(author)}:</b> {_h(text)}</p>' for author, text in session]

    body.append("<h2>Udviklingspunkter</h2>")
    if points:
        body += ["<ol>"] + [f'<li class="note">{_h(redact(p.text))}</li>' for p in points] + ["</ol>"]
    else:
        body.append("<p>Ingen udviklingspunkter aftalt.</p>")

    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="da">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_h(title)}</title>",
        f"<style>{PRINT_CSS}</style>",
        "</head>",
        "<body>",
        *body,
        "</body>",
        "</html>",
        "",
    ])
