"""Central mode's queue is Procrastinate on the central PostgreSQL: a job is deferred with its
row and names nothing but the row's number; workers serve a queue (cpu or gpu) with a number of
jobs at once; the daily retention purge is a Procrastinate periodic task. Real worker processes
on a real PostgreSQL; the jobs' end-to-end guarantees (kill -9, restart, withdrawal, six
meetings on two workers) are in test_jobs.py, which runs on both databases."""

import datetime
import os

import psycopg
import pytest

from medlyt import queue, tasks
from meetings import audit
from meetings.errors import ConsentError, MeetingWithdrawn
from meetings.records import Participant
from meetings.store import Store
from tests.integration.test_jobs import new_meeting, start_worker
from tests.raw_db import libpq_url, raw

pytestmark = [pytest.mark.usefixtures("backend"), pytest.mark.postgresql_only("Procrastinate is central mode's queue")]


def procrastinate_jobs() -> list[tuple]:
    with psycopg.connect(libpq_url(os.environ["MEDLYT_DATABASE_URL"])) as conn:
        return conn.execute("SELECT task_name, args, queue_name, status FROM procrastinate_jobs ORDER BY id").fetchall()


def test_a_job_is_deferred_with_its_row_and_names_only_the_rows_number(medlyt_home, danish_dir, monkeypatch):
    monkeypatch.setenv("MEDLYT_MODEL_GPU", "large-v3")  # the GPU machines' model; the CPU queue keeps base
    with Store(medlyt_home) as store:
        meeting_id = new_meeting(store, danish_dir / "u0042008.wav")
        job = tasks.queue_processing(store, meeting_id)
        again = tasks.queue_processing(store, meeting_id, "base")  # the same work: no second job
        on_gpu = tasks.queue_processing(store, meeting_id, queue="gpu")
        refused = store.create_meeting("Uden samtykke", [Participant("borger", "Borger")])
        with pytest.raises(ConsentError):
            store.queue_job(refused.id, tasks.PROCESS, "k", "base", enqueue=queue.enqueue())
    assert (job.model, on_gpu.model) == ("base", "large-v3")
    assert again.id == job.id
    assert procrastinate_jobs() == [("medlyt.process", {"job_id": job.id}, "cpu", "todo"),
                                    ("medlyt.process", {"job_id": on_gpu.id}, "gpu", "todo")]


def test_a_gpu_job_waits_for_a_gpu_worker(home_with_model, danish_dir):
    with Store(home_with_model) as store:
        meeting_id = new_meeting(store, danish_dir / "u0042008.wav")
        job = tasks.queue_processing(store, meeting_id, "base", queue="gpu")
    cpu = start_worker(home_with_model, "--queue", "cpu", "--until-idle", "2")
    out, _ = cpu.communicate(timeout=120)
    assert cpu.returncode == 0 and "Behandler møde" not in out, out
    with Store(home_with_model) as store:
        assert store.job(job.id).state == "queued"
    gpu = start_worker(home_with_model, "--queue", "gpu", "--until-idle", "2")  # CPU-only here: the model says so
    out, _ = gpu.communicate(timeout=300)
    assert gpu.returncode == 0 and f"Behandler møde {meeting_id}" in out, out
    with Store(home_with_model) as store:
        assert store.job(job.id).state == "done" and store.get_meeting(meeting_id).status == "processed"
    assert procrastinate_jobs() == []  # a finished job leaves nothing in Procrastinate's tables


def test_one_worker_with_concurrency_two_does_two_jobs_at_once(home_with_model, danish_dir):
    with Store(home_with_model) as store:
        jobs = [tasks.queue_processing(store, new_meeting(store, danish_dir / clip), "base")
                for clip in ("u0042008.wav", "u0042009.wav")]
    worker = start_worker(home_with_model, "--concurrency", "2", "--until-idle", "2")
    out, _ = worker.communicate(timeout=300)
    assert worker.returncode == 0, out
    with Store(home_with_model) as store:
        first, second = (store.job(job.id) for job in jobs)
    assert first.state == second.state == "done"
    assert first.started_at < second.finished_at and second.started_at < first.finished_at  # they overlapped


def test_the_daily_purge_is_a_procrastinate_periodic_task(medlyt_home, danish_dir):
    assert [(p.task.name, p.cron) for p in queue.app.periodic_registry.periodic_tasks.values()] == \
        [("medlyt.purge", queue.PURGE_CRON)]
    with Store(medlyt_home) as store:
        due, kept = new_meeting(store, danish_dir / "u0042008.wav"), new_meeting(store, danish_dir / "u0042009.wav")
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    db = raw(medlyt_home)
    db.execute("UPDATE meetings SET delete_after = ? WHERE id = ?", (yesterday, due))
    db.close()
    # What the periodic deferrer does at 03:15: defer the task with the time it was due.
    with psycopg.connect(libpq_url(os.environ["MEDLYT_DATABASE_URL"])) as conn:
        queue.purge.configure(connection=conn).defer(timestamp=0)
    worker = start_worker(medlyt_home, "--until-idle", "2")
    out, _ = worker.communicate(timeout=120)
    assert worker.returncode == 0, out
    with Store(medlyt_home) as store:
        with pytest.raises(MeetingWithdrawn):
            store.get_meeting(due)
        assert store.get_meeting(kept).status == "recorded"
        assert [e.action for e in store.audit_entries(due)][-1] == audit.WITHDRAWN
    assert procrastinate_jobs() == []


def test_worker_options_are_for_central_mode_and_explained(home_with_model, danish_dir, monkeypatch):
    monkeypatch.delenv("MEDLYT_DATABASE_URL")  # embedded mode: one worker, one job at a time
    worker = start_worker(home_with_model, "--concurrency", "2", "--until-idle", "1")
    out, _ = worker.communicate(timeout=60)
    assert worker.returncode == 2 and out.strip().count("\n") == 0 and "central drift" in out, out


def test_a_pilots_waiting_job_copied_into_postgresql_is_done_by_a_central_worker(home_with_model, danish_dir,
                                                                                  monkeypatch):
    import subprocess
    import sys

    from tests.conftest import REPO

    url = os.environ["MEDLYT_DATABASE_URL"]
    monkeypatch.delenv("MEDLYT_DATABASE_URL")  # the pilot: SQLite in the data directory
    with Store(home_with_model) as store:
        meeting_id = new_meeting(store, danish_dir / "u0042008.wav")
        job = tasks.queue_processing(store, meeting_id, "base")
    copied = subprocess.run([sys.executable, "-m", "medlyt.cli", "db", "copy", "--to", url], cwd=REPO,
                            env={**os.environ, "MEDLYT_HOME": str(home_with_model)}, capture_output=True,
                            text=True, timeout=120)
    assert copied.returncode == 0 and "1 job, der ventede, er sat i den centrale kø" in copied.stdout, copied
    monkeypatch.setenv("MEDLYT_DATABASE_URL", url)
    assert procrastinate_jobs() == [("medlyt.process", {"job_id": job.id}, "cpu", "todo")]
    worker = start_worker(home_with_model, "--until-idle", "2")
    out, _ = worker.communicate(timeout=300)
    with Store(home_with_model) as store:
        assert store.job(job.id).state == "done" and store.get_meeting(meeting_id).status == "processed", out
