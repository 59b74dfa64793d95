"""Live through Streamlit's AppTest, on a data directory where a recording is in progress: the
store holds its state and live lines exactly as the recorder writes them (medlyt.recording
writes through the same store methods; tests/integration/test_live_recording.py runs the real
recorder and model). What is under test here is what each person sees and what the buttons do.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from meetings import audit
from meetings.records import Consent, LiveLine, Participant, now_iso
from meetings.store import Store
from tests.dashboard.conftest import PASSWORD, logged_in, markdown_source, shown_text

LIVE = "views/live.py"
USERS = {"anne": "sagsbehandler", "bo": "sagsbehandler", "olga": "observatør", "oskar": "observatør",
         "lis": "leder", "root": "admin"}
# Anne has talked for the last 100 s without a break: the caseworker's nudge should say so.
LINES = [
    LiveLine(0.5, 4.0, "Sagsbehandler", "Hvordan er det gået siden sidst?", "sagsbehandler", 1.4),
    LiveLine(4.5, 20.0, "Borger", "Det har været op og ned. Mit nummer er 12 34 56 78 hvis I vil ringe.", "borger", 1.6),
    LiveLine(20.5, 60.0, "Sagsbehandler", "Så skal vi tale om aktivering og rådighed og praktik.", "sagsbehandler", 1.9),
    LiveLine(60.3, 120.5, "Sagsbehandler", "Og så er der reglerne om *sanktioner* [link](http://x) også.", "sagsbehandler", 2.1),
]


@dataclass
class Recording:
    home: Path
    meeting_id: str


def live_meeting(store: Store, caseworker: str, observer: str, lines=LINES, live: bool = True) -> str:
    consent = Consent(True, "verbal", now_iso())
    meeting = store.create_meeting("Samtale lige nu", [
        Participant("sagsbehandler", "Sagsbehandler", consent=consent, user=caseworker),
        Participant("borger", "Borger", consent=consent),
    ], recorded_by=observer)
    store.start_live(meeting.id, live=live)
    for line in lines:
        store.add_live_line(meeting.id, line)
    store.live_heartbeat(meeting.id, 121.0)
    return meeting.id


@pytest.fixture
def recording(tmp_path, monkeypatch) -> Recording:
    home = tmp_path / "home"
    with Store(home) as store:
        for name, role in USERS.items():
            store.add_user(name, role, PASSWORD)
        meeting_id = live_meeting(store, "anne", "olga")
    monkeypatch.setenv("MEDLYT_HOME", str(home))
    return Recording(home, meeting_id)


def live_page(name: str):
    at = logged_in(name)
    at.switch_page(LIVE).run()
    assert not at.exception, at.exception
    return at


def test_the_observer_sees_the_running_balance_the_current_turn_and_the_latest_lines(recording):
    at = live_page("olga")
    text = shown_text(at)
    assert "Samtale lige nu" in at.selectbox[0].options
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Optaget"] in {f"02:0{s}" for s in range(1, 7)}  # the last heartbeat's 121 s, running on
    assert metrics["Taler nu"].startswith("Sagsbehandler · ")  # her last two lines are one turn
    bars = [p.proto.text for p in at.get("progress")]
    assert bars[0].startswith("Sagsbehandler: 87 %") and bars[1].startswith("Borger: 13 %")
    assert "Hvordan er det gået siden sidst?" in text
    # The phone number is masked, and markup in the text stays text.
    source = markdown_source(at)
    assert r"\[telefonnummer\]" in source and "12 34 56 78" not in text
    assert r"\*sanktioner\*" in source and r"\[link\]" in source


def test_a_bookmark_from_the_page_is_stored_at_the_recording_s_clock_with_its_note(recording):
    at = live_page("olga")
    at.text_input(key="live_note").input("godt spørgsmål")
    next(b for b in at.button if b.label == "Sæt bogmærke").click().run()
    assert not at.exception, at.exception
    # Counted at once (not at the next refresh), and the note box emptied for the next one.
    assert {m.label: m.value for m in at.metric}["Bogmærker"] == "1"
    assert at.text_input(key="live_note").value == ""
    with Store(recording.home) as store:
        (bookmark,) = store.get_meeting(recording.meeting_id).bookmarks
        entries = [e for e in store.audit_entries(recording.meeting_id) if e.action == audit.BOOKMARKED]
    assert bookmark.note == "godt spørgsmål" and bookmark.by == "olga"
    assert 121.0 <= bookmark.at_s <= 127.0  # the clock at the last heartbeat, plus the seconds since
    assert entries and entries[-1].user == "olga"


def test_the_stop_button_asks_the_recorder_to_stop(recording):
    at = live_page("olga")
    next(b for b in at.button if b.label == "Stop optagelsen ...").click().run()
    assert not at.exception, at.exception
    # Asked first, away from the bookmark button; "no" records on.
    assert "Vil du stoppe optagelsen?" in shown_text(at)
    next(b for b in at.button if b.label == "Nej, optag videre").click().run()
    with Store(recording.home) as store:
        assert not store.live_session(recording.meeting_id).stop_requested
    next(b for b in at.button if b.label == "Stop optagelsen ...").click().run()
    next(b for b in at.button if b.label == "Ja, stop optagelsen").click().run()
    assert not at.exception, at.exception
    assert "Stop er sendt til optageren" in shown_text(at)  # said at once
    with Store(recording.home) as store:
        assert store.live_session(recording.meeting_id).stop_requested
        # The recorder sees it at its next heartbeat; that is how medlyt record stops.
        assert store.live_heartbeat(recording.meeting_id, 122.0) is True
        assert [e.user for e in store.audit_entries(recording.meeting_id) if e.action == audit.STOP_REQUESTED] == ["olga"]
    at.run()
    assert "Stop er sendt til optageren" in shown_text(at)


def test_the_caseworker_sees_only_her_private_nudges(recording):
    at = live_page("anne")
    text = shown_text(at)
    assert re.search(r"Du har talt i 10\d sekunder\. Måske er det tid til at give ordet til borgeren\?", text)
    assert "Du har haft ordet 87 % af tiden siden optagelsen begyndte." in text  # 2:01 in: the window is not full
    assert "privat" in text
    # No transcript, no buttons, no other people's numbers in her view.
    assert "Hvordan er det gået" not in text and not at.main.button and not at.get("progress")


def test_without_a_known_caseworker_voice_there_are_no_nudges(recording):
    with Store(recording.home) as store:
        unknown = [LiveLine(0.5, 100.0, "Taler 1", "Noget tekst her.", None, 1.0)]
        live_meeting(store, "bo", "oskar", unknown)
    text = shown_text(live_page("bo"))
    assert "Din stemme er ikke genkendt endnu" in text and "Du har talt" not in text


def test_others_see_no_recording_and_a_link_to_a_meeting_they_may_not_see_is_refused(recording):
    assert "Ingen optagelse er i gang" in shown_text(live_page("lis"))
    assert "Ingen optagelse er i gang" in shown_text(live_page("oskar"))
    at = logged_in("oskar", meeting=recording.meeting_id)
    at.switch_page(LIVE).run()
    assert "har ikke adgang" in shown_text(at) and not at.metric


def test_a_recorder_that_has_gone_quiet_is_shown_and_a_stopped_one_is_said_to_be_over(recording):
    import sqlite3

    with sqlite3.connect(recording.home / "medlyt.sqlite3") as db:
        db.execute("UPDATE live_sessions SET heartbeat = heartbeat - 60")
    assert "har ikke meldt sig" in shown_text(live_page("olga"))
    with Store(recording.home) as store:
        store.end_live(recording.meeting_id)
    at = logged_in("olga", meeting=recording.meeting_id)
    at.switch_page(LIVE).run()
    text = shown_text(at)
    assert "Optagelsen er stoppet efter 02:01. Linjerne herunder er foreløbige" in text
    assert "bogmærke" not in text.split("Optagelsen er stoppet")[1].split("\n")[0]  # none were set
    assert [m.label for m in at.metric] == ["Optaget", "Bogmærker"]  # nobody is "speaking now" after the stop
    assert not [b for b in at.button if b.label.startswith("Stop optagelsen")]
    # After the stop: where the meeting stands, and the way onward.
    assert "Ikke optaget" in shown_text(at) or "Skal transskriberes" in shown_text(at)
    assert [link.label for link in at.get("page_link")] == ["Til Møder"]


def test_a_recording_without_live_text_still_has_the_clock_bookmarks_and_stop(recording):
    with Store(recording.home) as store:
        store.withdraw(recording.meeting_id)  # withdrawal takes the live state and lines with it
        assert store.recording_now() == []
        live_meeting(store, "anne", "olga", lines=[], live=False)
    at = live_page("olga")
    assert "uden live-tekst" in shown_text(at)
    assert {b.label for b in at.button} >= {"Sæt bogmærke", "Stop optagelsen ..."}
    # Stopped, with a bookmark set: nothing about preliminary lines there never were, and the
    # caption in the past tense.
    with Store(recording.home) as store:
        (meeting,) = [m for m in store.list_meetings() if m.title == "Samtale lige nu"]
        store.add_bookmark(meeting.id, 3.0, by="olga", note="")
        store.end_live(meeting.id)
    at = logged_in("olga", meeting=meeting.id)
    at.switch_page(LIVE).run()
    text = shown_text(at)
    assert "Optagelsen er stoppet efter 02:01. Bogmærket bliver til en markering i mødeoverblikket." in text
    assert "foreløbige" not in text and "kører uden live-tekst" not in text
    assert "Optagelsen var uden live-tekst" in text
