"""The transcript page through Streamlit's AppTest and the real store: lines with speakers and
times, search, playback of the chosen line, the unsure words, speaker corrections that update
the balance at once, access, and the speed of the page for a two-hour meeting.

Corrections are made on meetings of this file's own, in a data directory of its own, so the
shared meetings (and the exact lists other tests expect) stay as they are."""

import csv
import io
import json
import time
import wave
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.choice import NO_ACCESS
from dashboard.format import BASE_MODEL_NOTE, UNSURE_COLOUR, coloured
from feedback.analysis import analyser
from meetings import audit
from meetings.records import (
    AudioInfo,
    Consent,
    Participant,
    Segment,
    Speaker,
    Speech,
    Word,
    now_iso,
)
from meetings.store import Store
from tests.dashboard.conftest import AUDIO, LINES, PASSWORD, logged_in, processed_meeting
PAGE = "views/transcript.py"
OWNER = "mie"  # a caseworker of this file's own
UNSURE_WORD = "praktikken?"  # line 3, said with low confidence in `own_meeting`
MARKUP_LINE = "Ja, *helt* [sikkert](x) :red[nu] $5 <b>"  # line 6 in `own_meeting`: text, not markup


@pytest.fixture(scope="session")
def transcript_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("transcript-home")
    with Store(home) as store:
        store.add_user(OWNER, "sagsbehandler", PASSWORD)
    return home


@pytest.fixture
def own_meeting(transcript_home, danish_dir, monkeypatch) -> str:
    """A fresh meeting per test (corrections change it), with one word Whisper was unsure of
    and one it was nearly sure of."""
    monkeypatch.setenv("MEDLYT_HOME", str(transcript_home))
    with Store(transcript_home) as store:
        meeting_id = processed_meeting(store, danish_dir / AUDIO, "Opfølgning, Mies møde", OWNER, None)
        segments = store.segments(meeting_id)
        segments[2].words = [replace(w, probability=0.3) if w.text.strip() == UNSURE_WORD else w
                             for w in segments[2].words]
        segments[0].words = [replace(w, probability=0.65) if w.text.strip() == "søgt" else w
                             for w in segments[0].words]
        ja = segments[5]
        segments[5] = replace(ja, text=MARKUP_LINE, words=[
            Word(ja.start + k * 0.05, ja.start + (k + 1) * 0.05, " " + w, 0.9) for k, w in enumerate(MARKUP_LINE.split())])
        store.save_transcript(meeting_id, segments, "base", store.speakers(meeting_id), analyser(),
                              store.speech(meeting_id))
    return meeting_id




def on_page(name: str, meeting_id: str) -> AppTest:
    at = logged_in(name, meeting=meeting_id)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def transcript(at: AppTest) -> str:
    """The transcript blocks (the markdown inside the scrolling container)."""
    return "\n\n".join(m.value for m in at.markdown if "`" in m.value and "**" in m.value)


def shown_text(at: AppTest) -> str:
    parts = [e.value for kind in ("title", "markdown", "caption", "info", "error", "warning", "success")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def balance(at: AppTest) -> dict[str, tuple[str, str]]:
    """Speaker id -> (label, share) from the balance table."""
    table = at.dataframe[0].value
    return {row["Id"]: (row["Taler"], row["Andel"]) for _, row in table.iterrows()}


def button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


def test_every_line_is_shown_with_its_speaker_and_time(dashboard_home):
    at = on_page("anne", dashboard_home.meetings["annes"])
    assert at.title[0].value == "Opfølgning, Annes møde"
    text = transcript(at)
    assert len(text.split("\n\n")) == len(LINES)
    assert "`00:00` **Sagsbehandler:** Har du søgt nogen job i denne uge?" in text
    assert "`00:18` **Borger:** Jeg har faktisk erfaring fra et lager" in text
    assert "8 linjer" in at.caption[0].value
    with Store(dashboard_home.home) as store:
        viewed = [e for e in store.audit_entries(dashboard_home.meetings["annes"]) if e.action == audit.VIEWED]
    assert viewed[-1].user == "anne" and viewed[-1].detail == "page=transskription"


def test_search_filters_the_lines_and_counts_the_hits(dashboard_home):
    at = on_page("anne", dashboard_home.meetings["annes"])
    at.text_input(key="transcript_search").input("DU").run()
    text = transcript(at)
    lines = text.split("\n\n")
    # "du" in lines 1, 3, 5 and 7 (once each) - case does not matter.
    assert len(lines) == 4 and all("Sagsbehandler" in line for line in lines)
    assert "Nej." not in text
    assert "4 træf i 4 af 8 linjer" in shown_text(at)
    # Each hit stands out in its line; the words around it do not.
    assert text.count(":orange-background[du]") == 4 and ":orange-background[Har" not in text
    # The line chooser offers only the hits, and the first hit is the one that plays.
    assert len(at.selectbox(key="play_line").options) == 4
    at.text_input(key="transcript_search").input("ingen sådan tekst").run()
    assert not transcript(at) and "Ingen linjer indeholder søgeteksten." in shown_text(at)
    assert "0 træf i 0 af 8 linjer" in shown_text(at)


def test_the_chosen_line_plays_from_where_it_starts(dashboard_home):
    at = on_page("anne", dashboard_home.meetings["annes"])
    assert len(at.get("audio")) == 1  # one player, for the chosen line, not one per line
    at.selectbox(key="play_line").set_value(6).run()
    assert not at.exception, at.exception
    audio = at.get("audio")
    assert len(audio) == 1
    proto = audio[0].proto
    assert proto.start_time == 1  # the excerpt starts a second before the line
    assert "▶ `00:12` **Sagsbehandler:** Ellers kan det give en sanktion" in transcript(at)


def click_line(at: AppTest, line: int) -> AppTest:
    """What dashboard/line_click.js sends when a transcript line is clicked: the component's
    trigger "line" with the line's number (Streamlit's wire format for a component event), and
    the run it causes."""
    from streamlit.components.v2.bidi_component.main import _make_trigger_id

    component = at.get("bidi_component")
    assert len(component) == 1 and component[0].proto.component_name == "medlyt_line_click"
    states = at._tree.get_widget_states()
    trigger = states.widgets.add()
    trigger.id = _make_trigger_id(component[0].proto.id, "events")
    trigger.json_trigger_value = json.dumps([{"event": "line", "value": line}])
    at._run(states)
    assert not at.exception, at.exception
    return at


def test_a_click_on_a_line_plays_that_line_at_once(dashboard_home):
    at = on_page("anne", dashboard_home.meetings["annes"])
    data = json.loads(at.get("bidi_component")[0].proto.json)
    assert data == {"lines": list(range(len(LINES))), "chosen": None}  # every line can be clicked
    assert not at.get("audio")[0].proto.autoplay  # opening the page plays nothing
    assert "Klik på en linje for at høre den." in shown_text(at)

    click_line(at, 6)  # "Ellers kan det give en sanktion ..." at 00:12
    assert at.selectbox(key="play_line").value == 6  # chosen, as the picker would
    audio = at.get("audio")
    assert len(audio) == 1 and audio[0].proto.autoplay
    assert audio[0].proto.start_time == 1  # from the line's start (a second of lead-in in the excerpt)
    assert "▶ `00:12` **Sagsbehandler:** Ellers kan det give en sanktion" in transcript(at)
    # The trigger is one click: the next run (another widget changed) does not play it again.
    at.run()
    assert at.get("audio")[0].proto.autoplay is False and at.selectbox(key="play_line").value == 6

    # With a search only the lines shown can be clicked; a stale number from before is ignored.
    at.text_input(key="transcript_search").input("DU").run()
    assert json.loads(at.get("bidi_component")[0].proto.json)["lines"] == [0, 2, 4, 6]
    click_line(at, 5)
    assert at.selectbox(key="play_line").value == 6 and not at.get("audio")[0].proto.autoplay


def test_words_whisper_was_unsure_of_are_marked(own_meeting):
    at = on_page(OWNER, own_meeting)
    text = transcript(at)
    assert coloured(f"*{UNSURE_WORD}*", UNSURE_COLOUR) in text  # probability 0.3 < 0.6
    assert "søgt" in text and ":color[*søgt" not in text  # 0.65 is sure enough
    assert text.count(":color[") == 1 and ":gray[" not in text  # Streamlit's grey is too faint (WCAG AA)
    assert "usikker tekst" in shown_text(at) and "60 %" in shown_text(at)
    # Markdown characters in what was said are escaped, so they show as typed.
    assert r"**Borger:** Ja, \*helt\* \[sikkert\]\(x\) \:red\[nu\] \$5 \<b\>" in text


def test_renaming_a_speaker_changes_label_role_and_balance_at_once(own_meeting, transcript_home):
    at = on_page(OWNER, own_meeting)
    before = balance(at)
    assert before["S2"][0] == "Borger"
    at.selectbox(key="rename_speaker").set_value("S2").run()
    at.selectbox(key="rename_role_S2").set_value("bisidder")
    at.text_input(key="rename_label").input("Bisidder Jens")
    button(at, "do_rename").click().run()
    assert not at.exception, at.exception
    success = at.success[0].value
    assert "Borger (S2) hedder nu Bisidder Jens (bisidder)." in success and "Taletid nu:" in success
    after = balance(at)
    assert after["S2"] == ("Bisidder Jens", before["S2"][1])
    assert at.dataframe[0].value.set_index("Id").loc["S2", "Rolle"] == "Bisidder"
    assert "**Bisidder Jens:** Nej." in transcript(at)
    with Store(transcript_home) as store:
        speakers = store.speakers(own_meeting)
        analysis = store.analysis(own_meeting)
        corrections = store.corrections(own_meeting)
        corrected_by = [e.user for e in store.audit_entries(own_meeting) if e.action == "speakers_corrected"]
    assert corrected_by == [OWNER]
    assert speakers[1] == Speaker("S2", "Bisidder Jens", "bisidder")
    # With no citizen left the analysis says so: the hook recomputed it with the new role.
    assert analysis.metrics["roles_known"] is False
    assert [c.kind for c in corrections] == ["rename"]
    assert at.text_input(key="rename_label").value == ""  # ready for the next


def test_renaming_by_role_alone_uses_the_roles_name(own_meeting):
    at = on_page(OWNER, own_meeting)
    at.selectbox(key="rename_speaker").set_value("S1").run()
    at.selectbox(key="rename_role_S1").set_value("leder")
    button(at, "do_rename").click().run()
    assert balance(at)["S1"][0] == "Leder"
    at.selectbox(key="rename_role_S1").set_value("")
    button(at, "do_rename").click().run()
    assert at.error[0].value == "Angiv et navn eller en rolle."


def test_merging_two_speakers_leaves_one_with_all_the_talk(own_meeting, transcript_home):
    at = on_page(OWNER, own_meeting)
    at.selectbox(key="merge_source").set_value("S2")
    at.selectbox(key="merge_target").set_value("S1")
    button(at, "do_merge").click().run()
    assert not at.exception, at.exception
    assert "Borger (S2) er lagt sammen med Sagsbehandler." in at.success[0].value
    # One voice now holds both people's talk (the citizen speaks, one microphone): it goes by
    # no name where the meeting is read, and the page says why; "Ret talere" keeps the name.
    assert balance(at) == {"S1": ("Taler 1", "100 %")}
    assert any("Der er kun fundet én stemme, men 2 deltagere taler" in w.value for w in at.warning)
    assert "Borger" not in transcript(at) and "Sagsbehandler" not in transcript(at)
    assert at.selectbox(key="rename_speaker").options == ["Sagsbehandler (S1)"]
    with Store(transcript_home) as store:
        assert [s.id for s in store.speakers(own_meeting)] == ["S1"]
        assert {s.speaker for s in store.segments(own_meeting)} == {"S1"}
        assert set(store.analysis(own_meeting).balance) == {"S1"}


def test_a_speaker_cannot_be_merged_with_itself(own_meeting, transcript_home):
    at = on_page(OWNER, own_meeting)
    at.selectbox(key="merge_source").set_value("S1")
    at.selectbox(key="merge_target").set_value("S1")
    button(at, "do_merge").click().run()
    assert at.error[0].value == "En taler kan ikke lægges sammen med sig selv."
    with Store(transcript_home) as store:
        assert store.corrections(own_meeting) == []


def test_moving_a_line_gives_it_to_the_other_speaker(own_meeting, transcript_home):
    at = on_page(OWNER, own_meeting)
    share_before = balance(at)["S1"][1]
    at.selectbox(key="play_line").set_value(1).run()  # "Nej." by the citizen
    assert at.selectbox(key="move_to").options == ["Sagsbehandler (S1)"]
    button(at, "do_move").click().run()
    assert not at.exception, at.exception
    assert "Linjen ved 00:03 er flyttet til Sagsbehandler." in at.success[0].value
    assert "**Sagsbehandler:** Nej." in transcript(at)
    assert balance(at)["S1"][1] != share_before
    with Store(transcript_home) as store:
        segments = store.segments(own_meeting)
    assert segments[1].text == "Nej." and segments[1].speaker == "S1"
    assert [s.speaker for s in segments[2:]] == [who for who, *_ in LINES[2:]]  # only that line


def test_a_caseworker_cannot_open_another_caseworkers_transcript_by_link(dashboard_home):
    at = logged_in("anne", meeting=dashboard_home.meetings["bos"])
    at.switch_page(PAGE).run()
    assert at.error[0].value == NO_ACCESS
    assert not transcript(at) and "Bos møde" not in shown_text(at) and not at.get("audio")
    assert "sanktion" not in shown_text(at)


def test_a_caseworker_cannot_open_another_caseworkers_transcript_through_session_state(dashboard_home):
    at = logged_in("anne")
    at.session_state["meeting_id"] = dashboard_home.meetings["bos"]
    at.switch_page(PAGE).run()
    assert at.error[0].value == NO_ACCESS
    assert not transcript(at) and "sanktion" not in shown_text(at)
    assert not [b for b in at.button if b.key == "do_rename"]


def test_a_correction_is_not_written_once_the_meeting_is_out_of_reach(own_meeting, transcript_home, monkeypatch):
    """The button's callback checks access again, so a stale page writes nothing."""
    at = on_page(OWNER, own_meeting)
    at.selectbox(key="merge_source").set_value("S2")
    at.selectbox(key="merge_target").set_value("S1")
    monkeypatch.setattr("meetings.access.can_view", lambda user, meeting: False)
    monkeypatch.setattr("dashboard.data.can_view", lambda user, meeting: False)
    button(at, "do_merge").click().run()
    assert at.error[0].value == NO_ACCESS
    with Store(transcript_home) as store:
        assert store.corrections(own_meeting) == []
        assert len(store.speakers(own_meeting)) == 2


# ---- a two-hour meeting -----------------------------------------------------------------------

BIG_SEGMENTS = 2000
BIG_DURATION_S = 7200.0
SENTENCES = [
    "Hvordan er det gået siden sidst med jobsøgningen og praktikken?",
    "Det har været lidt svært, men jeg har søgt tre stillinger på lageret.",
    "Hvad tænker du selv om at starte på et kursus i truckkørsel?",
    "Ja, det kunne jeg godt tænke mig, hvis det kan passe med min ryg.",
]


def write_silence(dest: Path, seconds: float, rate: int = 1000) -> AudioInfo:
    """A two-hour recording without writing 230 MB: a low sample rate, all silence."""
    with wave.open(str(dest), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * int(seconds * rate))
    return AudioInfo(path=str(dest), sample_rate=rate, channels=1, duration_s=seconds, source_name="stille.wav")


@pytest.fixture(scope="session")
def big_meeting(transcript_home) -> str:
    step = BIG_DURATION_S / BIG_SEGMENTS
    segments, speech = [], []
    for i in range(BIG_SEGMENTS):
        start, end, who = i * step, i * step + step * 0.9, ("S1", "S2", "S3")[i % 3]
        text = SENTENCES[i % len(SENTENCES)]
        parts = text.split()
        each = (end - start) / len(parts)
        words = [Word(start + k * each, start + (k + 1) * each, " " + w, 0.4 if k % 7 == 3 else 0.95, -30.0)
                 for k, w in enumerate(parts)]
        segments.append(Segment(start, end, text, words, who, avg_logprob=-0.3, loudness_db=-30.0))
        speech.append(Speech(start, end, who, -30.0))
    speakers = [Speaker("S1", "Sagsbehandler", "sagsbehandler"), Speaker("S2", "Borger", "borger"),
                Speaker("S3", "Taler 3")]
    consent = Consent(True, "verbal", now_iso())
    with Store(transcript_home) as store:
        meeting = store.create_meeting("Langt møde", [
            Participant("sagsbehandler", "Sagsbehandler", consent=consent, user=OWNER),
            Participant("borger", "Borger", consent=consent)])
        store.attach_audio(meeting.id, lambda dest: write_silence(dest, BIG_DURATION_S))
        store.save_transcript(meeting.id, segments, "base", speakers, analyser(), speech)
    return meeting.id


def test_a_two_hour_meeting_with_2000_lines_draws_quickly(big_meeting, transcript_home, monkeypatch):
    monkeypatch.setenv("MEDLYT_HOME", str(transcript_home))
    at = on_page(OWNER, big_meeting)
    assert len(transcript(at).split("\n\n")) == BIG_SEGMENTS
    assert "`1:59:56` **Borger:**" in transcript(at)  # h:mm:ss past the hour
    assert len(at.markdown) < 40  # a few blocks, not one element per line or word
    times = []
    for _ in range(3):
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
    assert not at.exception, at.exception
    print("page runs (s):", [round(t, 3) for t in times])
    assert min(times) < 1.5, times
    at.selectbox(key="play_line").set_value(1500).run()
    assert len(at.get("audio")) == 1


@pytest.mark.parametrize("name, offered", [("anne", True), ("olga", True), ("lis", False)])
def test_the_transcript_downloads_as_csv_for_the_two_who_were_there(dashboard_home, name, offered, downloads):
    meeting_id = dashboard_home.meetings["annes"]
    at = on_page(name, meeting_id)
    buttons = [d for d in at.get("download_button") if d.label == "Hent transskriptionen (CSV)"]
    assert bool(buttons) == offered
    if not offered:
        return
    got = downloads(buttons[0])
    assert (got.filename, got.mimetype) == (f"transskription-{meeting_id}.csv", "text/csv")
    text = got.content.decode("utf-8")
    assert text.startswith("\ufeffStart;Slut;Taler;Rolle;Tekst\r\n")
    assert "00:00:12;00:00:17;Sagsbehandler;sagsbehandler;Ellers kan det give en sanktion" in text
    with Store(dashboard_home.home) as store:
        exported = [e for e in store.audit_entries(meeting_id) if e.action == audit.EXPORTED]
    assert (exported[-1].user, exported[-1].detail) == (name, "format=csv")


def test_a_csv_download_holds_no_formula_and_no_personal_number(own_meeting, transcript_home, downloads):
    with Store(transcript_home) as store:
        segments = store.segments(own_meeting)
        segments[1] = replace(segments[1], text='=HYPERLINK("http://example.org/";"Ring 12 34 56 78")')
        store.save_transcript(own_meeting, segments, "base", store.speakers(own_meeting), analyser(),
                              store.speech(own_meeting))
    at = on_page(OWNER, own_meeting)
    text = downloads(at.get("download_button")[0]).content.decode("utf-8")
    cells = [row[4] for row in csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";")]
    assert cells[2].startswith("'=HYPERLINK(") and "12 34 56 78" not in text
    with Store(transcript_home) as store:  # withdrawn after the page was drawn: the click gets one line
        store.withdraw(own_meeting)
    text = downloads(at.get("download_button")[0]).content.decode("utf-8")
    assert text.startswith("Transskriptionen kan ikke hentes")


def test_a_transcript_made_by_base_says_plainly_how_far_to_trust_it(dashboard_home):
    at = on_page("anne", dashboard_home.meetings["annes"])
    assert [w.value for w in at.warning] == [BASE_MODEL_NOTE]
    overview = logged_in("anne", meeting=dashboard_home.meetings["annes"])
    overview.switch_page("views/overview.py").run()
    assert any(BASE_MODEL_NOTE in c.value for c in overview.caption)


@pytest.mark.parametrize("model, said", [("roest-v1", "offentliggjort WER 10,4 % på CoRals"), ("eget-navn", None)])
def test_a_known_danish_model_is_named_with_its_published_figure(model, said):
    from dashboard.format import model_note

    note = model_note(model)
    assert (note is None) if said is None else (said in note and "huggingface.co/CoRal-project" in note)


def test_a_model_fetched_with_models_download_is_named_with_its_published_figure():
    from dashboard.format import model_note
    from models.registry import DOWNLOADABLE, LEADERBOARD

    assert model_note("roest-v3") == ("Teksten er lavet af roest-v3: offentliggjort WER 19,9 % på CoRal-samtale "
                                      f"({LEADERBOARD}). Lyt til lyden, før du citerer nogen.")
    assert not DOWNLOADABLE["large-v3-turbo"].published and model_note("large-v3-turbo") is None


def test_the_page_names_the_model_its_digest_and_where_it_came_from(transcript_home, own_meeting):
    from feedback.analysis import analyser
    from models.registry import BASE_REVISION

    with Store(transcript_home) as store:
        segments, speakers = store.segments(own_meeting), store.speakers(own_meeting)
        store.save_transcript(own_meeting, segments, "base", speakers, analyser(), store.speech(own_meeting),
                              model_sha256="ab" * 32, model_revision=BASE_REVISION)
    at = on_page(OWNER, own_meeting)
    assert any(f"model base (abababababab…), version {BASE_REVISION}" in c.value.replace("\\", "") for c in at.caption)


def test_the_words_of_a_line_are_corrected_split_and_joined_on_the_page(own_meeting, transcript_home):
    at = on_page(OWNER, own_meeting)
    at.selectbox(key="play_line").set_value(1).run()  # "Nej."
    (area,) = [t for t in at.text_area if t.key.startswith("text_")]
    assert area.value == "Nej."
    area.input("Nej, desværre ikke.")
    at.button(key="do_text").click().run()
    assert not at.exception and "Teksten er rettet." in [s.value for s in at.success][0]
    with Store(transcript_home) as store:
        lines = [s.text for s in store.segments(own_meeting)]
        (kept,) = [c for c in store.corrections(own_meeting) if c.kind == "text"]
        actions = [e.action for e in store.audit_entries(own_meeting)]
    assert lines[1] == "Nej, desværre ikke." and kept.original == "Nej."
    assert "text_corrected" in actions
    at.selectbox(key="play_line").set_value(1).run()
    (split,) = [s for s in at.selectbox if s.key.startswith("split_")]
    split.set_value(2)
    at.button(key="do_split").click().run()
    with Store(transcript_home) as store:
        assert [s.text for s in store.segments(own_meeting)][1:3] == ["Nej, desværre", "ikke."]
    at.selectbox(key="play_line").set_value(1).run()
    at.button(key="do_join").click().run()
    with Store(transcript_home) as store:
        assert [s.text for s in store.segments(own_meeting)][1] == "Nej, desværre ikke."


def test_a_leader_it_is_shared_with_reads_but_does_not_correct_the_text(dashboard_home):
    at = on_page("lis", dashboard_home.meetings["annes"])
    assert not [b for b in at.button if b.key in ("do_text", "do_split", "do_join")]
