"""Retention through the real store and CLI: every meeting has a deletion day, a leader may
extend one with a reason, and purge (also at the start of every command) deletes what is due,
leaving only a tombstone without content."""

import sqlite3
from datetime import timedelta

import pytest

from capture.source import import_audio
from meetings import audit, retention
from meetings.errors import MeetingError, MeetingWithdrawn
from meetings.store import DB_NAME, MIGRATIONS, Store
from medlyt.cli import main
from tests.consented import consented_meeting
from tests.raw_db import raw, stored_bytes

pytestmark = pytest.mark.usefixtures("backend")  # each test runs on SQLite and on PostgreSQL


def day(offset: int) -> str:
    # Today when asked, not when the module was collected: a suite may run across midnight.
    return (retention.today() + timedelta(days=offset)).isoformat()


def set_deletion_day(home, meeting_id: str, when: str) -> None:
    db = raw(home)
    db.execute("UPDATE meetings SET delete_after = ? WHERE id = ?", (when, meeting_id))
    db.close()


def test_a_meeting_is_kept_30_days_unless_the_organisation_decides_otherwise(medlyt_home):
    with Store(medlyt_home) as store:
        first = consented_meeting(store, "Opfølgning").id
        assert store.get_meeting(first).delete_after == day(30)
        store.set_retention_days(10, by="admin")
        second = consented_meeting(store, "Opfølgning").id
        assert store.get_meeting(second).delete_after == day(10)
        assert store.get_meeting(first).delete_after == day(30)  # decided when it was made
        assert [e.detail for e in store.audit_entries() if e.action == audit.RETENTION_SET] == ["days=10"]
        for days in (0, 400):
            with pytest.raises(MeetingError, match="mellem 1 og 365"):
                store.set_retention_days(days)


def test_recording_starts_the_period_again_but_never_shortens_an_extension(medlyt_home, danish_dir):
    with Store(medlyt_home) as store:
        meeting_id = consented_meeting(store, "Opfølgning").id
        set_deletion_day(medlyt_home, meeting_id, day(2))  # made a while ago, recorded today
        store.attach_audio(meeting_id, lambda dest: import_audio(danish_dir / "u0042012.wav", dest))
        assert store.get_meeting(meeting_id).delete_after == day(30)
        other = consented_meeting(store, "Opfølgning").id
        store.extend_retention(other, day(90), "Bruges i sparringsforløb")
        store.attach_audio(other, lambda dest: import_audio(danish_dir / "u0042012.wav", dest))
        assert store.get_meeting(other).delete_after == day(90)


def test_a_leader_extends_one_meeting_with_a_reason_kept_with_it_not_in_the_log(medlyt_home):
    with Store(medlyt_home) as store:
        meeting_id = consented_meeting(store, "Opfølgning").id
        meeting = store.extend_retention(meeting_id, day(60), "Gennemgås på teammøde i januar", by="lis")
        assert meeting.delete_after == day(60)
        ((until, reason, by, _at),) = store.retention_extensions(meeting_id)
        assert (until, reason, by) == (day(60), "Gennemgås på teammøde i januar", "lis")
        entry = [e for e in store.audit_entries(meeting_id) if e.action == audit.RETENTION_EXTENDED][-1]
        assert entry.detail == f"until={day(60)}" and entry.user == "lis"
        with pytest.raises(MeetingError, match="begrundelse"):
            store.extend_retention(meeting_id, day(70), "  ")
        with pytest.raises(MeetingError, match="ud over"):
            store.extend_retention(meeting_id, day(40), "kortere")
        with pytest.raises(MeetingError, match="højst gemmes 365 dage"):
            store.extend_retention(meeting_id, day(400), "for længe")
        with pytest.raises(MeetingError, match="ÅÅÅÅ-MM-DD"):
            store.extend_retention(meeting_id, "31/12", "forkert format")


def test_purge_deletes_what_is_due_and_leaves_a_tombstone_without_content(medlyt_home, danish_dir):
    with Store(medlyt_home) as store:
        due = consented_meeting(store, "Samtale om helbred").id
        store.attach_audio(due, lambda dest: import_audio(danish_dir / "u0042012.wav", dest))
        kept = consented_meeting(store, "Opfølgning").id
        store.extend_retention(kept, day(100), "Undervisning")
        assert store.due_for_deletion(day(29)) == []
        assert store.purge(on=day(30), by="admin") == [due]
        assert not any(store.audio_dir.iterdir())
        with pytest.raises(MeetingWithdrawn, match="opbevaringstiden udløb"):
            store.get_meeting(due)
        assert [m.id for m in store.list_meetings()] == [kept]
        (tombstone,) = [e for e in store.audit_entries(due) if e.action == audit.WITHDRAWN]
        assert tombstone.detail == "retention_expired" and tombstone.user == "admin"
        assert not store.verify_audit()
    assert "Samtale om helbred".encode() not in stored_bytes(medlyt_home)


def test_a_meeting_being_recorded_is_not_purged_under_the_recorder(medlyt_home):
    with Store(medlyt_home) as store:
        meeting_id = consented_meeting(store, "Opfølgning").id
        store.start_live(meeting_id, live=False)
        assert store.purge(on=day(31)) == []
        store.end_live(meeting_id)
        assert store.purge(on=day(31)) == [meeting_id]


def test_every_command_purges_first_and_says_so(medlyt_home, capsys):
    with Store(medlyt_home) as store:
        due, kept = consented_meeting(store, "Opfølgning").id, consented_meeting(store, "Opfølgning").id
    set_deletion_day(medlyt_home, due, day(-1))
    assert main(["meeting", "list"]) == 0
    captured = capsys.readouterr()
    assert f"Slettet efter opbevaringstiden: 1 møde(r) ({due})" in captured.err
    assert kept in captured.out and due not in captured.out
    assert main(["purge", "--dry-run"]) == 0
    assert "0 møde(r) er forfaldne" in capsys.readouterr().out


def test_the_cli_sets_and_extends_retention(medlyt_home, capsys):
    with Store(medlyt_home) as store:
        meeting_id = consented_meeting(store, "Opfølgning").id
    assert main(["retention", "set", "14"]) == 0
    assert main(["retention", "extend", meeting_id, "--until", day(45), "--reason", "Sparring i næste måned"]) == 0
    assert f"slettes nu {day(45)}" in capsys.readouterr().out
    assert main(["retention"]) == 0
    out = capsys.readouterr().out
    assert "14 dage" in out and f"{meeting_id}  slettes {day(45)}" in out
    assert main(["retention", "extend", meeting_id, "--until", day(10), "--reason", "x"]) == 2
    assert "ud over" in capsys.readouterr().err


@pytest.mark.sqlite_only("migrates an old SQLite file")
def test_meetings_from_before_retention_get_30_days_from_their_creation(medlyt_home):
    db = sqlite3.connect(medlyt_home / DB_NAME, isolation_level=None)
    for script in MIGRATIONS[:8]:
        db.executescript(script)
    db.execute("PRAGMA user_version = 8")
    db.execute("INSERT INTO meetings (id, title, created_at) VALUES ('gammel', 'Gammelt møde', '2026-01-10T09:00:00+00:00')")
    db.close()
    with Store(medlyt_home) as store:
        assert store.get_meeting("gammel").delete_after == "2026-02-09"
        assert "gammel" in store.due_for_deletion()


def test_the_sweep_removes_audio_no_meeting_owns_once_it_has_been_left_alone(medlyt_home, danish_dir):
    import os
    import time

    with Store(medlyt_home) as store:
        kept = consented_meeting(store, "Opfølgning").id
        store.attach_audio(kept, lambda dest: import_audio(danish_dir / "u0042008.wav", dest))
        audio = medlyt_home / "audio"
        orphan, partial, fresh = (audio / "0123456789ab.audio", audio / ".ba9876543210.audio.partial",
                                  audio / "fedcba987654.recording.pcm")
        for path in (orphan, partial, fresh):
            path.write_bytes(b"lyd fra en proces, der d\xf8de" * 100)
        hour_ago = time.time() - 2 * 3600
        for path in (orphan, partial, *audio.glob(f"{kept}.*")):
            os.utime(path, (hour_ago, hour_ago))
        store.purge(by="admin")
        assert sorted(p.name for p in audio.iterdir()) == sorted([f"{kept}.audio", fresh.name])
        swept = [e for e in store.audit_entries() if e.action == audit.ORPHAN_AUDIO_REMOVED]
        assert sorted(e.meeting_id for e in swept) == ["0123456789ab", "ba9876543210"]
        assert store.audio_excerpt(kept, 0.0, 1.0)[:4] == b"RIFF"  # the meeting's own file untouched
