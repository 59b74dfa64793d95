"""The feedback session: its notes and development points in the store (audited, gone with a
withdrawal), and the report made from them (Markdown and printable HTML)."""

import re
import sqlite3
from html.parser import HTMLParser

import pytest

from dashboard.report import report_html, report_markdown, speaker_names
from feedback.labels import INTERRUPTIONS_NOTE
from meetings import audit
from meetings import store as store_module
from meetings.db import migrations
from meetings.crypto import Unencrypted
from meetings.records import (
    Analysis,
    AudioInfo,
    Consent,
    DevelopmentPoint,
    Flag,
    Meeting,
    Participant,
    Segment,
    SessionNote,
    Speaker,
    review_key,
)
from meetings.store import MeetingError, MeetingWithdrawn, Store
from tests.audio_files import pcm_writer
from tests.conftest import empty_database
from tests.raw_db import raw, stored_bytes

pytestmark = pytest.mark.usefixtures("backend")  # each test runs on SQLite and on PostgreSQL

CITIZEN_LINE = "Jeg har arbejdet på et lager i mange år, men så fik jeg ondt i ryggen."
LEADER_NOTE = "Flot, at du lod borgeren fortælle færdig."
CASEWORKER_NOTE = "Jeg vil prøve at spørge mere åbent.\nIsær i starten."
SCRIPT_NOTE = "<script>alert('x')</script> & \"citat\""
POINT = "Stil mindst ét åbent spørgsmål, før reglerne forklares"

STORY = Flag("citizen_story", 44.0, 80.0, "S2", "Borgeren fortalte sammenhængende i 36 s.", {}, "strength")
STREAK = Flag("closed_question_streak", 0.5, 11.0, "S1", "3 lukkede spørgsmål i træk fra Sagsbehandler.", {},
              "concern")


# ---- the report -------------------------------------------------------------------------------

def meeting() -> Meeting:
    return Meeting(id="abc123abc123", title="Opfølgning <uge 12> & plan", created_at="2025-03-12T09:30:00+00:00",
                   status="processed",
                   audio=AudioInfo("audio/abc123abc123.wav", 16000, 1, 95.0))


def speakers(citizen_label: str = "Borger") -> list[Speaker]:
    return [Speaker("S1", "Sagsbehandler", "sagsbehandler"), Speaker("S2", citizen_label, "borger")]


def analysis(flags=(STREAK, STORY)) -> Analysis:
    return Analysis(
        balance={"S1": {"talk_s": 40.0, "share": 0.4, "turns": 5, "longest_turn_s": 12.0},
                 "S2": {"talk_s": 60.0, "share": 0.6, "turns": 4, "longest_turn_s": 36.0}},
        metrics={"duration_s": 95.0}, flags=list(flags),
        config={"thresholds": {"balance_band": [0.3, 0.5]}}, config_source="standard")


def notes() -> dict:
    story, streak = review_key(STORY), review_key(STREAK)
    return {
        (story, "leder"): SessionNote(story, "leder", LEADER_NOTE, "lis"),
        (streak, "sagsbehandler"): SessionNote(streak, "sagsbehandler", CASEWORKER_NOTE, "anne"),
        (None, "leder"): SessionNote(None, "leder", SCRIPT_NOTE, "lis"),
    }


def points() -> list[DevelopmentPoint]:
    return [DevelopmentPoint(1, 1, POINT, "lis"), DevelopmentPoint(2, 2, "Opsummér <til sidst>", "anne")]


def both(citizen_label: str = "Borger", moments=(STREAK, STORY)) -> tuple[str, str]:
    args = (meeting(), speakers(citizen_label), analysis(), list(moments), notes(), points())
    return report_markdown(*args), report_html(*args)


def test_the_report_holds_title_date_duration_and_balance_per_speaker():
    markdown, page = both()
    assert markdown.startswith("# Sparring: Opfølgning &lt;uge 12&gt; &amp; plan\n")
    for text in (markdown, page):
        assert "12.03.2025" in text and "01:35" in text  # date (dd.mm.åååå) and duration
        assert "abc123abc123" not in text  # no raw meeting id for a reader to puzzle over
        assert "Sparringen er holdt af lis og anne." in text  # who wrote its notes and points
        assert "40 %" in text and "00:40" in text  # the caseworker's share and talk time
        assert "60 %" in text and "01:00" in text  # the citizen's
        assert "30 %–50 %" in text  # the reference band
    assert "| Borger | 60 % | 01:00 |" in markdown and "| Sagsbehandler | 40 % | 00:40 |" in markdown


@pytest.mark.parametrize("channels", [None, (1, 2)], ids=["one-microphone", "microphone-each"])
def test_the_balance_says_how_far_to_trust_it_only_on_one_microphone(channels):
    """On one microphone a short "ja" under the other's speech is not always heard (issue 21), so
    the report's balance and its interruptions carry the same notes as the overview; with a
    microphone each, none."""
    from dataclasses import replace

    from feedback.labels import INTERRUPTIONS_NOTE, ONE_MICROPHONE_NOTE

    people = [Participant("sagsbehandler", "Sagsbehandler", channel=channels and channels[0]),
              Participant("borger", "Borger", channel=channels and channels[1]),
              Participant("leder", "Leder", speaks=False)]  # an observer has no microphone to count
    audio = AudioInfo("audio/abc123abc123.wav", 16000, 2 if channels else 1, 95.0)
    counted = replace(analysis(), metrics={"duration_s": 95.0, "interruptions": 1})
    args = (replace(meeting(), participants=people, audio=audio), speakers(), counted, [STREAK], notes(), points())
    markdown, page = report_markdown(*args), report_html(*args)
    shown = channels is None
    assert (ONE_MICROPHONE_NOTE in markdown) is shown
    assert (ONE_MICROPHONE_NOTE in page) is shown
    assert (INTERRUPTIONS_NOTE in markdown) is shown and (INTERRUPTIONS_NOTE in page) is shown
    assert "Referencebånd for sagsbehandlerens andel" in markdown and "Referencebånd" in page


def test_one_voice_where_two_speak_is_said_instead_of_the_balance_being_read():
    """The attribution could not tell the voices apart and gave everything to one: the report says
    so where the balance is, as the overview does, instead of the smaller caveat of one microphone."""
    from dataclasses import replace

    from feedback.labels import ONE_MICROPHONE_NOTE, voices_note
    from meetings.records import voices_heard

    one = replace(analysis(), balance={"S1": {"talk_s": 100.0, "share": 1.0, "turns": 8, "longest_turn_s": 30.0}})
    two = replace(meeting(), participants=[Participant("sagsbehandler", "Sagsbehandler"), Participant("borger", "Borger")])
    args = (two, speakers()[:1], one, [STREAK], notes(), points())
    markdown, page = report_markdown(*args), report_html(*args)
    said = voices_note(two, voices_heard(one.balance))
    assert said.startswith("Der er kun fundet én stemme, men 2 deltagere taler")
    assert said in markdown and said in page
    assert ONE_MICROPHONE_NOTE not in markdown and ONE_MICROPHONE_NOTE not in page
    from medlyt.summary import render  # and `medlyt show` says the same

    assert said in render(two, speakers()[:1], one) and ONE_MICROPHONE_NOTE not in render(two, speakers()[:1], one)


def test_a_voice_that_holds_everyones_talk_goes_by_no_name_or_role_in_the_report_and_medlyt_show():
    """The one voice was named "Sagsbehandler" but holds the citizen's talk too: the report and
    `medlyt show` call it "Taler 1", and `medlyt show` does not advise giving the voices roles,
    which cannot mend it. With two voices found, the names stand."""
    from dataclasses import replace

    from medlyt.summary import render

    one = replace(analysis(flags=()), balance={"S1": {"talk_s": 100.0, "share": 1.0, "turns": 8, "longest_turn_s": 30.0}},
                  metrics={**analysis().metrics, "roles_known": False, "interactivity_per_min": None, "interruptions": None})
    two = replace(meeting(), participants=[Participant("sagsbehandler", "Sagsbehandler"), Participant("borger", "Borger")])
    args = (two, speakers()[:1], one, [], notes(), points())
    markdown, page = report_markdown(*args), report_html(*args)
    assert "| Taler 1 | 100 % |" in markdown and "<td>Taler 1</td>" in page
    assert "Sagsbehandler |" not in markdown and "<td>Sagsbehandler</td>" not in page
    shown = render(two, speakers()[:1], one)
    assert "  Taler 1 " in shown and "  Sagsbehandler " not in shown
    assert "Giv dem roller" not in shown and "speaker rename" not in shown
    # no count of interruptions (the analysis gives none), so nothing to say how far to trust it
    assert INTERRUPTIONS_NOTE not in markdown + page + shown and "Afbrydelser                –" in shown
    # An analysis stored before voices went unnamed may quote the citizen's typed name: the report
    # still masks it by the stored speakers.
    said = Flag("lexicon", 1.0, 2.0, "S2", "Hans Hansen sagde «vred».", {}, "concern")
    old = replace(one, balance={"S2": one.balance["S1"]}, flags=[said])
    for report in (report_markdown, report_html):
        written = report(two, speakers("Hans Hansen")[1:], old, [said], notes(), points())
        assert "Hans Hansen" not in written and "Borger sagde «vred»" in written
    both = analysis()  # two voices: the names as given
    assert "| Sagsbehandler |" in report_markdown(two, speakers(), both, [], notes(), points())
    assert "  Sagsbehandler " in render(two, speakers(), both)


def test_the_report_holds_the_key_figures_it_promises_and_the_notes_from_the_preparation():
    """Issue 20: the caption promises the key figures; the preparation note follows its moment."""
    from meetings.records import FlagReview

    full = Analysis(
        balance=analysis().balance, flags=[STREAK, STORY], config=analysis().config, config_source="standard",
        metrics={"duration_s": 95.0, "interactivity_per_min": 3.4, "longest_monologue_s": 12.0, "interruptions": 1,
                 "speakers": {"S1": {"questions_open": 1, "questions_closed": 3, "open_question_share": 0.25,
                                     "words_per_min": 150.0, "loudness_db": -28.5},
                              "S2": {"questions_open": 0, "questions_closed": 0, "open_question_share": None,
                                     "words_per_min": 120.0, "loudness_db": -31.0}}})
    reviews = {review_key(STREAK): FlagReview("drøftet", "Tre lukkede i træk – øv hv-spørgsmål", "olga",
                                              "2025-03-13T10:00:00+00:00")}
    dated = {k: SessionNote(n.moment, n.author, n.text, n.by, "2025-03-14T10:00:00+00:00") for k, n in notes().items()}
    args = (meeting(), speakers(), full, [STREAK, STORY], dated, points(), reviews)
    for text in (report_markdown(*args), report_html(*args)):
        assert "Nøgletal" in text and "Interaktivitet" in text and "3,4/min" in text and "Afbrydelser" in text
        assert "1 åbne/3 lukkede (25 % åbne)" in text and "150 ord/min" in text and "-28 dBFS" in text
        assert "Note fra forberedelsen" in text and "øv hv-spørgsmål" in text
        assert "Sparringen er holdt af lis og anne, 14.03.2025." in text
    streak_part = report_markdown(*args).split("### 2.")[0]
    assert "øv hv-spørgsmål" in streak_part  # under its own moment


def test_the_report_holds_the_moments_with_their_notes_and_the_points():
    markdown, page = both()
    for text in (markdown, page):
        assert "00:00–00:11" in text and "Mange lukkede spørgsmål i træk" in text and "Opmærksomhedspunkt" in text
        assert "00:44–01:20" in text and "Borgerens fortælling" in text and "Styrke" in text
        assert "3 lukkede spørgsmål i træk fra Sagsbehandler." in text
        assert LEADER_NOTE in text and "Jeg vil prøve at spørge mere åbent." in text and "Især i starten." in text
        assert POINT in text
    # The notes sit under their own moment: the leader's note under the story, not the streak.
    streak_part, story_part = markdown.split("### 2.")
    assert "Jeg vil prøve" in streak_part and LEADER_NOTE not in streak_part and LEADER_NOTE in story_part


def test_markdown_structure():
    markdown, _ = both()
    headings = [line for line in markdown.splitlines() if line.startswith("#")]
    assert headings == [
        "# Sparring: Opfølgning &lt;uge 12&gt; &amp; plan",
        "## Taletid",
        "## Øjeblikke (2)",
        "### 1. 00:00–00:11 · Mange lukkede spørgsmål i træk (! Opmærksomhedspunkt)",
        "### 2. 00:44–01:20 · Borgerens fortælling (+ Styrke)",
        "## Noter til hele sessionen",
        "## Udviklingspunkter",
    ]
    lines = markdown.splitlines()
    assert "| Taler | Andel | Taletid |" in lines and "|---|---:|---:|" in lines
    assert f"- **Leder:** {LEADER_NOTE}" in lines
    # A note of several lines stays one list item: its next line is indented under it.
    assert "- **Sagsbehandler:** Jeg vil prøve at spørge mere åbent." in lines and "  Især i starten." in lines
    assert f"1. {POINT}" in lines and "2. Opsummér &lt;til sidst&gt;" in lines
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown


def test_html_escapes_everything_that_came_from_people():
    _, page = both()
    assert "<script>" not in page and "alert('x')</script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;citat&quot;" in page
    assert "Opfølgning &lt;uge 12&gt; &amp; plan" in page and "<uge 12>" not in page
    assert "Opsummér &lt;til sidst&gt;" in page


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.open = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in {"meta", "br", "link", "img"}:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, (tag, self.open)
        self.open.pop()


def test_html_is_one_printable_self_contained_page():
    _, page = both()
    parser = Tags()
    parser.feed(page)
    assert parser.open == []  # every element closed, in order
    tags = [t for t, _ in parser.tags]
    assert page.startswith("<!DOCTYPE html>") and '<html lang="da">' in page and '<meta charset="utf-8">' in page
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert tags.count("style") == 1 and "@media print" in page
    assert not re.search(r"https?://|@import|url\(|@font-face", page)  # nothing fetched from anywhere


def test_no_transcript_and_no_citizen_name_even_when_someone_typed_one():
    analysis_ = analysis([Flag("lexicon", 20.0, 25.0, "S2", "Mette sagde «erfaring» (ressourcer og styrker).", {},
                               "strength")])
    args = (meeting(), speakers("Mette"), analysis_, analysis_.flags, {}, [])
    for text in (report_markdown(*args), report_html(*args)):
        assert "Mette" not in text
        assert "Borger sagde «erfaring»" in text and "Borger" in text
        assert CITIZEN_LINE not in text and "ondt i ryggen" not in text
    assert speaker_names([Speaker("S1", "Anne Jensen", None), Speaker("S2", "Mette", "borger")]) == \
        {"S1": "Taler 1", "S2": "Borger"}


def test_without_moments_or_points_the_report_says_so():
    args = (meeting(), speakers(), analysis(), [], {}, [])
    markdown, page = report_markdown(*args), report_html(*args)
    for text in (markdown, page):
        assert "Ingen øjeblikke valgt." in text and "Ingen udviklingspunkter aftalt." in text
    assert "Noter til hele sessionen" not in markdown


# ---- the store --------------------------------------------------------------------------------

write_recording = pcm_writer(90.0)


def new_meeting(store: Store) -> str:
    consent = Consent(True, "verbal", "2025-01-01T10:00:00+00:00")
    meeting_ = store.create_meeting("Opfølgning", [Participant("sagsbehandler", "Sagsbehandler", consent=consent),
                                                   Participant("borger", "Borger", consent=consent)])
    store.attach_audio(meeting_.id, write_recording)
    store.save_transcript(meeting_.id, [Segment(44.0, 80.0, CITIZEN_LINE, speaker="S2")], "base", speakers())
    return meeting_.id


@pytest.fixture
def store(medlyt_home):
    with Store(medlyt_home) as s:
        yield s


def test_notes_are_one_per_author_and_moment_and_audited_without_content(store):
    meeting_id = new_meeting(store)
    store.save_session_note(meeting_id, STORY, "leder", "Første udkast", by="lis")
    store.save_session_note(meeting_id, STORY, "leder", f"  {LEADER_NOTE}  ", by="lis")
    store.save_session_note(meeting_id, review_key(STORY), "sagsbehandler", CASEWORKER_NOTE, by="anne")
    store.save_session_note(meeting_id, None, "leder", SCRIPT_NOTE, by="lis")
    notes_ = store.session_notes(meeting_id)
    assert set(notes_) == {(review_key(STORY), "leder"), (review_key(STORY), "sagsbehandler"), (None, "leder")}
    assert notes_[(review_key(STORY), "leder")].text == LEADER_NOTE
    assert notes_[(review_key(STORY), "leder")].by == "lis" and notes_[(None, "leder")].moment is None
    assert notes_[(review_key(STORY), "sagsbehandler")].by == "anne"

    store.save_session_note(meeting_id, STORY, "sagsbehandler", "  ", by="anne")  # empty: removed
    assert (review_key(STORY), "sagsbehandler") not in store.session_notes(meeting_id)

    entries = [e for e in store.audit_entries(meeting_id) if e.action == audit.SESSION_NOTE_SAVED]
    assert [e.user for e in entries] == ["lis", "lis", "anne", "lis", "anne"]
    assert entries[0].detail == "kind=citizen_story start_ms=44000 author=leder"
    assert entries[3].detail == "session author=leder" and entries[-1].detail.endswith(" cleared")
    for entry in store.audit_entries():
        assert "udkast" not in entry.detail and "Flot" not in entry.detail

    with pytest.raises(MeetingError):
        store.save_session_note(meeting_id, STORY, "borger", "nej", by="anne")


def test_development_points_keep_their_order_and_can_be_removed(store):
    meeting_id = new_meeting(store)
    first = store.add_development_point(meeting_id, POINT, by="lis")
    second = store.add_development_point(meeting_id, "Opsummér til sidst", by="anne")
    assert [(p.position, p.text, p.by) for p in store.development_points(meeting_id)] == \
        [(1, POINT, "lis"), (2, "Opsummér til sidst", "anne")]
    store.remove_development_point(meeting_id, first.id, by="anne")
    third = store.add_development_point(meeting_id, "Tjek forståelsen", by="lis")
    assert [p.id for p in store.development_points(meeting_id)] == [second.id, third.id]
    with pytest.raises(MeetingError):
        store.add_development_point(meeting_id, "   ", by="lis")
    with pytest.raises(MeetingError):
        store.remove_development_point(meeting_id, first.id, by="lis")  # already gone
    other = new_meeting(store)
    with pytest.raises(MeetingError):
        store.remove_development_point(other, second.id, by="lis")  # not this meeting's point
    entries = [(e.action, e.detail, e.user) for e in store.audit_entries(meeting_id)
               if e.action.startswith("development_point")]
    assert entries == [(audit.DEVELOPMENT_POINT_ADDED, "position=1", "lis"),
                       (audit.DEVELOPMENT_POINT_ADDED, "position=2", "anne"),
                       (audit.DEVELOPMENT_POINT_REMOVED, "position=1", "anne"),
                       (audit.DEVELOPMENT_POINT_ADDED, "position=3", "lis")]


def test_withdrawal_removes_notes_and_points_and_leaves_no_text_in_the_file(medlyt_home, monkeypatch):
    # Unencrypted, so the check can see the words before: deleting must overwrite them too.
    with Store(medlyt_home, cipher=Unencrypted(), database=empty_database(monkeypatch), upgrade=True) as store:
        withdraw_and_scan(store, medlyt_home)


def withdraw_and_scan(store, medlyt_home):
    kept = new_meeting(store)
    store.add_development_point(kept, "Et andet mødes punkt", by="lis")
    meeting_id = new_meeting(store)
    store.save_session_note(meeting_id, STORY, "leder", LEADER_NOTE, by="lis")
    store.save_session_note(meeting_id, None, "sagsbehandler", CASEWORKER_NOTE, by="anne")
    store.add_development_point(meeting_id, POINT, by="lis")
    store._checkpoint()
    before = stored_bytes(medlyt_home)
    assert LEADER_NOTE.encode() in before and POINT.encode() in before  # the check can see it

    store.withdraw(meeting_id)

    with pytest.raises(MeetingWithdrawn):
        store.session_notes(meeting_id)
    with pytest.raises(MeetingWithdrawn):
        store.development_points(meeting_id)
    with pytest.raises(MeetingWithdrawn):
        store.add_development_point(meeting_id, "for sent", by="lis")
    conn = raw(medlyt_home)
    try:
        for table in ("session_notes", "development_points"):
            assert tuple(conn.execute(f"SELECT COUNT(*) FROM {table} WHERE meeting_id = ?",
                                      (meeting_id,)).fetchone()) == (0,)
    finally:
        conn.close()
    stored = [(path, path.read_bytes()) for path in medlyt_home.rglob("*") if path.is_file()]
    for path, data in [*stored, ("database", stored_bytes(medlyt_home))]:
        for text in (LEADER_NOTE, "Jeg vil prøve at spørge mere åbent", POINT):
            assert text.encode() not in data, (path, text)
    assert [p.text for p in store.development_points(kept)] == ["Et andet mødes punkt"]


@pytest.mark.sqlite_only("migrates an old SQLite file")
def test_an_older_database_gains_the_session_tables(medlyt_home):
    conn = sqlite3.connect(medlyt_home / store_module.DB_NAME)
    for script in migrations.MIGRATIONS[:4]:
        for statement in migrations.statements(script):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 4")
    conn.commit()
    conn.close()
    with Store(medlyt_home) as store:
        meeting_id = new_meeting(store)
        store.save_session_note(meeting_id, None, "leder", LEADER_NOTE, by="lis")
        assert store.session_notes(meeting_id)[(None, "leder")].text == LEADER_NOTE


def test_numbers_and_links_typed_into_notes_points_and_title_do_not_reach_the_report():
    """What people type is masked and stays text in both formats: a CPR or phone number in a
    note, a point or the title, and a Markdown image or link (a viewer would fetch the image)."""
    story = review_key(STORY)
    typed = "Ring 12 345 678 eller skriv CPR 01.02.03-1234 ![spor](http://example.org/s.png) [klik](javascript:x)"
    title_meeting = Meeting(id="abc123abc123", title="Opfølgning 1234-5678", created_at="2025-03-12T09:30:00+00:00",
                            status="processed", audio=AudioInfo("audio/abc123abc123.wav", 16000, 1, 95.0))
    notes_ = {(story, "leder"): SessionNote(story, "leder", typed, "lis")}
    args = (title_meeting, speakers(), analysis(), [STORY], notes_, [DevelopmentPoint(1, 1, typed, "anne")])
    for text in (report_markdown(*args), report_html(*args)):
        assert "12 345 678" not in text and "01.02.03-1234" not in text and "1234-5678" not in text
        assert "[telefonnummer]" in text.replace("\\", "") and "[CPR-nummer]" in text.replace("\\", "")
    markdown = report_markdown(*args)
    assert "](" not in markdown.replace("\\](", "")  # no Markdown link or image is left live
    assert "<img" not in report_html(*args) and 'href="javascript' not in report_html(*args)


@pytest.mark.sqlite_only("migrates an old SQLite file")
def test_notes_written_before_colleagues_had_a_note_survive_the_upgrade(medlyt_home):
    """A data directory from before the colleague's note (and before encryption): its notes come
    through the rebuilt table sealed and readable, and a colleague's note can then be written."""
    before = migrations.ENCRYPTION_VERSION - 1
    conn = sqlite3.connect(medlyt_home / store_module.DB_NAME)
    for script in migrations.MIGRATIONS[:before]:
        for statement in migrations.statements(script):
            conn.execute(statement)
    conn.execute("INSERT INTO meetings (id, title, created_at) VALUES ('abc123abc123', 'Før', '2025-01-01T10:00:00+00:00')")
    conn.execute("INSERT INTO session_notes (meeting_id, kind, start_ms, author, text, by_user, at)"
                 " VALUES ('abc123abc123', NULL, NULL, 'leder', ?, 'lis', '2025-01-02T10:00:00+00:00')", (LEADER_NOTE,))
    conn.execute(f"PRAGMA user_version = {before}")
    conn.commit()
    conn.close()
    with Store(medlyt_home) as store:
        assert store.session_notes("abc123abc123")[(None, "leder")].text == LEADER_NOTE
        store.save_session_note("abc123abc123", None, "kollega", "Fra kollegaen.", by="olga")
        assert {author for _moment, author in store.session_notes("abc123abc123")} == {"leder", "kollega"}
    assert LEADER_NOTE.encode() not in (medlyt_home / store_module.DB_NAME).read_bytes()
