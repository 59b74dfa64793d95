"""Processing as a job: queued once per work, taken by a real `medlyt worker` process, its
progress and end in the store; a worker killed mid-job has its job finished by the next one;
a withdrawal while the job runs stops it and leaves nothing."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from capture.source import import_audio
from medlyt import tasks
from medlyt.pipeline import process_meeting
from meetings import audit
from meetings.db import schema
from meetings.errors import ConsentError, MeetingError, MeetingWithdrawn
from meetings.records import Participant
from meetings.store import Store
from tests.conftest import REPO
from tests.consented import consented_meeting
from tests.raw_db import raw, stored_bytes

# Each test runs embedded (SQLite) and central (PostgreSQL, workers as separate processes on it).
pytestmark = pytest.mark.usefixtures("backend")

AUDIO = "ap_dan.wav"  # 37 s of read Danish


def new_meeting(store: Store, audio=None, consent: bool = True) -> str:
    meeting = consented_meeting(store, "Jobmøde", consent=consent)
    if audio is not None:
        store.attach_audio(meeting.id, lambda dest: import_audio(audio, dest))
    return meeting.id


@pytest.fixture
def long_audio(tmp_path, danish_dir):
    """Nearly 4 minutes of real speech (the 37 s clip six times), so a job is still running
    when a test interrupts it."""
    import wave

    with wave.open(str(danish_dir / AUDIO), "rb") as clip:
        params, frames = clip.getparams(), clip.readframes(clip.getnframes())
    path = tmp_path / "lang.wav"
    with wave.open(str(path), "wb") as out:
        out.setparams(params)
        out.writeframes(frames * 6)
    return path


def start_worker(home, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "medlyt.cli", "worker", *args], cwd=REPO,
                            env={**os.environ, "MEDLYT_HOME": str(home)}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def wait_for(check, timeout_s: float = 120.0, every_s: float = 0.2):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (found := check()):
            return found
        time.sleep(every_s)
    pytest.fail("waited in vain")


def test_the_same_work_is_queued_once_and_other_work_again(medlyt_home, danish_dir):
    with Store(medlyt_home) as store:
        meeting_id = new_meeting(store, danish_dir / AUDIO)
        first = tasks.queue_processing(store, meeting_id, "base", by="olga")
        again = tasks.queue_processing(store, meeting_id, "base", by="anne")
        other_model = tasks.queue_processing(store, meeting_id, "roest-v3", by="olga")
        assert again.id == first.id and other_model.id != first.id
        assert (first.state, first.queued_by, first.progress) == ("queued", "olga", 0.0)
        queued = [e for e in store.audit_entries(meeting_id) if e.action == audit.JOB_QUEUED]
        assert [e.user for e in queued] == ["olga", "olga"]


def test_nothing_to_process_or_no_consent_is_refused_before_it_is_queued(medlyt_home, danish_dir):
    with Store(medlyt_home) as store:
        silent = new_meeting(store)
        with pytest.raises(MeetingError, match="ingen optagelse"):
            tasks.queue_processing(store, silent, "base")
        with_sound = new_meeting(store, danish_dir / AUDIO)
        store.record_consent(with_sound, "borger", True, "verbal")
        meeting = store.create_meeting("Uden samtykke", [Participant("borger", "Borger")])
        with pytest.raises(ConsentError):
            store.queue_job(meeting.id, tasks.PROCESS, "k", "base")
        assert store.jobs() == []


@pytest.mark.sqlite_only("the embedded worker's own claim; central mode's Procrastinate recovers a dead worker's "
                        "job (test_a_worker_killed_mid_job_has_its_job_finished_by_the_next_once)")
def test_a_silent_workers_job_goes_to_the_next_worker(medlyt_home, danish_dir):
    with Store(medlyt_home) as store:
        meeting_id = new_meeting(store, danish_dir / AUDIO)
        job = tasks.queue_processing(store, meeting_id, "base")
        assert store.claim_job("a:1", stale_after_s=60).id == job.id
        assert store.claim_job("b:2", stale_after_s=60) is None  # a is alive
        assert store.job_beat(job.id, "a:1", 0.5)
        time.sleep(1.1)
        taken = store.claim_job("b:2", stale_after_s=1.0)  # a has been silent for over a second
        assert (taken.id, taken.worker, taken.attempts, taken.progress) == (job.id, "b:2", 2, 0.0)
        assert not store.job_beat(job.id, "a:1", 0.9)  # a learns it is no longer its job
        store.finish_job(job.id, "a:1")  # and cannot end it either
        assert store.job(job.id).state == "running"


def test_a_worker_process_does_the_job_as_the_command_would(home_with_model, danish_dir):
    with Store(home_with_model) as store:
        by_job, by_command = new_meeting(store, danish_dir / AUDIO), new_meeting(store, danish_dir / AUDIO)
        job = tasks.queue_processing(store, by_job, "base", by="olga")
        process_meeting(store, home_with_model, by_command, "base")
    worker = start_worker(home_with_model, "--until-idle", "2")
    out, _ = worker.communicate(timeout=300)
    assert worker.returncode == 0, out
    with Store(home_with_model) as store:
        done = store.job(job.id)
        assert (done.state, done.progress, done.message) == ("done", 1.0, ""), out
        assert [s.text for s in store.segments(by_job)] == [s.text for s in store.segments(by_command)]
        saved = [e for e in store.audit_entries(by_job) if e.action == audit.TRANSCRIPT_SAVED]
        assert [e.user for e in saved] == ["olga"]  # the one who asked for it
        assert store.get_meeting(by_job).status == "processed"


@pytest.mark.sqlite_only("one worker per data directory is the embedded mode's rule; central workers share the queue")
def test_a_second_worker_for_the_same_data_directory_leaves_the_work_to_the_first(home_with_model):
    first = start_worker(home_with_model, "--until-idle", "5")
    try:
        time.sleep(2)
        second = subprocess.run([sys.executable, "-m", "medlyt.cli", "worker", "--until-idle", "1"], cwd=REPO,
                                env={**os.environ, "MEDLYT_HOME": str(home_with_model)}, capture_output=True,
                                text=True, timeout=60)
        assert second.returncode == 0 and "kører allerede" in second.stdout
    finally:
        first.communicate(timeout=60)


def test_a_worker_killed_mid_job_has_its_job_finished_by_the_next_once(home_with_model, long_audio):
    with Store(home_with_model) as store:
        meeting_id = new_meeting(store, long_audio)
        job = tasks.queue_processing(store, meeting_id, "base")
    killed = start_worker(home_with_model, "--until-idle", "30")
    with Store(home_with_model) as store:
        wait_for(lambda: store.job(job.id).state == "running")
    time.sleep(3)  # into the work: the model loaded, the recording being read
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait(timeout=30)
    with Store(home_with_model) as store:
        assert store.job(job.id).state == "running"  # as the dead worker left it
    started = time.monotonic()
    successor = start_worker(home_with_model, "--until-idle", "2", "--stale-after", "5")
    out, _ = successor.communicate(timeout=300)
    with Store(home_with_model) as store:
        done = store.job(job.id)
        assert (done.state, done.attempts) == ("done", 2), out
        saved = [e for e in store.audit_entries(meeting_id) if e.action == audit.TRANSCRIPT_SAVED]
        assert len(saved) == 1  # no half and no second transcript
    assert time.monotonic() - started < 120


def test_withdrawal_while_the_job_runs_stops_it_and_leaves_nothing(home_with_model, long_audio, backend):
    with Store(home_with_model) as store:
        meeting_id = new_meeting(store, long_audio)
        job = tasks.queue_processing(store, meeting_id, "base")
    worker = start_worker(home_with_model, "--until-idle", "2")
    with Store(home_with_model) as store:
        wait_for(lambda: store.job(job.id).state == "running")
        time.sleep(3)
        store.withdraw(meeting_id, by="anne")
    out, _ = worker.communicate(timeout=300)
    assert worker.returncode == 0 and f"Job {job.id}: gone." in out, out
    with Store(home_with_model) as store:
        assert store.job(job.id) is None
        with pytest.raises(MeetingWithdrawn):
            store.get_meeting(meeting_id)
        actions = [e.action for e in store.audit_entries(meeting_id)]
        assert audit.TRANSCRIPT_SAVED not in actions and actions[-1] == audit.WITHDRAWN
    assert not [p for p in (home_with_model / "audio").iterdir() if meeting_id in p.name]
    # The only rows that name it are its tombstone's, in the audit log.
    db = raw(home_with_model)
    for table in schema.metadata.sorted_tables:
        if "meeting_id" in table.c and table.name != "audit":
            assert db.execute(f"SELECT count(*) FROM {table.name} WHERE meeting_id = ?", (meeting_id,)).fetchone()[0] == 0
    db.close()
    if backend == "postgresql":  # and a pg_dump (no index pages in it, unlike the SQLite file) says the same
        assert stored_bytes(home_with_model).count(meeting_id.encode()) == len(actions)


@pytest.mark.postgresql_only("several workers at once is central mode; embedded mode has one per data directory")
def test_six_meetings_two_workers_each_processed_once_as_embedded_mode_would(home_with_model, danish_dir):
    clips = ["u0042008.wav", "u0042009.wav", "u0042010.wav"]
    with Store(home_with_model) as store:
        meetings = [(new_meeting(store, danish_dir / clip), clip) for clip in clips * 2]
        jobs = [tasks.queue_processing(store, meeting_id, "base") for meeting_id, _ in meetings]
    workers = [start_worker(home_with_model, "--until-idle", "3") for _ in range(2)]
    outputs = [worker.communicate(timeout=600)[0] for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), outputs
    assert all("Behandler møde" in out for out in outputs), outputs  # both took work
    embedded = embedded_transcripts(home_with_model, danish_dir, clips)
    with Store(home_with_model) as store:
        for job, (meeting_id, clip) in zip(jobs, meetings):
            done = store.job(job.id)
            assert (done.state, done.attempts) == ("done", 1)
            saved = [e for e in store.audit_entries(meeting_id) if e.action == audit.TRANSCRIPT_SAVED]
            assert len(saved) == 1
            assert [(s.start, s.end, s.text, s.speaker) for s in store.segments(meeting_id)] == embedded[clip]
        assert store.verify_audit() == []


def embedded_transcripts(models_from: Path, danish_dir, clips) -> dict:
    """The same clips processed by `medlyt process` in a data directory of its own (SQLite)."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as other:
        home = Path(other)
        shutil.copytree(models_from / "models", home / "models", copy_function=os.link)
        found = {}
        with Store(home, database="") as store:
            for clip in clips:
                meeting_id = new_meeting(store, danish_dir / clip)
                process_meeting(store, home, meeting_id, "base")
                found[clip] = [(s.start, s.end, s.text, s.speaker) for s in store.segments(meeting_id)]
        return found


@pytest.mark.postgresql_only("restarts the PostgreSQL server")
def test_a_database_restart_mid_job_loses_no_job(home_with_model, long_audio, danish_dir, postgres_sockets):
    from tests.postgres import restart

    with Store(home_with_model) as store:
        meeting_id = new_meeting(store, long_audio)
        job = tasks.queue_processing(store, meeting_id, "base")
    worker = start_worker(home_with_model, "--until-idle", "5", "--stale-after", "8")
    with Store(home_with_model) as store:
        wait_for(lambda: store.job(job.id).state == "running")
    time.sleep(2)
    restart(postgres_sockets)  # every open connection is cut
    with Store(home_with_model) as store:  # queued while the worker is busy, after the restart
        later = tasks.queue_processing(store, new_meeting(store, danish_dir / "u0042008.wav"), "base")
    out, _ = worker.communicate(timeout=600)
    assert worker.returncode == 0, out
    with Store(home_with_model) as store:
        assert store.job(job.id).state == "done" and store.job(later.id).state == "done", out
        saved = [e for e in store.audit_entries(meeting_id) if e.action == audit.TRANSCRIPT_SAVED]
        assert len(saved) == 1
        assert store.verify_audit() == []


def test_reanalysis_is_a_job_done_with_the_settings_where_the_worker_runs(medlyt_home, danish_dir, tmp_path,
                                                                          monkeypatch, backend):
    """New settings for the organisation: `medlyt analyse --all` queues (central) or does (embedded)
    the figures and flags again from the stored transcripts; no model is needed for it."""
    from feedback.analysis import analyser
    from meetings.records import Segment, Speaker, Speech

    with Store(medlyt_home) as store:
        meeting_id = new_meeting(store, danish_dir / AUDIO)
        store.save_transcript(meeting_id, [Segment(0.5, 30.0, "Jeg vil gerne fortælle om planen for dig", speaker="S1"),
                                           Segment(31.0, 36.0, "Ja tak", speaker="S2")], "base",
                              [Speaker("S1", "Sagsbehandler", "sagsbehandler"), Speaker("S2", "Borger", "borger")],
                              analyser(), [Speech(0.5, 30.0, "S1", -30.0), Speech(31.0, 36.0, "S2", -30.0)])
        assert store.analysis(meeting_id).config_source == "standard"
    settings = tmp_path / "organisation.toml"
    settings.write_text("[thresholds]\nlong_monologue_s = 20\n", encoding="utf-8")
    monkeypatch.setenv("MEDLYT_CONFIG", str(settings))  # the organisation's, on every machine
    asked = subprocess.run([sys.executable, "-m", "medlyt.cli", "analyse", "--all"], cwd=REPO, capture_output=True,
                           text=True, env={**os.environ, "MEDLYT_HOME": str(medlyt_home)}, timeout=120)
    assert asked.returncode == 0, asked.stderr
    if backend == "postgresql":
        assert "1 møde i kø til ny analyse" in asked.stdout
        worker = start_worker(medlyt_home, "--until-idle", "2")  # this data directory has no model at all
        out, _ = worker.communicate(timeout=120)
        with Store(medlyt_home) as store:
            job = store.latest_job(meeting_id)
            assert (job.kind, job.state, job.model) == (tasks.ANALYSE, "done", None), out
    else:
        assert f"{meeting_id}: analyseret igen med {settings}" in asked.stdout
    with Store(medlyt_home) as store:
        analysis = store.analysis(meeting_id)
        assert analysis.config_source == str(settings)
        assert "long_monologue" in {f.kind for f in analysis.flags}  # 29.5 s is a monologue under 20 s limits
        with pytest.raises(MeetingError, match="ikke transskriberet"):
            tasks.queue_reanalysis(store, new_meeting(store, danish_dir / AUDIO))
