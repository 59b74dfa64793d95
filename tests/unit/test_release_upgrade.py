"""A data directory made by the December 2026 release (tests/fixtures/release-2026-12, made by
tests/tools/make_release_fixture.py and never regenerated) opens with today's code with nothing
lost: every kind of record reads back, the sealed audio plays, the audit chain verifies, and a
withdrawn meeting is still only a tombstone."""

import io
import shutil
import wave
from pathlib import Path

import pytest

from meetings import keys
from meetings.db import migrations, upgrade
from meetings.store import DB_NAME, MeetingWithdrawn, Store

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "release-2026-12"
PROCESSED, WITHDRAWN, LIVE = "83bc340c1815", "19d1744b1349", "2988202ea6cf"


@pytest.fixture
def old_home(tmp_path, monkeypatch) -> Path:
    copy = tmp_path / "release"
    shutil.copytree(FIXTURE, copy)
    key = copy / "config" / "key"
    key.chmod(0o600)  # git keeps no modes; medlyt refuses a key others can read
    monkeypatch.setenv(keys.KEY_FILE_ENV, str(key))
    return copy / "home"


def test_every_record_of_the_old_release_reads_back(old_home):
    with Store(old_home) as store:
        assert [m.id for m in store.list_meetings()] == [LIVE, PROCESSED]
        meeting = store.get_meeting(PROCESSED)
        assert meeting.title == "Opfølgning med borger, CPR 010203-1234"
        assert [(p.role, p.label, p.consent.given if p.consent else None) for p in meeting.participants] == [
            ("sagsbehandler", "Sara", True), ("borger", "Borgeren", True), ("observatør", "Kollega", None)]
        assert (meeting.status, meeting.model, meeting.model_sha256) == ("processed", "base", "0" * 64)
        assert meeting.audio.source_name == "samtale.wav" and meeting.audio.duration_s == 4.0
        assert meeting.shared_with == ("lene",) and meeting.delete_after == "2027-06-01"
        assert [(b.at_s, b.note) for b in meeting.bookmarks] == [(1.0, "God åben start")]

        segments = store.segments(PROCESSED)
        assert [s.text for s in segments] == ["Hvordan går det?", "Det går fint, tak."]
        assert [w.text for w in segments[0].words] == ["Hvordan", "går", "det?"]
        assert [(s.id, s.label, s.role) for s in store.speakers(PROCESSED)] == [
            ("S1", "Sara", "sagsbehandler"), ("S2", "Taler 2", None)]
        assert [c.kind for c in store.corrections(PROCESSED)] == ["rename"]
        assert len(store.speech(PROCESSED)) == 2
        analysis = store.analysis(PROCESSED)
        assert {speaker: row["share"] for speaker, row in analysis.balance.items()} == {"S1": 0.4, "S2": 0.6}
        assert [flag.kind for flag in analysis.flags] == ["bookmark"]

        reviews = store.reviews(PROCESSED)
        assert [(r.status, r.note) for r in reviews.values()] == [("drøftet", "Tal om det")]
        notes = {(moment is None, author): note.text for (moment, author), note in store.session_notes(PROCESSED).items()}
        assert notes == {(True, "leder"): "Stærk indledning.", (False, "sagsbehandler"): "Jeg prøver det næste gang."}
        assert [p.text for p in store.development_points(PROCESSED)] == ["Flere åbne spørgsmål"]
        assert [(until, reason) for until, reason, _, _ in store.retention_extensions(PROCESSED)] == [
            ("2027-06-01", "Sagen er anket")]
        assert store.retention_days() == 45
        assert list(store.voiceprints()) == ["sara"]
        assert [(u.name, u.role) for u in store.users()] == [("lene", "leder"), ("sara", "sagsbehandler")]
        assert store.authenticate("sara", "Forår-i-Aarhus-2026").name == "sara"

        live = store.live_session(LIVE)
        assert [line.text for line in live.lines] == ["Velkommen"]
        with pytest.raises(MeetingWithdrawn):
            store.get_meeting(WITHDRAWN)

        with wave.open(io.BytesIO(store.audio_excerpt(PROCESSED, 0.0, 1.0))) as excerpt:
            assert (excerpt.getframerate(), excerpt.getnframes()) == (16000, 16000)
        assert store.verify_audit() == []


def test_the_old_release_is_at_a_schema_this_code_upgrades_from(old_home):
    import sqlite3

    before = sqlite3.connect(old_home / DB_NAME).execute("PRAGMA user_version").fetchone()[0]
    assert 1 <= before <= migrations.SCHEMA_VERSION
    with Store(old_home) as store:
        store.add_development_point(PROCESSED, "Skrevet efter opgraderingen", by="lene")
        assert store.verify_audit() == []
    assert sqlite3.connect(old_home / DB_NAME).execute("PRAGMA user_version").fetchone()[0] == upgrade.SCHEMA_VERSION


def test_the_old_release_moved_to_postgresql_reads_back_whole(old_home, postgres_url, monkeypatch, capsys):
    """A pilot's data directory becomes central: `medlyt db copy --to` PostgreSQL, then the
    same records, audio and audit chain from there."""
    from medlyt.cli import main

    monkeypatch.setenv("MEDLYT_HOME", str(old_home))
    assert main(["db", "copy", "--to", postgres_url]) == 0
    out = capsys.readouterr().out
    assert "antallet af rækker passer" in out and "kæde er hel" in out
    monkeypatch.setenv("MEDLYT_DATABASE_URL", postgres_url)
    assert main(["db", "check"]) == 0
    test_every_record_of_the_old_release_reads_back(old_home)
    with Store(old_home) as store:  # and it goes on from there: new rows get new ids, the chain grows
        point = store.add_development_point(PROCESSED, "Skrevet i central drift", by="lene")
        assert point.id > max(p.id for p in store.development_points(PROCESSED) if p.text != point.text)
        assert store.verify_audit() == []


def test_copy_refuses_a_target_that_holds_data(old_home, postgres_url, monkeypatch, capsys):
    from medlyt.cli import main

    monkeypatch.setenv("MEDLYT_HOME", str(old_home))
    assert main(["db", "copy", "--to", postgres_url]) == 0
    capsys.readouterr()
    assert main(["db", "copy", "--to", postgres_url]) == 2
    assert "allerede data" in capsys.readouterr().err
