"""The observer's bookmarks: stored with the meeting, typed while recording, kept as flagged
moments of kind `bookmark` through every recomputation, and deleted on withdrawal."""

import io

import pytest

from feedback.analysis import analyser
from meetings import audit
from meetings.records import Consent, Participant, Segment, Speaker, now_iso
from meetings.store import DB_NAME, MeetingError, Store
from medlyt.cli import main
from medlyt.cli.record import bookmark_keys

pytestmark = pytest.mark.usefixtures("backend")  # each test runs on SQLite and on PostgreSQL


def meeting_with_transcript(store: Store) -> str:
    consent = Consent(True, "verbal", now_iso())
    meeting = store.create_meeting("Samtale", [Participant("sagsbehandler", "Sagsbehandler", consent=consent),
                                               Participant("borger", "Borger", consent=consent)])
    return meeting.id


def save(store: Store, meeting_id: str) -> None:
    segments = [Segment(0.0, 20.0, "Hej og velkommen", speaker="S1"), Segment(21.0, 40.0, "Tak", speaker="S2")]
    store.save_transcript(meeting_id, segments, "base", [Speaker("S1", "Sagsbehandler", "sagsbehandler"),
                                                         Speaker("S2", "Borger", "borger")], analyser())


def bookmark_flags(store: Store, meeting_id: str):
    return [f for f in store.analysis(meeting_id).flags if f.kind == "bookmark"]


def test_bookmarks_set_while_recording_become_flags_when_processed_and_stay(medlyt_home):
    with Store(medlyt_home) as store:
        meeting_id = meeting_with_transcript(store)
        # Typed in the terminal while recording: Enter, or a note and Enter.
        times = iter([12.5, 31.0])
        bookmark_keys(io.StringIO("\nher blev der stille\n"), store, meeting_id, lambda: next(times))
        assert [(b.at_s, b.note) for b in store.get_meeting(meeting_id).bookmarks] == [
            (12.5, ""), (31.0, "her blev der stille")]
        save(store, meeting_id)
        flags = bookmark_flags(store, meeting_id)
        assert [(f.start, f.end, f.tone) for f in flags] == [(2.5, 12.5, "info"), (21.0, 31.0, "info")]
        assert flags[1].message == "Observatøren satte et bogmærke her: her blev der stille"
        save(store, meeting_id)  # processed again: the bookmarks are still flagged
        assert len(bookmark_flags(store, meeting_id)) == 2
        assert [e.action for e in store.audit_entries(meeting_id)].count(audit.BOOKMARKED) == 2
        with pytest.raises(MeetingError, match="mindst 0 s"):
            store.add_bookmark(meeting_id, -1.0)


def test_a_bookmark_on_a_processed_meeting_shows_at_once(medlyt_home, capsys):
    with Store(medlyt_home) as store:
        meeting_id = meeting_with_transcript(store)
        save(store, meeting_id)
    assert main(["bookmark", meeting_id, "--at", "35", "--note", "godt spørgsmål"]) == 0
    assert "(1 i alt)" in capsys.readouterr().out
    with Store(medlyt_home) as store:
        assert [f.end for f in bookmark_flags(store, meeting_id)] == [35.0]
    assert main(["show", meeting_id]) == 0
    assert "Bogmærke" in capsys.readouterr().out


def test_withdrawal_deletes_the_bookmarks(medlyt_home):
    with Store(medlyt_home) as store:
        meeting_id = meeting_with_transcript(store)
        store.add_bookmark(meeting_id, 3.0, note="en særlig note")
        store.withdraw(meeting_id)
    raw = b"".join(p.read_bytes() for p in medlyt_home.glob(f"{DB_NAME}*"))
    assert "en særlig note".encode() not in raw
