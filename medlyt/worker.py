"""`medlyt worker` in embedded mode: takes queued jobs from the jobs table one at a time and does
them, keeping each Whisper model loaded between jobs. One worker serves a data directory (a lock
says which); the dashboard starts it when it queues work, and it ends after a while without any.
Central mode's workers are Procrastinate's (medlyt/queue.py), started as services.
"""

import fcntl
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from medlyt import tasks
from medlyt.pipeline import load_whisper
from meetings import private
from meetings.db.engine import central
from meetings.errors import DatabaseUnavailable
from meetings.store import Store

LOCK_NAME = "worker.lock"
POLL_S = 1.0
IDLE_EXIT_S = 120.0  # the dashboard's worker ends after this long with nothing to do


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class WorkerBusy(Exception):
    """Another worker already serves this data directory."""


@contextmanager
def the_only_worker(home: Path):
    """This is the data directory's one worker (WorkerBusy if another is)."""
    path = home / LOCK_NAME
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WorkerBusy() from None
        yield
    finally:
        os.close(fd)  # the lock goes with it, also when the process is killed


def serve(home: Path, until_idle_s: float | None = None, say=print, stale_after_s: float = tasks.STALE_AFTER_S) -> int:
    """Work until stopped (or `until_idle_s` without jobs); the number of jobs taken."""
    name, models, taken = worker_name(), {}, 0
    with the_only_worker(home), Store(home) as store:
        idle_since = time.monotonic()
        away = False  # the database is out of reach (restarting): wait for it, say so once
        while True:
            try:
                job = store.claim_job(name, stale_after_s)
            except DatabaseUnavailable as error:
                if not away:
                    say(f"{error} Prøver igen hvert {tasks.RECONNECT_S:g}. sekund.")
                away = True
                time.sleep(tasks.RECONNECT_S)
                continue
            if away:
                say("Databasen svarer igen.")
                away = False
            if job is None:
                if until_idle_s is not None and time.monotonic() - idle_since >= until_idle_s:
                    return taken
                time.sleep(POLL_S)
                continue
            taken += 1
            say(f"Behandler møde {job.meeting_id} (job {job.id}, model {job.model}) …")
            loaded = models.get(job.model)
            if loaded is None and job.kind == tasks.PROCESS:
                try:
                    loaded = models[job.model] = load_whisper(home, job.model)
                except Exception:
                    loaded = None  # the job itself says why it cannot be done
            ended = tasks.run(store, home, job, name, loaded)
            say(f"Job {job.id}: {ended}.")
            idle_since = time.monotonic()


def start_local(home: Path) -> bool:
    """Start the embedded worker in the background unless one runs; True when one was started.
    (Central mode's workers are services of their own: nothing is started here.)"""
    if central(home):
        return False
    try:
        with the_only_worker(home):
            pass
    except WorkerBusy:
        return False
    log = private.create(home / "worker.log", append=True)
    subprocess.Popen([sys.executable, "-m", "medlyt.cli", "worker", "--until-idle", str(int(IDLE_EXIT_S))],
                     env={**os.environ, "MEDLYT_HOME": str(home)}, stdin=subprocess.DEVNULL, stdout=log,
                     stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    return True
