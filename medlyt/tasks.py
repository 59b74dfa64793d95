"""The long steps as jobs: queueing a meeting's processing once, and what a worker does with it.

A job names its work by meeting, recording digest and model, so asking twice queues it once and
a new recording or another model is new work. A worker reports progress and a heartbeat; a job
whose worker has been silent for STALE_AFTER_S is taken up by the next worker that asks.
"""

import threading
import time
from pathlib import Path

from capture.source import AudioError
from medlyt.pipeline import Progress, process_meeting
from feedback.analysis import analyser, check_config
from feedback.config import ConfigError, load_config
from medlyt.settings import config_path, default_model
from meetings.errors import DatabaseUnavailable, MeetingError, MeetingWithdrawn
from meetings.records import Job
from meetings.store import Store
from meetings.transfer import sha256_of
from models.store import ModelError
from transcribe.whisper import TranscriptionError

PROCESS = "process"
ANALYSE = "analyse"  # figures and flags again from the stored transcript (new settings); no model
STALE_AFTER_S = 60.0  # a killed worker's job is taken up again within this (plus a poll)
HEARTBEAT_EVERY_S = 5.0
RECONNECT_S = 2.0
QUEUES = ("cpu", "gpu")  # central mode's queues: workers choose theirs
DEFAULT_QUEUE = "cpu"  # for a job that names none  # how often a worker asks a database that went away
PROGRESS_EVERY_S = 1.0


class JobGone(Exception):
    """The job is no longer this worker's: withdrawn, or given to another after this one was
    taken for dead."""


def recording_digest(store: Store, meeting_id: str) -> str:
    """SHA-256 of the sealed recording on disk: a new recording is new work."""
    meeting = store.get_meeting(meeting_id)
    if meeting.audio is None:
        raise MeetingError("Mødet har ingen optagelse endnu; der er intet at behandle.")
    return sha256_of(store.home / meeting.audio.path)


def queue_processing(store: Store, meeting_id: str, model: str | None = None, by: str | None = None,
                     queue: str | None = None) -> Job:
    """Queue the meeting's processing: in central mode a Procrastinate job on `queue` (cpu by
    default) in the same transaction; in embedded mode the row is all the local worker needs."""
    model = model or default_model(queue or DEFAULT_QUEUE if store.central else None)
    work_key = f"{PROCESS}:{meeting_id}:{recording_digest(store, meeting_id)}:{model}"
    return store.queue_job(meeting_id, PROCESS, work_key, model, by, enqueue=_enqueue(store, queue))


def queue_reanalysis(store: Store, meeting_id: str, by: str | None = None, queue: str | None = None) -> Job:
    """Queue computing the meeting's figures and flags again from its stored transcript, with
    the organisation's settings as the worker finds them; once while one is open."""
    if store.get_meeting(meeting_id).status != "processed":
        raise MeetingError(f"Mødet {meeting_id} er ikke transskriberet endnu; der er intet at analysere igen.")
    return store.queue_job(meeting_id, ANALYSE, f"{ANALYSE}:{meeting_id}", None, by, enqueue=_enqueue(store, queue))


def _enqueue(store: Store, queue: str | None):
    """In central mode, a Procrastinate job on `queue` (cpu by default) in the row's transaction;
    in embedded mode the row is all the local worker needs. The store's own database decides:
    `medlyt push` queues on the centre from a laptop."""
    if not store.central:
        return None
    from medlyt.queue import enqueue

    return enqueue(queue or DEFAULT_QUEUE)


def organisation_config(home: Path):
    """The feedback settings in force where the job runs."""
    config = load_config(config_path(home))
    check_config(config)
    return config


class Heartbeat:
    """Beats for the job while the work runs, also through long steps that report no progress."""

    def __init__(self, store: Store, job: Job, worker: str):
        self.store, self.job, self.worker = store, job, worker
        self.gone = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(HEARTBEAT_EVERY_S):
            try:
                if not self.store.job_beat(self.job.id, self.worker):
                    self.gone.set()
            except MeetingError:
                pass  # a busy database: the next beat tries again

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def progress_reporter(store: Store, job: Job, worker: str, total_s: float, heartbeat: Heartbeat) -> Progress:
    last = [0.0]

    def report(seconds_done: float) -> None:
        if heartbeat.gone.is_set():
            raise JobGone
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = now
        try:
            still_ours = store.job_beat(job.id, worker, min(seconds_done / max(total_s, 1e-6), 0.99))
        except DatabaseUnavailable:
            return  # the work goes on; the heartbeat thread keeps trying, and the save at the end decides
        if not still_ours:
            raise JobGone

    return report


def run(store: Store, home: Path, job: Job, worker: str, loaded=None) -> str:
    """Do the job; how it ended: "done", "failed" (with the reason stored), "gone", or
    "interrupted" (the database went away; the job is taken up again later)."""
    with Store(store.home) as own, Heartbeat(own, job, worker) as heartbeat:  # its own connection, for its thread
        try:
            if job.kind == ANALYSE:
                store.reanalyse(job.meeting_id, analyser(organisation_config(home)), by=job.queued_by)
            else:
                meeting = store.get_meeting(job.meeting_id)
                total = meeting.audio.duration_s if meeting.audio else 0.0
                process_meeting(store, home, job.meeting_id, job.model, on_progress=progress_reporter(
                    store, job, worker, total, heartbeat), by=job.queued_by, loaded=loaded)
        except (JobGone, MeetingWithdrawn):
            return "gone"  # nothing of it is kept: the store saves a transcript whole or not at all
        except DatabaseUnavailable:
            # Nothing was saved (a transaction is whole or nothing); the job stays running with a
            # silent heartbeat, so it goes back in the queue after STALE_AFTER_S, for any worker.
            return "interrupted"
        except (MeetingError, AudioError, ModelError, TranscriptionError, ConfigError) as error:
            store.finish_job(job.id, worker, failed=str(error))
            return "failed"
        except Exception as error:  # a fault of medlyt's own: the job ends, and says so, rather than loop
            store.finish_job(job.id, worker, failed=f"Uventet fejl under behandlingen ({type(error).__name__}). "
                                                    "Kontakt den, der driver medlyt.")
            raise
    try:
        store.finish_job(job.id, worker)
    except DatabaseUnavailable:
        return "interrupted"  # saved, but not marked done: the next worker finds the same work saved
    return "done"
