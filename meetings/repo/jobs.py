"""Processing jobs: queued, claimed by one worker, its progress and heartbeat, and how it ended."""

from sqlalchemy import Connection, select, update

from meetings.db import schema
from meetings.records import Job

jobs = schema.jobs
COLUMNS = (jobs.c.id, jobs.c.meeting_id, jobs.c.kind, jobs.c.work_key, jobs.c.model, jobs.c.state,
           jobs.c.progress, jobs.c.message, jobs.c.queued_by, jobs.c.queued_at, jobs.c.started_at,
           jobs.c.finished_at, jobs.c.worker, jobs.c.heartbeat, jobs.c.attempts)
OPEN = ("queued", "running")


def _job(row) -> Job | None:
    return Job(*row) if row else None


def get(conn: Connection, job_id: int) -> Job | None:
    return _job(conn.execute(select(*COLUMNS).where(jobs.c.id == job_id)).first())


def open_for(conn: Connection, work_key: str) -> Job | None:
    return _job(conn.execute(select(*COLUMNS).where(jobs.c.work_key == work_key, jobs.c.state.in_(OPEN))).first())


def latest(conn: Connection, meeting_id: str) -> Job | None:
    return _job(conn.execute(select(*COLUMNS).where(jobs.c.meeting_id == meeting_id)
                             .order_by(jobs.c.id.desc()).limit(1)).first())


def all_jobs(conn: Connection, limit: int) -> list[Job]:
    return [Job(*row) for row in conn.execute(select(*COLUMNS).order_by(jobs.c.id.desc()).limit(limit))]


def insert(conn: Connection, meeting_id: str, kind: str, work_key: str, model: str | None,
           by: str | None, at: str) -> int:
    return conn.execute(jobs.insert().values(meeting_id=meeting_id, kind=kind, work_key=work_key, model=model,
                                             state="queued", queued_by=by, queued_at=at)).inserted_primary_key[0]


def requeue_stale(conn: Connection, older_than: float) -> list[int]:
    """Running jobs whose worker stopped beating (killed, machine gone) go back in the queue."""
    return list(conn.scalars(update(jobs).where(jobs.c.state == "running", jobs.c.heartbeat < older_than)
                             .values(state="queued", worker=None, progress=0).returning(jobs.c.id)))


def claim_next(conn: Connection, worker: str, now: float, at: str) -> Job | None:
    # SKIP LOCKED: two PostgreSQL workers never wait for, or take, the same job (SQLite's one
    # writer at a time makes it moot there).
    job_id = conn.execute(select(jobs.c.id).where(jobs.c.state == "queued").order_by(jobs.c.id).limit(1)
                          .with_for_update(skip_locked=True)).scalar()
    if job_id is None:
        return None
    conn.execute(update(jobs).where(jobs.c.id == job_id).values(
        state="running", worker=worker, heartbeat=now, started_at=at, attempts=jobs.c.attempts + 1))
    return get(conn, job_id)


def reopen_all(conn: Connection) -> list[int]:
    """Every open job queued afresh, no worker's (a copied pilot's queue, in its new home)."""
    return sorted(conn.scalars(update(jobs).where(jobs.c.state.in_(OPEN)).values(
        state="queued", worker=None, progress=0).returning(jobs.c.id)))


def take(conn: Connection, job_id: int, worker: str, now: float, at: str) -> Job | None:
    taken = conn.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.state.in_(OPEN)).values(
        state="running", worker=worker, heartbeat=now, started_at=at, progress=0,
        attempts=jobs.c.attempts + 1)).rowcount
    return get(conn, job_id) if taken else None


def beat(conn: Connection, job_id: int, worker: str, now: float, progress: float | None) -> bool:
    """The worker is alive (and this far); False when the job is no longer its own (withdrawn,
    or given to another worker after this one was taken for dead)."""
    values = {"heartbeat": now} if progress is None else {"heartbeat": now, "progress": progress}
    return conn.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.state == "running", jobs.c.worker == worker)
                        .values(**values)).rowcount > 0


def finish(conn: Connection, job_id: int, worker: str, state: str, message: str, at: str) -> bool:
    progress = 1.0 if state == "done" else jobs.c.progress
    return conn.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.worker == worker).values(
        state=state, message=message, finished_at=at, progress=progress, worker=None)).rowcount > 0
