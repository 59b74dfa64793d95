"""CPR numbers, phone numbers and e-mail addresses said in a meeting are masked on every page
that shows what was said (Transskription, Mødeoverblik, Sparring) and in the session report,
through Streamlit's AppTest, the real store and the real analysis; the analysis itself still
runs on what was said.

The meeting lives in a data directory of this file's own, so the shared dashboard meetings
(whose lines and flags other tests count) stay as they are."""

import re
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from capture.source import import_audio
from dashboard.format import escape
from dashboard.report import report_html, report_markdown
from feedback.analysis import analyser
from meetings.records import Consent, Participant, Segment, Speaker, Speech, now_iso, review_key
from meetings.redaction import CPR_PLACEHOLDER, EMAIL_PLACEHOLDER, PHONE_PLACEHOLDER
from meetings.store import Store
from tests.dashboard.conftest import AUDIO, PASSWORD, logged_in, words

CPR, PHONE, EMAIL = "010203-1234", "12 34 56 78", "anne.hansen@kommune.dk"
# The values and pieces of them that give them away; none may be on any page or in any report.
RAW = (CPR, "010203", PHONE, "56 78", EMAIL, "anne.hansen", "kommune.dk")
PLACEHOLDERS = (CPR_PLACEHOLDER, PHONE_PLACEHOLDER, EMAIL_PLACEHOLDER)
OWNER, LEADER = "mie", "lis"
NOTE = f"Borgeren gav sit nummer {PHONE}"  # an observer's bookmark note, quoted in its flag

LINES = [
    ("S1", 0.5, 3.0, f"Er dit nummer stadig {PHONE}?"),
    ("S2", 3.4, 4.0, "Ja."),
    ("S1", 4.5, 7.0, f"Har du stadig mailen {EMAIL}?"),
    ("S2", 7.3, 8.0, "Ja."),
    ("S1", 8.4, 11.0, f"Kan du bekræfte dit CPR-nummer, {CPR}?"),
    ("S2", 11.4, 12.0, f"Ja, det er {CPR}."),
    ("S1", 12.5, 17.0, "Ellers kan det give en sanktion, fordi du skal stå til rådighed."),
    ("S2", 17.5, 35.0, f"Skriv endelig til {EMAIL} eller ring på {PHONE}, så kommer jeg gerne i gang "
                       "igen med praktikken."),
]
UNSURE = {"34", "56"}  # inside the phone number of line 1: masked, so never drawn, not even in grey


def segments_of(lines) -> list[Segment]:
    result = []
    for who, a, b, text in lines:
        said = [replace(w, probability=0.3) if a == 0.5 and w.text in UNSURE else w for w in words(a, b, text)]
        result.append(Segment(a, b, text, said, who, avg_logprob=-0.2, loudness_db=-30.0))
    return result


@pytest.fixture(scope="module")
def masked_meeting(tmp_path_factory, danish_dir) -> tuple[Path, str]:
    home = tmp_path_factory.mktemp("redaction-home")
    consent = Consent(True, "verbal", now_iso())
    with Store(home) as store:
        store.add_user(OWNER, "sagsbehandler", PASSWORD)
        store.add_user(LEADER, "leder", PASSWORD)
        meeting = store.create_meeting("Opfølgning med personnumre", [
            Participant("sagsbehandler", "Sagsbehandler", consent=consent, user=OWNER),
            Participant("borger", "Borger", consent=consent),
        ])
        store.attach_audio(meeting.id, lambda dest: import_audio(danish_dir / AUDIO, dest))
        speakers = [Speaker("S1", "Sagsbehandler", "sagsbehandler"), Speaker("S2", "Borger", "borger")]
        store.save_transcript(meeting.id, segments_of(LINES), "base", speakers, analyser(),
                              [Speech(a, b, who, -30.0) for who, a, b, _ in LINES])
        store.add_bookmark(meeting.id, 20.0, by="olga", note=NOTE, analyse=analyser())
        store.share(meeting.id, LEADER, by=OWNER)
    return home, meeting.id


@pytest.fixture
def meeting_id(masked_meeting, monkeypatch) -> str:
    home, meeting_id = masked_meeting
    monkeypatch.setenv("MEDLYT_HOME", str(home))
    return meeting_id


def on_page(user: str, meeting_id: str, page: str) -> AppTest:
    at = logged_in(user, meeting=meeting_id)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def everything(at: AppTest) -> str:
    """All text a person can see: text elements, tables, JSON, and the options of every picker
    (the line picker quotes the lines)."""
    parts = [str(e.value) for kind in ("title", "subheader", "markdown", "caption", "info", "error", "warning",
                                       "success", "text", "json")
             for e in getattr(at, kind)]
    parts += [e.value.to_csv() for kind in ("dataframe", "table") for e in getattr(at, kind)]
    parts += [option for kind in ("selectbox", "multiselect") for e in getattr(at, kind) for option in e.options]
    parts += [e.label for e in at.expander]
    # Markdown escapes resolved: a masked number must be judged as read, not as "010203\\-1234".
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def assert_masked(text: str) -> None:
    leaked = [raw for raw in RAW if raw in text]
    assert not leaked, leaked


def transcript_lines(at: AppTest) -> list[str]:
    blocks = [m.value for m in at.markdown if "`" in m.value and "**" in m.value]
    return "\n\n".join(blocks).split("\n\n") if blocks else []


def test_the_transcript_shows_placeholders_and_never_the_numbers(meeting_id):
    at = on_page(OWNER, meeting_id, "views/transcript.py")
    assert_masked(everything(at))
    lines = transcript_lines(at)
    assert len(lines) == len(LINES)
    # Escaped markdown: "\[" shows "[". The masked words are not drawn: no grey run is left of
    # the two unsure digit pairs, and the question mark after the number stays with it.
    assert lines[0] == r"▶ `00:00` **Sagsbehandler:** Er dit nummer stadig \[telefonnummer\]?"
    assert lines[2].endswith(r"Har du stadig mailen \[e\-mail\]?")
    assert lines[4].endswith(r"Kan du bekræfte dit CPR\-nummer, \[CPR\-nummer\]?")
    assert lines[7].endswith(r"Skriv endelig til \[e\-mail\] eller ring på \[telefonnummer\], så kommer jeg "
                             "gerne i gang igen med praktikken.")
    assert ":color[" not in "\n".join(lines) and ":gray[" not in "\n".join(lines)
    assert "(0 her)" in everything(at)  # the unsure words were inside the number: nothing unsure is shown
    options = at.selectbox(key="play_line").options
    assert "[CPR-nummer]" in options[4] and "[e-mail]" in options[2]


@pytest.mark.parametrize("query", ["1234", "010203", "12 34", "56", "kommune", "anne.hansen@kommune.dk"])
def test_searching_for_a_masked_value_finds_nothing(meeting_id, query):
    at = on_page(OWNER, meeting_id, "views/transcript.py")
    at.text_input(key="transcript_search").input(query).run()
    assert not at.exception, at.exception
    assert transcript_lines(at) == []
    assert "Ingen linjer indeholder søgeteksten." in everything(at)
    assert f"0 træf i 0 af {len(LINES)} linjer for »{query}«" in everything(at)
    assert_masked(everything(at).replace(f"»{query}«", ""))  # but the search itself


def test_searching_for_a_placeholder_finds_the_masked_lines(meeting_id):
    at = on_page(OWNER, meeting_id, "views/transcript.py")
    at.text_input(key="transcript_search").input("telefonnummer").run()
    lines = transcript_lines(at)
    assert len(lines) == 2 and lines[0].endswith(r":orange-background[\[telefonnummer\]?]")  # the hit stands out
    assert "2 træf i 2 af 8 linjer" in everything(at)
    assert_masked(everything(at))


def moment_index(at: AppTest, kind_label: str) -> int:
    return list(at.dataframe[-1].value["Art"]).index(kind_label)


def test_the_overview_masks_the_moment_its_evidence_and_what_was_said(meeting_id):
    at = on_page(OWNER, meeting_id, "views/overview.py")
    assert_masked(everything(at))
    assert f"Observatøren satte et bogmærke her: Borgeren gav sit nummer {PHONE_PLACEHOLDER}" in \
        list(at.dataframe[-1].value["Hvorfor"])

    at.selectbox(key="moment").set_value(moment_index(at, "Mange lukkede spørgsmål i træk")).run()
    assert not at.exception, at.exception
    shown = everything(at)
    assert_masked(shown)
    # The evidence, as Danish sentences: the quoted questions masked.
    for question in (f"Er dit nummer stadig {PHONE_PLACEHOLDER}?", f"Har du stadig mailen {EMAIL_PLACEHOLDER}?",
                     f"Kan du bekræfte dit CPR-nummer, {CPR_PLACEHOLDER}?"):
        assert f"Spørgsmål: «{question}»" in shown
    assert "3 lukkede spørgsmål i træk" in shown
    said = [m.value for m in at.markdown if m.value.startswith(("`", "> `"))]
    # Escaped as on the transcript page, so the text shows as said and never becomes markup.
    assert f"> `00:00` **Sagsbehandler:** Er dit nummer stadig {escape(PHONE_PLACEHOLDER)}?" in said
    assert f"`00:11` **Borger:** Ja, det er {escape(CPR_PLACEHOLDER)}." in said
    assert all(p in shown for p in PLACEHOLDERS)


def test_the_session_page_and_its_reports_are_masked(meeting_id, masked_meeting, downloads):
    at = on_page(LEADER, meeting_id, "views/session.py")
    with Store(masked_meeting[0]) as store:
        flags = store.analysis(meeting_id).flags
    chosen = [next(f for f in flags if f.kind == kind) for kind in ("closed_question_streak", "bookmark")]
    at.multiselect(key=f"session-pick-{meeting_id}").set_value(
        [f"{f.kind}-{review_key(f)[1]}" for f in chosen]).run()
    assert not at.exception, at.exception
    shown = everything(at)
    assert_masked(shown)
    assert f"`00:08` **Sagsbehandler:** {escape(f'Kan du bekræfte dit CPR-nummer, {CPR_PLACEHOLDER}?')}" in \
        [m.value.removeprefix("> ") for m in at.markdown]
    next(b for b in at.button if b.label == "Næste").click().run()
    shown = everything(at)
    assert_masked(shown)
    assert f"Observatøren satte et bogmærke her: Borgeren gav sit nummer {PHONE_PLACEHOLDER}" in shown
    reports = [downloads(d).content.decode() for d in at.get("download_button")]
    assert len(reports) == 2
    for report in reports:
        assert_masked(report)
        # The Markdown report writes brackets as \[ \] so they stay text; read as shown.
        assert f"Borgeren gav sit nummer {PHONE_PLACEHOLDER}" in report.replace("\\", "")


def test_the_report_functions_mask_what_a_flag_quotes(masked_meeting):
    home, meeting_id = masked_meeting
    with Store(home) as store:
        meeting = store.get_meeting(meeting_id)
        speakers = store.speakers(meeting_id)
        analysis = store.analysis(meeting_id)
    moments = analysis.flags
    assert any(PHONE in f.message for f in moments)  # the stored flag quotes the note as written
    for report in (report_html(meeting, speakers, analysis, moments, {}, []),
                   report_markdown(meeting, speakers, analysis, moments, {}, [])):
        assert_masked(report)
        assert PHONE_PLACEHOLDER in report.replace("\\", "")


def test_the_analysis_runs_on_what_was_said_and_showing_it_changes_nothing(meeting_id, masked_meeting):
    home, _ = masked_meeting
    with Store(home) as store:
        before = store.analysis(meeting_id)
        segments_before = store.segments(meeting_id)
    for page in ("views/transcript.py", "views/overview.py", "views/session.py"):
        on_page(OWNER, meeting_id, page)
    with Store(home) as store:
        after = store.analysis(meeting_id)
        segments_after = store.segments(meeting_id)
    assert segments_after == segments_before and segments_before[0].text == LINES[0][3]
    assert (after.flags, after.metrics, after.balance) == (before.flags, before.metrics, before.balance)
    # The questions were counted on the text as said, and the streak quotes it as said.
    streak = next(f for f in after.flags if f.kind == "closed_question_streak")
    assert streak.evidence["questions"][0] == f"Er dit nummer stadig {PHONE}?"
    assert after.metrics["speakers"]["S1"]["questions_closed"] == 3
