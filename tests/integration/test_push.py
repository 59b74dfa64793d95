"""`medlyt push`: a laptop (embedded, its own SQLite file) hands a recorded meeting in to the
centre (a real PostgreSQL and an audio folder standing in for the share). Real medlyt processes,
one killed mid-transfer; the laptop keeps its copy until the centre's is checked."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from meetings import audit
from meetings.errors import MeetingNotFound
from meetings.records import Consent, Participant, now_iso
from meetings.store import Store
from meetings.transfer import part_path, sha256_of
from tests.conftest import REPO
from tests.raw_db import libpq_url
from tests.integration.test_central import PASSWORD, medlyt, one_danish_line, with_password


@pytest.fixture
def centre(tmp_path, postgres_url, monkeypatch) -> dict:
    """The centre as the laptop sees it: its database (upgraded by its operator) and its audio
    share mounted in a folder of its own; the laptop itself stays embedded."""
    monkeypatch.delenv("MEDLYT_DATABASE_URL", raising=False)
    home = tmp_path / "centre"
    Store(home, database=postgres_url, upgrade=True).close()  # the operator's `medlyt db upgrade`
    return {"url": postgres_url, "home": home,
            "env": {"MEDLYT_CENTRAL_URL": with_password(postgres_url), "MEDLYT_CENTRAL_HOME": str(home)}}


def recorded_meeting(laptop_home: Path, danish_dir: Path, consent: bool = True) -> str:
    from capture.source import import_audio

    given = Consent(True, "verbal", now_iso()) if consent else None
    with Store(laptop_home) as store:
        meeting = store.create_meeting("Opfølgning", [Participant("sagsbehandler", "Sara", consent=given),
                                                      Participant("borger", "Bo", consent=given)])
        if consent:
            store.attach_audio(meeting.id, lambda dest: import_audio(danish_dir / "u0042012.wav", dest))
            store.add_bookmark(meeting.id, 1.5, by="observatør", note="Her spurgte hun ind")
    return meeting.id


def laptop_digest(laptop_home: Path, meeting_id: str) -> str:
    return sha256_of(laptop_home / "audio" / f"{meeting_id}.audio")


def open_centre(centre) -> Store:
    return Store(centre["home"], database=centre["url"])


def test_a_pushed_meeting_arrives_whole_is_queued_and_leaves_the_laptop(medlyt_home, centre, danish_dir):
    meeting_id = recorded_meeting(medlyt_home, danish_dir)
    digest = laptop_digest(medlyt_home, meeting_id)

    done = medlyt(medlyt_home, "push", meeting_id, env=centre["env"])

    assert done.returncode == 0, done.stderr
    assert "afleveret til centret" in done.stdout and "i kø" in done.stdout and "***" in done.stdout
    assert "Sender optagelsen" in done.stderr and "100 %" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    with open_centre(centre) as hub:
        meeting = hub.get_meeting(meeting_id)
        assert meeting.title == "Opfølgning" and [p.label for p in meeting.participants] == ["Sara", "Bo"]
        assert all(p.has_consented for p in meeting.participants)
        assert [(b.at_s, b.note) for b in meeting.bookmarks] == [(1.5, "Her spurgte hun ind")]
        assert sha256_of(centre["home"] / meeting.audio.path) == digest
        job = hub.latest_job(meeting_id)
        assert job.state == "queued"
        actions = [e.action for e in hub.audit_entries(meeting_id)]
        assert actions == [audit.MEETING_RECEIVED, audit.JOB_QUEUED]
        assert f"sha256={digest}" in hub.audit_entries(meeting_id)[0].detail
        assert hub.verify_audit() == []
    assert not part_path(centre["home"] / "audio" / f"{meeting_id}.audio").exists()
    with psycopg.connect(libpq_url(centre["url"])) as conn:  # in the centre's queue, for its workers
        assert conn.execute("SELECT task_name, args FROM procrastinate_jobs").fetchall() == [
            ("medlyt.process", {"job_id": job.id})]
    with Store(medlyt_home) as laptop:
        with pytest.raises(MeetingNotFound):
            laptop.get_meeting(meeting_id)
        assert laptop.audit_entries(meeting_id)[-1].action == audit.MEETING_PUSHED
        assert laptop.verify_audit() == []
    assert not list((medlyt_home / "audio").iterdir())

    again = medlyt(medlyt_home, "push", meeting_id, env=centre["env"])
    assert again.returncode == 0 and "blev afleveret til centret" in again.stdout, again.stderr


def test_a_push_killed_mid_transfer_resumes_and_the_laptop_keeps_its_copy_until_then(medlyt_home, centre,
                                                                                     danish_dir):
    meeting_id = recorded_meeting(medlyt_home, danish_dir)
    source = medlyt_home / "audio" / f"{meeting_id}.audio"
    digest = sha256_of(source)
    part = part_path(centre["home"] / "audio" / f"{meeting_id}.audio")
    slow = subprocess.Popen([sys.executable, "-m", "medlyt.cli", "push", meeting_id, "--max-rate", "40"], cwd=REPO,
                            env={**os.environ, "MEDLYT_HOME": str(medlyt_home), **centre["env"]},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (part.exists() and part.stat().st_size > source.stat().st_size // 3):
            assert slow.poll() is None and time.monotonic() < deadline, "the push ended before it could be cut"
            time.sleep(0.05)
    finally:
        slow.send_signal(signal.SIGKILL)
        slow.wait()
    cut_at = part.stat().st_size
    assert 0 < cut_at < source.stat().st_size
    with open_centre(centre) as hub:
        with pytest.raises(MeetingNotFound):
            hub.get_meeting(meeting_id)  # the rows go only after the whole recording
    with Store(medlyt_home) as laptop:
        assert laptop.get_meeting(meeting_id).audio is not None and source.exists()

    resumed = medlyt(medlyt_home, "push", meeting_id, env=centre["env"])

    assert resumed.returncode == 0, resumed.stderr
    assert f"Fortsætter en afbrudt overførsel fra {cut_at / 1000:,.0f} kB".replace(",", ".") in resumed.stderr
    assert "Sender optagelsen" in resumed.stderr and " 0 %" not in resumed.stderr  # from the cut, not the start
    with open_centre(centre) as hub:
        assert sha256_of(centre["home"] / hub.get_meeting(meeting_id).audio.path) == digest
        assert [e.action for e in hub.audit_entries(meeting_id)].count(audit.MEETING_RECEIVED) == 1
        assert hub.verify_audit() == []
    assert not part.exists() and not source.exists()


def test_a_part_that_does_not_match_is_sent_again_from_the_start(medlyt_home, centre, danish_dir):
    meeting_id = recorded_meeting(medlyt_home, danish_dir)
    digest = laptop_digest(medlyt_home, meeting_id)
    part = part_path(centre["home"] / "audio" / f"{meeting_id}.audio")
    part.write_bytes(b"\0" * 4096)  # a share that kept the length after a crash, not the bytes

    done = medlyt(medlyt_home, "push", meeting_id, env=centre["env"])

    assert done.returncode == 0, done.stderr
    assert "sendes forfra" in done.stderr and " 0 %" in done.stderr
    assert sha256_of(centre["home"] / "audio" / f"{meeting_id}.audio") == digest


def test_a_meeting_the_centre_took_in_before_a_cut_is_checked_and_finished_not_sent_twice(medlyt_home, centre,
                                                                                          danish_dir):
    """The cut came after the centre took the meeting in and queued it, before the laptop deleted."""
    from medlyt import tasks
    from medlyt.cli import push

    meeting_id = recorded_meeting(medlyt_home, danish_dir)
    digest = laptop_digest(medlyt_home, meeting_id)
    with Store(medlyt_home) as laptop, open_centre(centre) as hub:
        push.send_recording(laptop, hub, meeting_id, digest, None)
        hub.receive_meeting(laptop.meeting_rows(meeting_id), f"sha256={digest}", "cli:test")
        first = tasks.queue_processing(hub, meeting_id, by="cli:test")

    done = medlyt(medlyt_home, "push", meeting_id, env=centre["env"])

    assert done.returncode == 0 and f"job {first.id}" in done.stdout, done.stderr
    assert "allerede på centret" not in done.stderr and "Sender optagelsen" not in done.stderr
    with open_centre(centre) as hub:
        assert [e.action for e in hub.audit_entries(meeting_id)] == [audit.MEETING_RECEIVED, audit.JOB_QUEUED]
        assert len(hub.list_meetings()) == 1
    with Store(medlyt_home) as laptop:
        with pytest.raises(MeetingNotFound):
            laptop.get_meeting(meeting_id)


def test_the_laptop_keeps_its_copy_when_the_centres_does_not_verify(medlyt_home, centre, danish_dir):
    from medlyt.cli import push

    meeting_id = recorded_meeting(medlyt_home, danish_dir)
    digest = laptop_digest(medlyt_home, meeting_id)
    with Store(medlyt_home) as laptop, open_centre(centre) as hub:
        push.send_recording(laptop, hub, meeting_id, digest, None)
        hub.receive_meeting(laptop.meeting_rows(meeting_id), f"sha256={digest}", "cli:test")
    on_share = centre["home"] / "audio" / f"{meeting_id}.audio"
    damaged = bytearray(on_share.read_bytes())
    damaged[-1] ^= 0xFF  # the share lost or changed a byte after the centre took it in
    on_share.write_bytes(bytes(damaged))

    done = medlyt(medlyt_home, "push", meeting_id, env=centre["env"])

    one_danish_line(done, "ikke den samme", "bevaret")
    with Store(medlyt_home) as laptop:
        assert laptop.get_meeting(meeting_id).audio is not None
        assert laptop_digest(medlyt_home, meeting_id) == digest
        assert audit.MEETING_PUSHED not in [e.action for e in laptop.audit_entries(meeting_id)]
    with open_centre(centre) as hub:
        assert hub.latest_job(meeting_id) is None  # nothing queued on a copy that is not the laptop's


def test_without_everyones_consent_nothing_is_sent(medlyt_home, centre, danish_dir):
    meeting_id = recorded_meeting(medlyt_home, danish_dir, consent=False)

    done = medlyt(medlyt_home, "push", meeting_id, env=centre["env"])

    assert done.returncode == 3, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Samtykke mangler" in lines[0]
    assert not list((centre["home"] / "audio").iterdir())
    with open_centre(centre) as hub:
        assert hub.list_meetings() == [] and hub.audit_entries(meeting_id) == []


def test_a_centre_not_configured_or_not_reachable_is_one_line_without_the_password(medlyt_home, centre, danish_dir,
                                                                                  tmp_path):
    meeting_id = recorded_meeting(medlyt_home, danish_dir)
    env = centre["env"]
    one_danish_line(medlyt(medlyt_home, "push", meeting_id, env={"MEDLYT_CENTRAL_URL": "", **{
        k: v for k, v in env.items() if k != "MEDLYT_CENTRAL_URL"}}), "MEDLYT_CENTRAL_URL")
    one_danish_line(medlyt(medlyt_home, "push", meeting_id, env={**env, "MEDLYT_CENTRAL_HOME": ""}),
                    "MEDLYT_CENTRAL_HOME", "Montér")
    unmounted = {**env, "MEDLYT_CENTRAL_HOME": str(tmp_path / "ikke-monteret")}
    one_danish_line(medlyt(medlyt_home, "push", meeting_id, env=unmounted), "findes ikke", "MEDLYT_CENTRAL_HOME")
    gone = {**env, "MEDLYT_CENTRAL_URL": f"postgresql+psycopg://medlyt:{PASSWORD}@/medlyt?host={tmp_path / 'ingen'}"}
    one_danish_line(medlyt(medlyt_home, "push", meeting_id, env=gone), "Kan ikke nå databasen", "***",
                    "MEDLYT_CENTRAL_URL")
    one_danish_line(medlyt(medlyt_home, "push", meeting_id, env={**env, "MEDLYT_CENTRAL_URL": "sqlite:///x.db"}),
                    "PostgreSQL")
    with Store(medlyt_home) as laptop:  # nothing changed here either
        assert laptop.get_meeting(meeting_id).audio is not None
        assert audit.MEETING_PUSHED not in [e.action for e in laptop.audit_entries(meeting_id)]
    assert not list((centre["home"] / "audio").iterdir())


def test_a_meeting_processed_on_the_laptop_arrives_with_its_corrections_notes_and_points(medlyt_home, centre,
                                                                                        danish_dir):
    """Nothing the laptop deletes is lost: every row of the meeting goes, sealed as it is."""
    from datetime import date, timedelta

    from meetings.records import Correction, LiveLine, Segment, Speaker, Speech

    meeting_id = recorded_meeting(medlyt_home, danish_dir)
    with Store(medlyt_home) as laptop:
        laptop.save_transcript(meeting_id, [Segment(0.0, 2.0, "Goddag og velkommen", speaker="S1"),
                                            Segment(2.5, 4.0, "Tak", speaker="S2")], model="base",
                               speakers=[Speaker("S1", "Sagsbehandler", "sagsbehandler"),
                                         Speaker("S2", "Borger", "borger")],
                               speech=[Speech(0.0, 2.0, "S1"), Speech(2.5, 4.0, "S2")])
        laptop.correct(meeting_id, Correction("text", start=2.5, end=4.0, text="Tak skal du have"))
        laptop.save_session_note(meeting_id, None, "leder", "En god samtale")
        laptop.add_development_point(meeting_id, "Spørg mere åbent")
        laptop.start_live(meeting_id, live=True)
        laptop.add_live_line(meeting_id, LiveLine(0.0, 2.0, "Sagsbehandler", "Goddag"))
        laptop.end_live(meeting_id)
        laptop.extend_retention(meeting_id, (date.today() + timedelta(days=90)).isoformat(), "Klagesag")
        counts = laptop.meeting_counts(meeting_id)
        text = [s.text for s in laptop.segments(meeting_id)]
    assert all(counts[name] for name in ("segments", "speech", "speakers", "corrections", "session_notes",
                                         "development_points", "live_sessions", "live_lines", "retention_extensions",
                                         "bookmarks")), counts

    done = medlyt(medlyt_home, "push", meeting_id, env=centre["env"])

    assert done.returncode == 0, done.stderr
    with open_centre(centre) as hub:
        assert hub.meeting_counts(meeting_id) == counts
        assert [s.text for s in hub.segments(meeting_id)] == text == ["Goddag og velkommen", "Tak skal du have"]
        assert [c.text for c in hub.corrections(meeting_id)] == ["Tak skal du have"]
        assert [p.text for p in hub.development_points(meeting_id)] == ["Spørg mere åbent"]
        assert [n.text for n in hub.session_notes(meeting_id).values()] == ["En god samtale"]
        assert [reason for _, reason, _, _ in hub.retention_extensions(meeting_id)] == ["Klagesag"]
        assert [line.text for line in hub.live_session(meeting_id).lines] == ["Goddag"]
        assert hub.get_meeting(meeting_id).status == "processed" and hub.latest_job(meeting_id).state == "queued"


def test_a_recording_that_reached_the_centre_before_a_cut_is_not_sent_again(medlyt_home, centre, danish_dir):
    """The cut came after the part was renamed into place, before the rows went."""
    import shutil

    meeting_id = recorded_meeting(medlyt_home, danish_dir)
    shutil.copyfile(medlyt_home / "audio" / f"{meeting_id}.audio", centre["home"] / "audio" / f"{meeting_id}.audio")

    done = medlyt(medlyt_home, "push", meeting_id, env=centre["env"])

    assert done.returncode == 0, done.stderr
    assert "allerede på centret" in done.stderr and "Sender optagelsen" not in done.stderr
    with open_centre(centre) as hub:
        assert hub.latest_job(meeting_id).state == "queued"


def test_two_pushes_of_one_meeting_at_once_do_not_mix_their_bytes(medlyt_home, centre, danish_dir):
    import fcntl

    meeting_id = recorded_meeting(medlyt_home, danish_dir)
    part = part_path(centre["home"] / "audio" / f"{meeting_id}.audio")
    with open(part, "wb") as sending:  # what the other push holds while it sends
        fcntl.flock(sending, fcntl.LOCK_EX)
        one_danish_line(medlyt(medlyt_home, "push", meeting_id, env=centre["env"]), "allerede sendt")
    with Store(medlyt_home) as laptop:
        assert laptop.get_meeting(meeting_id).audio is not None
    assert medlyt(medlyt_home, "push", meeting_id, env=centre["env"]).returncode == 0
