"""Processing jobs (medlyt/tasks.py, medlyt/worker.py): the store's methods for them, part of
meetings.store.Store.
"""
import time
from collections.abc import Callable

from sqlalchemy import Connection

from meetings import audit
from meetings.consent import require_consent
from meetings.errors import MeetingError
from meetings.records import Job, now_iso
from meetings.repo import jobs as job_rows


class JobsMixin:
    """Jobs queued once per piece of work, claimed, kept alive and finished by workers."""

    def queue_job(self, meeting_id: str, kind: str, work_key: str, model: str | None, by: str | None = None,
                  enqueue: Callable[[Connection, Job], None] | None = None) -> Job:
        """Queue the work once: the job already open for the same work (meeting, recording,
        model) is the answer to asking again. Only a recorded meeting with everyone's consent.
        `enqueue` hands a new job to a queue (central mode's Procrastinate) in the same
        transaction as its row: both are kept, or neither."""
        with self._transaction(write=True) as conn:
            meeting = self._load(conn, meeting_id)
            require_consent(meeting)
            if meeting.audio is None:
                raise MeetingError("Mødet har ingen optagelse endnu; der er intet at behandle.")
            found = job_rows.open_for(conn, work_key)
            if found is not None:
                return found
            now = now_iso()
            job_id = job_rows.insert(conn, meeting_id, kind, work_key, model, by, now)
            self._audit(conn, now, audit.JOB_QUEUED, meeting_id, f"job={job_id} kind={kind} model={model}", by)
            job = job_rows.get(conn, job_id)
            if enqueue is not None:
                enqueue(conn, job)
            return job

    def claim_job(self, worker: str, stale_after_s: float) -> Job | None:
        """The oldest queued job, now this worker's; jobs of workers silent for `stale_after_s`
        are queued again first, so a killed worker's job is taken up by the next claim."""
        now = time.time()
        with self._transaction(write=True) as conn:
            job_rows.requeue_stale(conn, now - stale_after_s)
            return job_rows.claim_next(conn, worker, now, now_iso())

    def take_job(self, job_id: int, worker: str) -> Job | None:
        """This job, now this worker's (central mode: the queue chose it, also when a worker
        taken for dead had it); None when it is withdrawn or already ended."""
        with self._transaction(write=True) as conn:
            return job_rows.take(conn, job_id, worker, time.time(), now_iso())

    def job_beat(self, job_id: int, worker: str, progress: float | None = None) -> bool:
        """Alive, and this far (0..1); False when the job is no longer this worker's to do."""
        with self._transaction(write=True) as conn:
            return job_rows.beat(conn, job_id, worker, time.time(), progress)

    def finish_job(self, job_id: int, worker: str, failed: str | None = None) -> None:
        """Done, or failed with a Danish reason (never content); a job withdrawn meanwhile has
        no row left to finish."""
        with self._transaction(write=True) as conn:
            job = job_rows.get(conn, job_id)
            if job is None:
                return
            if job_rows.finish(conn, job_id, worker, "failed" if failed else "done", failed or "", now_iso()) and failed:
                self._audit(conn, now_iso(), audit.JOB_FAILED, job.meeting_id, f"job={job_id}", None)

    def job(self, job_id: int) -> Job | None:
        with self._transaction() as conn:
            return job_rows.get(conn, job_id)

    def latest_job(self, meeting_id: str) -> Job | None:
        with self._transaction() as conn:
            return job_rows.latest(conn, meeting_id)

    def jobs(self, limit: int = 100) -> list[Job]:
        """The newest jobs first."""
        with self._transaction() as conn:
            return job_rows.all_jobs(conn, limit)
