"""Central mode's job queue: Procrastinate on the central PostgreSQL.

medlyt's own `jobs` table stays the record a person reads (state, progress, the Danish reason a
job failed, who queued it); Procrastinate carries the work to a worker. A processing job is
deferred in the same transaction as its row (Store.queue_job's `enqueue`), so there is never a row
without work or work without a row. Its arguments are only the row's number: nothing in
Procrastinate's tables names a meeting, so a withdrawal leaves nothing there to find.

A worker killed mid-job leaves its Procrastinate job "doing" under a worker whose heartbeat
stops; every live worker looks for such jobs every RECOVER_EVERY_S and puts them back
(`recover`), and the job's row is then claimed again by whoever takes it. The daily retention
purge is a Procrastinate periodic task. Embedded mode (SQLite) has no Procrastinate: its one
local worker takes rows from the jobs table itself (medlyt/worker.py).
"""

import asyncio
import logging
import threading
import time
from pathlib import Path

import procrastinate
import psycopg
from sqlalchemy import Connection
from sqlalchemy.engine import URL

from medlyt import tasks
from meetings.db.engine import configured_url
from meetings.errors import DatabaseUnavailable
from meetings.records import Job
from meetings.store import Store

DEFAULT_QUEUE = tasks.DEFAULT_QUEUE
MAINTENANCE = "maintenance"  # every worker also serves this queue: the daily purge
RECOVER_EVERY_S = 5.0
HEARTBEAT_S = 2.0  # a Procrastinate worker's heartbeat: well inside any --stale-after
IDLE_CHECK_S = 0.5
PURGE_CRON = "15 3 * * *"  # daily, at night

app = procrastinate.App(connector=procrastinate.PsycopgConnector())
# A worker says what happens in its own Danish lines; Procrastinate's English log, with its
# tracebacks when the database goes away, is not for the person reading the service's output.
logging.getLogger("procrastinate").setLevel(logging.CRITICAL)


def conninfo(url: URL) -> str:
    """SQLAlchemy's URL as libpq takes it (the driver name is SQLAlchemy's, not libpq's)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class Context:
    """What the task functions need in this worker process: the data directory, its name, how
    many jobs run at once (the model gets as many CTranslate2 workers), and the models loaded so
    far, kept between jobs."""

    home: Path | None = None
    name: str = ""
    concurrency: int = 1
    models: dict = {}
    lock = threading.Lock()
    running = 0
    say = print

    @classmethod
    def model(cls, name: str):
        with cls.lock:
            if name not in cls.models:
                from medlyt.pipeline import load_whisper

                try:
                    cls.models[name] = load_whisper(cls.home, name, workers=cls.concurrency)
                except Exception:
                    return None  # the job itself says why it cannot be done
            return cls.models[name]

    @classmethod
    def busy(cls, change: int) -> None:
        with cls.lock:
            cls.running += change


class Interrupted(Exception):
    """The database went away mid-job: nothing was saved, and the job is tried again."""


@app.task(name="medlyt.process", queue=DEFAULT_QUEUE, retry=procrastinate.RetryStrategy(
    max_attempts=100, wait=int(tasks.RECONNECT_S * 5), retry_exceptions={Interrupted}))
def process(job_id: int) -> str:
    """Take the row (again, if a killed worker had it) and do the work; how it ended."""
    Context.busy(+1)
    try:
        with Store(Context.home) as store:
            job = store.take_job(job_id, Context.name)
            if job is None:
                return "gone"  # withdrawn, or already done by a worker taken for dead too early
            Context.say(f"Behandler møde {job.meeting_id} (job {job.id}, model {job.model}) …")
            loaded = Context.model(job.model) if job.kind == tasks.PROCESS else None
            ended = tasks.run(store, Context.home, job, Context.name, loaded)
            Context.say(f"Job {job.id}: {ended}.")
    except DatabaseUnavailable:
        ended = "interrupted"
    finally:
        Context.busy(-1)
    if ended == "interrupted":
        raise Interrupted
    return ended


@app.periodic(cron=PURGE_CRON)
@app.task(name="medlyt.purge", queue=MAINTENANCE, queueing_lock="medlyt.purge")
def purge(timestamp: int) -> int:
    """The retention purge, once a day for the whole organisation."""
    with Store(Context.home) as store:
        return len(store.purge(by="medlyt"))


def enqueue(queue: str = DEFAULT_QUEUE):
    """Store.queue_job's hook: defer the job on the row's own connection and transaction."""
    def defer(conn: Connection, job: Job) -> None:
        process.configure(queue=queue, connection=conn.connection.driver_connection).defer(job_id=job.id)
    return defer


def hand_over_open_jobs(conn: Connection) -> int:
    """`medlyt db copy` into PostgreSQL: the pilot's open jobs (its own queue, the jobs table)
    become Procrastinate jobs in the same transaction as the copy; how many."""
    from meetings.repo import jobs as job_rows

    defer = enqueue()
    opened = job_rows.reopen_all(conn)
    for job_id in opened:
        defer(conn, job_rows.get(conn, job_id))
    return len(opened)


async def recover(stale_after_s: float) -> list[int]:
    """Jobs whose worker stopped beating (killed, machine gone) go back to the queue."""
    stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stale_after_s)
    for job in stalled:
        await app.job_manager.retry_job(job)
    return [job.id for job in stalled]


async def _recover_forever(stale_after_s: float, say) -> None:
    while True:
        try:
            if taken := await recover(stale_after_s):
                say(f"Job fra en worker, der er holdt op med at svare, er sat i kø igen ({len(taken)}).")
        except procrastinate.exceptions.ConnectorException:
            pass  # the worker itself notices the database is gone
        await asyncio.sleep(RECOVER_EVERY_S)


async def waiting(queues: list[str]) -> int:
    """Jobs to do or being done in these queues (a dead worker's job among them, until it is
    recovered and done)."""
    row = await app.connector.execute_query_one_async(
        query="SELECT count(*) AS n FROM procrastinate_jobs WHERE queue_name = ANY(%(queues)s) "
              "AND status IN ('todo', 'doing')", queues=queues)
    return row["n"]


async def _serve_once(queues: list[str], concurrency: int, stale_after_s: float,
                      until_idle_s: float | None, say) -> bool:
    """One Procrastinate worker until it stops; True when it stopped for being idle: nothing
    running here and nothing waiting in its queues for `until_idle_s`."""
    worker = asyncio.create_task(app.run_worker_async(
        queues=queues, concurrency=concurrency, name=Context.name, delete_jobs="always",
        update_heartbeat_interval=HEARTBEAT_S, stalled_worker_timeout=stale_after_s,
        fetch_job_polling_interval=1.0))
    recovering = asyncio.create_task(_recover_forever(stale_after_s, say))
    busy_at = time.monotonic()
    try:
        while not worker.done():
            await asyncio.sleep(IDLE_CHECK_S)
            if until_idle_s is None:
                continue
            if Context.running or await waiting(queues):
                busy_at = time.monotonic()
            elif time.monotonic() - busy_at >= until_idle_s:
                worker.cancel()
                try:
                    await worker
                except asyncio.CancelledError:
                    pass
                return True
        worker.result()  # why it stopped, when it failed
        return False
    finally:
        recovering.cancel()


async def _open_and_serve(*args) -> bool:
    async with app.open_async():
        return await _serve_once(*args)


def serve(home: Path, queue: str, concurrency: int, name: str, stale_after_s: float, until_idle_s: float | None,
          say=print) -> None:
    """Central mode's `medlyt worker`: Procrastinate's worker on `queue` (and the maintenance
    queue), riding out a database that goes away and comes back."""
    Context.home, Context.name, Context.concurrency, Context.say = home, name, concurrency, say
    url = configured_url(home)
    away = False
    while True:
        try:
            # The key, the audio folder and the schema are right, or one Danish line.
            with Store(home), app.replace_connector(procrastinate.PsycopgConnector(conninfo=conninfo(url))):
                if away:
                    say("Databasen svarer igen.")
                    away = False
                if asyncio.run(_open_and_serve([queue, MAINTENANCE], concurrency, stale_after_s,
                                               until_idle_s, say)):
                    return
        except (DatabaseUnavailable, procrastinate.exceptions.ConnectorException, psycopg.Error, OSError) as error:
            if not away:
                reason = str(error) if isinstance(error, DatabaseUnavailable) else "Databasen svarer ikke."
                say(f"{reason} Prøver igen hvert {tasks.RECONNECT_S:g}. sekund.")
            away = True
            time.sleep(tasks.RECONNECT_S)
