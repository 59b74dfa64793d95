"""The meeting store against a real SQLite file in a throw-away data directory."""

import sqlite3
import wave
from pathlib import Path

import pytest

from medlyt import settings
from meetings.crypto import Unencrypted
from meetings.records import AudioInfo, Consent, Participant, Segment, Word
from meetings.store import (
    DB_NAME,
    SCHEMA_VERSION,
    MeetingError,
    MeetingNotFound,
    MeetingWithdrawn,
    Store,
)
from tests.audio_files import pcm_writer

pytestmark = pytest.mark.usefixtures("backend")  # each test runs on SQLite and on PostgreSQL

SECRET_WORD = "Zyxbrandt"
SECRET_TITLE = "Samtale om Qwortelund"


def consent(given: bool = True) -> Consent:
    return Consent(given=given, method="verbal", recorded_at="2025-01-01T10:00:00+00:00")


def people(consented: bool = True) -> list[Participant]:
    c = consent() if consented else None
    return [
        Participant("sagsbehandler", "Sagsbehandler", consent=c),
        Participant("borger", "Borger", consent=c),
        Participant("observatør", "Observatør", speaks=False),
    ]


write_recording = pcm_writer(0.5, b"\x01\x02", "samtale.m4a")


def transcript(word: str = SECRET_WORD) -> list[Segment]:
    return [
        Segment(5.0, 7.0, "Og hvordan går det?", speaker="S1", avg_logprob=-0.3, no_speech_prob=0.01,
                words=[Word(5.0, 5.4, " Og", 0.9), Word(5.4, 7.0, " hvordan", 0.8)]),
        Segment(0.0, 4.5, f"Jeg hedder {word} og bor her.", speaker="S2",
                words=[Word(0.0, 1.0, " Jeg", 0.99), Word(1.0, 2.0, f" {word}", 0.5)]),
    ]


@pytest.fixture
def store(medlyt_home):
    with Store(medlyt_home) as s:
        yield s


def files_containing(home: Path, needle: str) -> list[Path]:
    found = []
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if needle.encode("utf-8") in data or needle.encode("utf-16-le") in data:
                found.append(path)
    return found


# ---- round trip -----------------------------------------------------------------------------

def test_create_get_list_round_trip(store):
    first = store.create_meeting("Første", people())
    second = store.create_meeting("  Anden  ", people(consented=False))
    assert len(first.id) == 12 and first.id != second.id
    got = store.get_meeting(first.id)
    assert got == first
    assert got.status == "created" and got.audio is None
    assert [p.role for p in got.participants] == ["sagsbehandler", "borger", "observatør"]
    assert got.participants[1].consent == consent()
    assert got.participants[2].speaks is False and got.participants[2].consent is None
    assert store.get_meeting(second.id).title == "Anden"
    assert [m.id for m in store.list_meetings()] == [second.id, first.id]  # newest first


def test_segments_round_trip_ordered_with_words(store):
    meeting = store.create_meeting("Møde", people())
    saved = store.save_transcript(meeting.id, transcript(), model="base")
    assert saved.status == "processed" and saved.model == "base" and saved.processed_at
    segs = store.segments(meeting.id)
    assert [s.start for s in segs] == [0.0, 5.0]
    assert segs[0] == transcript()[1]
    assert segs[1].words[1] == Word(5.4, 7.0, " hvordan", 0.8)
    lines = store.segments(meeting.id, words=False)  # for pages that show lines only
    assert [(s.start, s.end, s.text, s.speaker) for s in lines] == [(s.start, s.end, s.text, s.speaker) for s in segs]
    assert all(s.words == [] for s in lines)


def test_save_transcript_replaces(store):
    meeting = store.create_meeting("Møde", people())
    store.save_transcript(meeting.id, transcript(), model="base")
    store.save_transcript(meeting.id, [Segment(1.0, 2.0, "Kun denne")], model="large-v3")
    assert [s.text for s in store.segments(meeting.id)] == ["Kun denne"]
    assert store.get_meeting(meeting.id).model == "large-v3"


@pytest.mark.parametrize(
    "title, participants",
    [
        ("", people()),
        ("   ", people()),
        ("Møde", []),
        ("Møde", [Participant("borgmester", "X")]),
        ("Møde", [Participant("borger", "Borger", consent=Consent(True, "telepati", "2025"))]),
        ("Møde", [Participant("borger", "Borger"), Participant("borger", "Borger 2")]),
        # a microphone each: two speakers on one channel could not be told apart by it
        ("Møde", [Participant("sagsbehandler", "Sagsbehandler", channel=1), Participant("borger", "Borger", channel=1)]),
        ("Møde", [Participant("sagsbehandler", "Sagsbehandler", channel=0), Participant("borger", "Borger", channel=2)]),
        ("Møde", [Participant("sagsbehandler", "Sagsbehandler", channel=1), Participant("borger", "Borger")]),
    ],
)
def test_create_meeting_validates(store, title, participants):
    with pytest.raises(MeetingError):
        store.create_meeting(title, participants)
    assert store.list_meetings() == []


def test_unknown_meeting(store):
    with pytest.raises(MeetingNotFound, match="Mødet 'nope' findes ikke."):
        store.get_meeting("nope")
    # Reads that only check the meeting is there (without loading it) say the same.
    for read in (store.segments, store.speech, store.session_notes, store.meeting_counts,
                 store.development_points):
        with pytest.raises(MeetingNotFound, match="Mødet 'nope' findes ikke."):
            read("nope")


def test_audit_records_actions_without_content(store):
    meeting = store.create_meeting(SECRET_TITLE, people())
    store.attach_audio(meeting.id, write_recording)
    store.save_transcript(meeting.id, transcript(), model="base")
    actions = [e.action for e in store.audit_entries(meeting.id)]
    assert actions == ["meeting_created", "consent_given", "consent_given", "audio_attached",
                       "transcript_saved"]
    text = repr(store.audit_entries())
    assert "Qwortelund" not in text and SECRET_WORD not in text


# ---- schema ---------------------------------------------------------------------------------

def user_version(home: Path) -> int:
    with sqlite3.connect(home / DB_NAME) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0]


@pytest.mark.sqlite_only("reads or changes the SQLite file itself")
def test_new_file_gets_latest_schema(store, medlyt_home):
    assert user_version(medlyt_home) == SCHEMA_VERSION


@pytest.mark.sqlite_only("reads or changes the SQLite file itself")
def test_version_zero_file_without_tables_migrates(medlyt_home):
    conn = sqlite3.connect(medlyt_home / DB_NAME)
    conn.execute("PRAGMA user_version = 0")
    conn.close()
    with Store(medlyt_home) as s:
        s.create_meeting("Møde", people())
    assert user_version(medlyt_home) == SCHEMA_VERSION
    with Store(medlyt_home) as s:  # reopening an up-to-date file changes nothing
        assert len(s.list_meetings()) == 1


@pytest.mark.sqlite_only("reads or changes the SQLite file itself")
def test_newer_schema_is_refused(medlyt_home):
    conn = sqlite3.connect(medlyt_home / DB_NAME)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(MeetingError, match="Databasen er fra en nyere version af medlyt"):
        Store(medlyt_home)


@pytest.mark.sqlite_only("reads or changes the SQLite file itself")
def test_non_sqlite_file_is_refused(medlyt_home):
    (medlyt_home / DB_NAME).write_bytes(b"dette er ikke en database\n" * 100)
    with pytest.raises(MeetingError, match="ikke en medlyt-database"):
        Store(medlyt_home)


@pytest.mark.sqlite_only("reads or changes the SQLite file itself")
def test_connection_settings(store, medlyt_home):
    conn = store._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


@pytest.mark.sqlite_only("reads or changes the SQLite file itself")
def test_a_new_data_directory_and_its_database_are_private(tmp_path, monkeypatch):
    """The audit log and user names are not sealed, so other users on the machine must not read them."""
    home = tmp_path / "new-home"
    monkeypatch.setenv("MEDLYT_HOME", str(home))
    with Store(settings.data_home()) as s:
        s.create_meeting("Privat", people())
        modes = {p.name: oct(p.stat().st_mode & 0o777) for p in [home, *home.iterdir()]}
    assert modes["new-home"] == "0o700"
    assert modes["audio"] == "0o700"
    assert {name: mode for name, mode in modes.items() if name.startswith(DB_NAME)} == {
        name: "0o600" for name in modes if name.startswith(DB_NAME)
    }
    assert f"{DB_NAME}-wal" in modes  # the WAL file was there to be checked


@pytest.mark.sqlite_only("reads or changes the SQLite file itself")
def test_a_database_left_readable_by_others_is_made_private(medlyt_home):
    with Store(medlyt_home) as s:
        s.create_meeting("Ældre", people())
    (medlyt_home / DB_NAME).chmod(0o644)
    with Store(medlyt_home) as s:
        assert [m.title for m in s.list_meetings()] == ["Ældre"]
    assert oct((medlyt_home / DB_NAME).stat().st_mode & 0o777) == "0o600"


def test_a_data_directory_left_open_is_tightened_with_its_sealed_files(medlyt_home):
    """A folder made by hand (0755) or by an older version, whose sealed audio files were 0644,
    is made private at the next start: 0700 folders, 0600 files."""
    with Store(medlyt_home) as s:
        meeting = s.create_meeting("Ældre", people())
        s.attach_audio(meeting.id, write_recording)
    audio = medlyt_home / "audio"
    sealed = next(audio.iterdir())
    medlyt_home.chmod(0o755), audio.chmod(0o755), sealed.chmod(0o644)
    with Store(medlyt_home) as s:
        assert s.get_meeting(meeting.id).audio is not None
    assert [oct(p.stat().st_mode & 0o777) for p in (medlyt_home, audio, sealed)] == ["0o700", "0o700", "0o600"]


@pytest.mark.sqlite_only("SQLite's own -wal and -shm files come and go")
def test_opening_the_store_while_another_closes_it_does_not_fail(medlyt_home):
    """Opening makes the data directory's files private; SQLite removes its -wal and -shm files
    when another process closes the last connection, so a file listed a moment ago may be gone
    (the dashboard failed "Kan ikke gøre datamappen privat" under load). One thread writes and
    closes over and over while this one opens: measured before the fix, 8 of 1,086 opens in 10 s
    failed; now none may."""
    import threading
    import time

    with Store(medlyt_home):
        pass
    stop = threading.Event()

    def write_and_close():
        while not stop.is_set():
            with Store(medlyt_home) as s:
                s.create_meeting("Møde", people())

    writer = threading.Thread(target=write_and_close)
    writer.start()
    opened, failed = 0, []
    try:
        until = time.monotonic() + 4.0
        while time.monotonic() < until:
            try:
                with Store(medlyt_home):
                    opened += 1
            except MeetingError as error:
                failed.append(str(error))
    finally:
        stop.set()
        writer.join()
    assert opened > 20 and not failed, (opened, failed[:1])


def test_new_sealed_audio_is_private(store, medlyt_home):
    meeting = store.create_meeting("Ny", people())
    store.attach_audio(meeting.id, write_recording)
    files = list((medlyt_home / "audio").iterdir())
    assert files and all(oct(p.stat().st_mode & 0o777) == "0o600" for p in files)


@pytest.mark.sqlite_only("reads or changes the SQLite file itself")
def test_second_store_reads_while_first_writes(store, medlyt_home):
    meeting = store.create_meeting("Møde", people())
    other = Store(medlyt_home)
    try:
        with store._transaction(write=True):  # the first store holds the write lock
            store._conn.execute("UPDATE meetings SET status = 'recorded' WHERE id = ?", (meeting.id,))
            assert other.get_meeting(meeting.id).status == "created"  # reader is not blocked
            assert len(other.list_meetings()) == 1
        assert other.get_meeting(meeting.id).status == "recorded"
        other.create_meeting("Fra den anden", people())  # and may write once the lock is free
        assert len(store.list_meetings()) == 2
    finally:
        other.close()


# ---- audio ----------------------------------------------------------------------------------

def test_attach_audio_seals_the_file_and_records_relative_path(store, medlyt_home):
    meeting = store.create_meeting("Møde", people())
    seen = []

    def produce(tmp: Path) -> AudioInfo:
        seen.append((tmp, oct(tmp.parent.stat().st_mode & 0o777)))
        return write_recording(tmp)

    attached = store.attach_audio(meeting.id, produce)
    assert attached.status == "recorded"
    assert attached.audio.path == f"audio/{meeting.id}.audio"
    assert attached.audio.source_name == "samtale.m4a" and attached.audio.duration_s == 0.5
    plain_at, mode = seen[0]
    assert not plain_at.is_relative_to(medlyt_home) and mode == "0o700"  # private, outside the data directory
    assert not plain_at.exists()
    stored = (medlyt_home / attached.audio.path).read_bytes()
    assert b"RIFF" not in stored and b"\x01\x02" * 8 not in stored
    with store.audio_file(meeting.id) as wav:
        assert wav.read_bytes() == Path(write_recording(medlyt_home.parent / "same.wav").path).read_bytes()
        with wave.open(str(wav), "rb") as w:
            assert (w.getnframes(), w.readframes(4)) == (8000, b"\x01\x02" * 4)
    assert not wav.exists()  # the plain copy lives only as long as the block
    with pytest.raises(MeetingError, match="allerede en optagelse"):
        store.attach_audio(meeting.id, write_recording)
    with store.audio_file(meeting.id) as wav:  # the refused second import kept the first
        assert wav.is_file()


def test_attach_audio_failure_leaves_nothing(store, medlyt_home):
    meeting = store.create_meeting("Møde", people())

    def produce(tmp: Path) -> AudioInfo:
        write_recording(tmp)
        raise RuntimeError("dekoderen gik i stå")

    with pytest.raises(RuntimeError):
        store.attach_audio(meeting.id, produce)
    assert list((medlyt_home / "audio").iterdir()) == []
    assert store.get_meeting(meeting.id) == meeting
    assert [e.action for e in store.audit_entries(meeting.id)][-1] == "consent_given"


def test_audio_file_without_audio_or_missing_file(store, medlyt_home):
    meeting = store.create_meeting("Møde", people())
    with pytest.raises(MeetingError, match=f"Kør: medlyt import {meeting.id} FIL"):
        with store.audio_file(meeting.id):
            pass
    meeting = store.attach_audio(meeting.id, write_recording)
    (medlyt_home / meeting.audio.path).unlink()
    with pytest.raises(MeetingError, match="mangler på disken"):
        with store.audio_file(meeting.id):
            pass


# ---- withdrawal -----------------------------------------------------------------------------

@pytest.mark.sqlite_only("reads or changes the SQLite file itself")
def test_withdraw_deletes_everything_but_a_tombstone(medlyt_home):
    # Without encryption, so the scan below can see the words before the withdrawal: what is
    # tested here is that deleting overwrites (secure_delete, the WAL truncated), not sealing.
    store = Store(medlyt_home, cipher=Unencrypted())
    keep = store.create_meeting("Et andet møde", people())
    store.save_transcript(keep.id, transcript(word="Bevaret"), model="base")
    meeting = store.create_meeting(SECRET_TITLE, people())
    store.attach_audio(meeting.id, write_recording)
    store.save_transcript(meeting.id, transcript(), model="base")
    # Rewrite the transcript a few times so older page versions exist in WAL and free pages.
    for _ in range(3):
        store.save_transcript(meeting.id, transcript() * 20, model="base")
    assert files_containing(medlyt_home, SECRET_WORD)  # the scan can see it before

    store.withdraw(meeting.id)

    with pytest.raises(MeetingWithdrawn, match=f"Mødet '{meeting.id}' er slettet"):
        store.get_meeting(meeting.id)
    with pytest.raises(MeetingWithdrawn):
        store.segments(meeting.id)
    tombstone = store.audit_entries(meeting.id)[-1]
    assert (tombstone.action, tombstone.meeting_id, tombstone.detail) == ("withdrawn", meeting.id, "withdrawn")
    assert "Qwortelund" not in repr(store.audit_entries())
    assert files_containing(medlyt_home, SECRET_WORD) == []
    assert files_containing(medlyt_home, "Qwortelund") == []
    assert list((medlyt_home / "audio").iterdir()) == []
    # The other meeting is untouched.
    assert [s.text for s in store.segments(keep.id)][0].startswith("Jeg hedder Bevaret")
    assert [m.id for m in store.list_meetings()] == [keep.id]
    store.close()
