"""Manual speaker corrections: applied at once, stored, and still right after re-processing."""

import sqlite3

import pytest

from meetings import store as store_module
from meetings.db import migrations, upgrade
from meetings.corrections import anchor_of, apply_all, speaker_of
from meetings.records import Correction, Segment, Speaker
from meetings.store import Store
from tests.consented import consented_meeting

pytestmark = pytest.mark.usefixtures("backend")  # each test runs on SQLite and on PostgreSQL


def transcript(shift: float = 0.0, names=("S1", "S2")) -> list[Segment]:
    """Alternating turns of two voices; `names` lets a re-run hand out the ids differently."""
    a, b = names
    return [Segment(0 + shift, 4, "Hvordan går det?", speaker=a), Segment(4.5, 9, "Det går fint.", speaker=b),
            Segment(9.5, 12, "Godt at høre.", speaker=a), Segment(12.5, 20, "Jeg har søgt job.", speaker=b),
            Segment(20.5, 22, "Mm.", speaker=b)]


SPEAKERS = [Speaker("S1", "Taler 1"), Speaker("S2", "Taler 2")]


def test_anchor_finds_the_same_voice():
    segments = transcript()
    anchor = anchor_of(segments, "S2")
    assert speaker_of(segments, anchor) == "S2"
    assert speaker_of(transcript(names=("S2", "S1")), anchor) == "S1"  # renumbered, same voice
    assert speaker_of(segments, ((100.0, 110.0),)) is None


def test_rename_merge_move_pure():
    segments = transcript()
    rename = Correction("rename", anchor=anchor_of(segments, "S1"), label="Sagsbehandler", role="sagsbehandler")
    move = Correction("move", start=20.5, end=22, target=anchor_of(segments, "S1"))
    merged = Correction("merge", anchor=anchor_of(segments, "S2"), target=anchor_of(segments, "S1"))
    out, speakers = apply_all(segments, SPEAKERS, [rename, move])
    assert speakers[0] == Speaker("S1", "Sagsbehandler", "sagsbehandler")
    assert [s.speaker for s in out] == ["S1", "S2", "S1", "S2", "S1"]
    out, speakers = apply_all(segments, SPEAKERS, [merged])
    assert {s.speaker for s in out} == {"S1"} and [s.id for s in speakers] == ["S1"]


def test_corrections_are_stored_and_survive_reprocessing(medlyt_home):
    with Store(medlyt_home) as store:
        meeting_id = consented_meeting(store, "T").id
        store.save_transcript(meeting_id, transcript(), "base", SPEAKERS)
        segments = store.segments(meeting_id)
        store.correct(meeting_id, Correction("rename", anchor=anchor_of(segments, "S2"), label="Borger", role="borger"))
        store.correct(meeting_id, Correction("move", start=20.5, end=22, target=anchor_of(segments, "S1")))
        assert store.speakers(meeting_id)[1] == Speaker("S2", "Borger", "borger")  # applied at once
        assert store.segments(meeting_id)[-1].speaker == "S1"

        # A re-run that numbers the voices the other way round: the corrections follow the voices.
        store.save_transcript(meeting_id, transcript(names=("S2", "S1")), "base",
                              [Speaker("S1", "Taler 1"), Speaker("S2", "Taler 2")])
        assert store.speakers(meeting_id)[0] == Speaker("S1", "Borger", "borger")
        assert [s.speaker for s in store.segments(meeting_id)] == ["S2", "S1", "S2", "S1", "S2"]
        assert [c.kind for c in store.corrections(meeting_id)] == ["rename", "move"]
        assert [e.action for e in store.audit_entries(meeting_id)].count("speakers_corrected") == 2


def test_voiceprints_round_trip_and_delete(medlyt_home):
    with Store(medlyt_home) as store:
        store.save_voiceprint("anna", b"\x01\x02\x03\x04" * 256, "written")
        assert store.voiceprints() == {"anna": b"\x01\x02\x03\x04" * 256}
        store.delete_voiceprint("anna")
        assert store.voiceprints() == {}
    for path in medlyt_home.rglob("*"):
        if path.is_file():
            assert b"\x01\x02\x03\x04" * 64 not in path.read_bytes()


@pytest.mark.sqlite_only("migrates an old SQLite file")
def test_version_1_store_migrates_with_its_data(medlyt_home):
    db = sqlite3.connect(medlyt_home / store_module.DB_NAME)
    for statement in migrations.statements(migrations.MIGRATIONS[0]):
        db.execute(statement)
    db.execute("INSERT INTO meetings (id, title, created_at) VALUES ('abc', 'Gammelt møde', '2026-01-01T00:00:00+00:00')")
    db.execute("INSERT INTO participants (meeting_id, position, role, label, speaks) VALUES ('abc', 0, 'borger', 'Borger', 1)")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with Store(medlyt_home) as store:
        meeting = store.get_meeting("abc")
        assert meeting.title == "Gammelt møde" and meeting.participants[0].channel is None
        assert store.speakers("abc") == []
    assert sqlite3.connect(medlyt_home / store_module.DB_NAME).execute("PRAGMA user_version").fetchone()[0] == upgrade.SCHEMA_VERSION
