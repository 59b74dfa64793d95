"""Processing jobs: queued, claimed by one worker, its progress and heartbeat, and how it ended."""

import sqlite3

from meetings.records import Job

COLUMNS = ("id, meeting_id, kind, work_key, model, state, progress, message, queued_by, queued_at, started_at,"
           " finished_at, worker, heartbeat, attempts")


def _job(row) -> Job | None:
    return Job(*row) if row else None


def get(conn: sqlite3.Connection, job_id: int) -> Job | None:
    return _job(conn.execute(f"SELECT {COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone())


def open_for(conn: sqlite3.Connection, work_key: str) -> Job | None:
    return _job(conn.execute(f"SELECT {COLUMNS} FROM jobs WHERE work_key = ? AND state IN ('queued', 'running')",
                             (work_key,)).fetchone())


def latest(conn: sqlite3.Connection, meeting_id: str) -> Job | None:
    return _job(conn.execute(f"SELECT {COLUMNS} FROM jobs WHERE meeting_id = ? ORDER BY id DESC LIMIT 1",
                             (meeting_id,)).fetchone())


def all_jobs(conn: sqlite3.Connection, limit: int) -> list[Job]:
    return [Job(*row) for row in conn.execute(f"SELECT {COLUMNS} FROM jobs ORDER BY id DESC LIMIT ?", (limit,))]


def insert(conn: sqlite3.Connection, meeting_id: str, kind: str, work_key: str, model: str | None,
           by: str | None, at: str) -> int:
    return conn.execute("INSERT INTO jobs (meeting_id, kind, work_key, model, state, queued_by, queued_at)"
                        " VALUES (?, ?, ?, ?, 'queued', ?, ?)", (meeting_id, kind, work_key, model, by, at)).lastrowid


def requeue_stale(conn: sqlite3.Connection, older_than: float) -> list[int]:
    """Running jobs whose worker stopped beating (killed, machine gone) go back in the queue."""
    return [row[0] for row in conn.execute(
        "UPDATE jobs SET state = 'queued', worker = NULL, progress = 0 WHERE state = 'running' AND heartbeat < ?"
        " RETURNING id", (older_than,))]


def claim_next(conn: sqlite3.Connection, worker: str, now: float, at: str) -> Job | None:
    row = conn.execute("SELECT id FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1").fetchone()
    if row is None:
        return None
    conn.execute("UPDATE jobs SET state = 'running', worker = ?, heartbeat = ?, started_at = ?, attempts = attempts + 1"
                 " WHERE id = ?", (worker, now, at, row[0]))
    return get(conn, row[0])


def beat(conn: sqlite3.Connection, job_id: int, worker: str, now: float, progress: float | None) -> bool:
    """The worker is alive (and this far); False when the job is no longer its own (withdrawn,
    or given to another worker after this one was taken for dead)."""
    if progress is None:
        changed = conn.execute("UPDATE jobs SET heartbeat = ? WHERE id = ? AND state = 'running' AND worker = ?",
                               (now, job_id, worker)).rowcount
    else:
        changed = conn.execute("UPDATE jobs SET heartbeat = ?, progress = ? WHERE id = ? AND state = 'running'"
                               " AND worker = ?", (now, progress, job_id, worker)).rowcount
    return changed > 0


def finish(conn: sqlite3.Connection, job_id: int, worker: str, state: str, message: str, at: str) -> bool:
    return conn.execute("UPDATE jobs SET state = ?, message = ?, finished_at = ?, progress = CASE WHEN ? = 'done'"
                        " THEN 1 ELSE progress END, worker = NULL WHERE id = ? AND worker = ?",
                        (state, message, at, state, job_id, worker)).rowcount > 0
