"""Encryption at rest in the store: the key (made once, outside the data directory, refused
clearly when missing, wrong or readable by others), sealed columns that cannot be moved between
meetings, and an older unencrypted data directory sealed on upgrade without losing anything."""

import base64
import os
import sqlite3
from pathlib import Path

import pytest

from medlyt.cli import main
from meetings import keys
from meetings import store as store_module
from meetings.db import migrations
from meetings.records import Consent, Participant, Segment, Word, now_iso
from meetings.store import MIGRATIONS, MeetingError, Store
from tests.audio_files import pcm_writer

SECRET = "Qwertzhausen"  # a word no file can contain by chance


def people() -> list[Participant]:
    consent = Consent(True, "verbal", now_iso())
    return [Participant("sagsbehandler", "Sagsbehandler", consent=consent),
            Participant("borger", f"Borger {SECRET}", consent=consent)]


def segments() -> list[Segment]:
    return [Segment(0.0, 2.0, f"Jeg hedder {SECRET}.", speaker="S1", words=[Word(0.0, 2.0, f" {SECRET}", 0.9)])]


write_recording = pcm_writer(1.0, b"\x11\x22", f"{SECRET}.m4a")


def files_containing(home: Path, needle: bytes) -> list[str]:
    return [str(p) for p in home.rglob("*") if p.is_file() and needle in p.read_bytes()]


@pytest.fixture
def own_key(tmp_path, monkeypatch) -> Path:
    """A key file of this test's own, not yet made."""
    path = tmp_path / "config" / "key"
    monkeypatch.setenv(keys.KEY_FILE_ENV, str(path))
    return path


def filled_store(home: Path) -> str:
    with Store(home) as store:
        meeting = store.create_meeting(f"Samtale med {SECRET}", people())
        store.attach_audio(meeting.id, write_recording)
        store.save_transcript(meeting.id, segments(), "base")
        store.add_bookmark(meeting.id, 1.0, note=f"Husk {SECRET}")
        store.save_voiceprint("anne", b"\x07" * 1024, "verbal")
        return meeting.id


# ---- the key ------------------------------------------------------------------------------------

def test_the_key_is_made_on_first_use_outside_the_data_directory_and_private(medlyt_home, own_key, capsys):
    filled_store(medlyt_home)
    assert own_key.is_file() and not own_key.is_relative_to(medlyt_home)
    assert oct(own_key.stat().st_mode & 0o777) == "0o600"
    assert len(base64.b64decode(own_key.read_text())) == 32
    assert "ny krypteringsnøgle oprettet" in capsys.readouterr().err
    made = own_key.read_text()
    filled_store(medlyt_home)  # the second time it is read, not made again
    assert own_key.read_text() == made and "oprettet" not in capsys.readouterr().err


def test_without_the_key_the_data_is_refused_in_one_clear_line(medlyt_home, own_key, capsys):
    filled_store(medlyt_home)
    own_key.unlink()
    with pytest.raises(MeetingError, match="Krypteringsnøglen mangler"):
        Store(medlyt_home)
    assert not own_key.exists()  # no new key is made over existing data
    capsys.readouterr()
    assert main(["meeting", "list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Krypteringsnøglen mangler" in err and str(own_key) in err


def test_a_wrong_key_is_told_apart_from_damage(medlyt_home, own_key):
    filled_store(medlyt_home)
    own_key.write_text(base64.b64encode(os.urandom(32)).decode())
    with pytest.raises(MeetingError, match="passer ikke til data"):
        Store(medlyt_home)


@pytest.mark.parametrize("content", ["ikke base64!", base64.b64encode(b"for kort").decode()])
def test_a_malformed_key_is_refused(medlyt_home, own_key, content):
    own_key.parent.mkdir(parents=True)
    own_key.write_text(content)
    own_key.chmod(0o600)
    with pytest.raises(MeetingError, match="ugyldig"):
        Store(medlyt_home)


def test_a_key_others_can_read_is_refused(medlyt_home, own_key):
    filled_store(medlyt_home)
    own_key.chmod(0o644)
    with pytest.raises(MeetingError, match="chmod 600"):
        Store(medlyt_home)


def test_a_key_file_inside_the_data_directory_is_refused(medlyt_home, monkeypatch):
    monkeypatch.setenv(keys.KEY_FILE_ENV, str(medlyt_home / "key"))
    with pytest.raises(MeetingError, match="uden for"):
        Store(medlyt_home)
    assert not (medlyt_home / "key").exists()


def test_the_key_may_come_from_the_environment_instead(medlyt_home, own_key, monkeypatch):
    monkeypatch.setenv(keys.KEY_ENV, base64.b64encode(bytes(range(32))).decode())
    meeting_id = filled_store(medlyt_home)
    assert not own_key.exists()  # medlyt writes MEDLYT_KEY nowhere
    with Store(medlyt_home) as store:
        assert store.get_meeting(meeting_id).title == f"Samtale med {SECRET}"
    monkeypatch.delenv(keys.KEY_ENV)
    with pytest.raises(MeetingError, match="Krypteringsnøglen mangler"):
        Store(medlyt_home)


# ---- what is sealed -----------------------------------------------------------------------------

def test_no_word_title_label_file_name_note_or_voice_print_is_in_the_clear(medlyt_home):
    meeting_id = filled_store(medlyt_home)
    with Store(medlyt_home) as store:
        meeting = store.get_meeting(meeting_id)
        assert meeting.title == f"Samtale med {SECRET}" and meeting.participants[1].label == f"Borger {SECRET}"
        assert meeting.audio.source_name == f"{SECRET}.m4a" and meeting.bookmarks[0].note == f"Husk {SECRET}"
        assert store.segments(meeting_id)[0].words[0].text == f" {SECRET}"
        assert store.voiceprints() == {"anne": b"\x07" * 1024}
        store._checkpoint()
    assert files_containing(medlyt_home, SECRET.encode()) == []
    assert files_containing(medlyt_home, b"\x07" * 64) == []
    assert files_containing(medlyt_home, b"\x11\x22" * 32) == [] and files_containing(medlyt_home, b"RIFF") == []


def test_a_sealed_value_copied_to_another_meeting_does_not_open(medlyt_home):
    first, second = filled_store(medlyt_home), filled_store(medlyt_home)
    conn = sqlite3.connect(medlyt_home / store_module.DB_NAME)
    conn.execute("UPDATE segments SET text = (SELECT text FROM segments WHERE meeting_id = ?) WHERE meeting_id = ?",
                 (first, second))
    conn.commit()
    conn.close()
    with Store(medlyt_home) as store:
        assert store.segments(first)[0].text == f"Jeg hedder {SECRET}."
        with pytest.raises(MeetingError, match="beskadiget"):
            store.segments(second)


def test_a_recording_copied_over_another_meetings_does_not_play(medlyt_home):
    first, second = filled_store(medlyt_home), filled_store(medlyt_home)
    audio = medlyt_home / "audio"
    (audio / f"{second}.audio").write_bytes((audio / f"{first}.audio").read_bytes())
    with Store(medlyt_home) as store:
        assert store.audio_excerpt(first, 0, 0.5)[:4] == b"RIFF"
        with pytest.raises(MeetingError, match="beskadiget"):
            store.audio_excerpt(second, 0, 0.5)


# ---- an older, unencrypted data directory -------------------------------------------------------

def test_an_unencrypted_data_directory_is_sealed_on_upgrade_and_nothing_is_lost(medlyt_home, own_key):
    version = migrations.ENCRYPTION_VERSION - 1
    conn = sqlite3.connect(medlyt_home / store_module.DB_NAME)
    for script in MIGRATIONS[:version]:
        for statement in migrations.statements(script):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("INSERT INTO meetings (id, title, created_at, status, audio_path, audio_sample_rate, audio_channels,"
                 " audio_duration_s, audio_source_name, delete_after) VALUES"
                 " ('abc123', ?, '2026-11-01T10:00:00+00:00', 'processed', 'audio/abc123.wav', 16000, 1, 1.0, ?,"
                 " '2099-01-01')", (f"Samtale med {SECRET}", f"{SECRET}.m4a"))
    conn.execute("INSERT INTO participants (meeting_id, position, role, label, speaks) VALUES"
                 " ('abc123', 0, 'borger', ?, 1)", (f"Borger {SECRET}",))
    conn.execute("INSERT INTO consents (participant_id, given, method, scope, recorded_at) VALUES"
                 " (1, 1, 'verbal', 'optagelse', '2026-11-01T10:00:00+00:00')")
    conn.execute("INSERT INTO segments (meeting_id, start_s, end_s, speaker, text, words) VALUES"
                 " ('abc123', 0, 2, 'S1', ?, ?)", (f"Jeg hedder {SECRET}.", f'[{{"start": 0, "end": 2, "text": " {SECRET}", "probability": 0.9}}]'))
    conn.execute("INSERT INTO voiceprints (user, embedding, method, created_at) VALUES ('anne', ?, 'verbal', '')",
                 (b"\x07" * 1024,))
    conn.commit()
    conn.close()
    (medlyt_home / "audio").mkdir(mode=0o700)
    write_recording(medlyt_home / "audio" / "abc123.wav")

    with Store(medlyt_home) as store:
        meeting = store.get_meeting("abc123")
        assert (meeting.title, meeting.participants[0].label) == (f"Samtale med {SECRET}", f"Borger {SECRET}")
        assert meeting.audio.path == "audio/abc123.audio" and meeting.audio.source_name == f"{SECRET}.m4a"
        assert store.segments("abc123")[0].words[0].text == f" {SECRET}"
        assert store.voiceprints() == {"anne": b"\x07" * 1024}
        with store.audio_file("abc123") as wav:
            assert wav.read_bytes() == Path(write_recording(medlyt_home.parent / "same.wav").path).read_bytes()
    assert own_key.is_file()
    assert not (medlyt_home / "audio" / "abc123.wav").exists()
    assert files_containing(medlyt_home, SECRET.encode()) == []
    assert files_containing(medlyt_home, b"\x11\x22" * 32) == [] and files_containing(medlyt_home, b"\x07" * 64) == []
