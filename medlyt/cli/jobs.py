"""`medlyt worker` and `medlyt jobs`: the processing queue from the command line."""

import argparse
import time
from pathlib import Path

from medlyt.tasks import DEFAULT_QUEUE, QUEUES, STALE_AFTER_S
from meetings.db.engine import central
from meetings.errors import MeetingError
from meetings.store import Store

FOLLOW_EVERY_S = 1.0

STATE_LABELS = {"queued": "i kø", "running": "behandles", "failed": "fejlet", "done": "færdig"}


def job_line(job) -> str:
    state = STATE_LABELS.get(job.state, job.state)
    if job.state == "running":
        state += f" {job.progress:.0%}".replace("%", " %")
    elif job.state == "failed":
        state += f": {job.message}"
    return f"{job.id:>5}  {job.meeting_id}  {job.model or '–'}  {state}"


def queue_and_follow(home: Path, meeting_id: str, model: str | None, wait: bool, by: str | None,
                     queue: str | None = None) -> None:
    """Central mode's `medlyt process`: the meeting goes in the queue; with `wait`, follow it."""
    from medlyt import tasks

    with Store(home) as store:
        job = tasks.queue_processing(store, meeting_id, model, by=by, queue=queue)
        print(f"Mødet {meeting_id} er i kø til behandling (job {job.id}, model {job.model}). Følg med: medlyt jobs")
        if wait:
            follow(store, job)


def follow(store: Store, job) -> None:
    """Show the job's state as it changes, until it has ended; its failure as the error."""
    shown = None
    while job.state in ("queued", "running"):
        line = job_line(job)
        if line != shown:
            print(line, flush=True)
            shown = line
        time.sleep(FOLLOW_EVERY_S)
        found = store.job(job.id)
        if found is None:
            raise MeetingError(f"Mødet {job.meeting_id} blev slettet undervejs; intet er gemt.")
        job = found
    if job.state == "failed":
        raise MeetingError(f"Jobbet for {job.meeting_id} fejlede: {job.message}")
    print(f"Færdig. Se: medlyt show {job.meeting_id}")


def cmd_worker(args, home: Path) -> None:
    from medlyt.worker import WorkerBusy, serve, worker_name

    if central(home):
        from medlyt import queue

        queue.serve(home, args.queue, args.concurrency, worker_name(), args.stale_after, args.until_idle)
        print("Ingen flere job; workeren stopper.")
        return
    if args.concurrency != 1 or args.queue != DEFAULT_QUEUE:
        raise MeetingError("--queue og --concurrency bruges i central drift; i indlejret drift tager én worker "
                         "jobbene et ad gangen.")
    try:
        taken = serve(home, args.until_idle, stale_after_s=args.stale_after)
    except WorkerBusy:
        print("En anden medlyt-worker kører allerede for denne datamappe; den tager jobbene.")
        return
    print(f"Ingen flere job; workeren stopper efter {taken} job.")


def cmd_jobs(args, home: Path) -> None:
    with Store(home) as store:
        jobs = store.jobs(args.limit)
    if not jobs:
        print("Ingen job endnu. Et møde sættes i kø fra dashboardet (Behandl).")
        return
    print("   id  møde          model  tilstand")
    for job in jobs:
        print(job_line(job))


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("skal være et helt tal på mindst 1")
    return int(text)


def configure(commands) -> None:
    worker = commands.add_parser("worker", help="tag behandlingsjob fra køen og udfør dem (holder modellen indlæst)")
    worker.add_argument("--until-idle", type=float, default=None, metavar="SEK",
                        help="stop efter så mange sekunder uden job (standard: kør til den stoppes)")
    worker.add_argument("--stale-after", type=float, default=STALE_AFTER_S, metavar="SEK",
                        help=f"et job, hvis worker har været tavs så længe, tages op igen (standard {STALE_AFTER_S:g})")
    worker.add_argument("--queue", choices=QUEUES, default=DEFAULT_QUEUE,
                        help="central drift: hvilken kø workeren tager job fra (standard cpu; gpu til en maskine med GPU)")
    worker.add_argument("--concurrency", type=positive, default=1, metavar="N",
                        help="central drift: så mange job ad gangen i denne proces, på én indlæst model (standard 1)")
    worker.set_defaults(handler=cmd_worker)
    jobs = commands.add_parser("jobs", help="vis behandlingskøen: i kø, behandles, fejlet, færdig")
    jobs.add_argument("--limit", type=int, default=50, help="højst så mange, nyeste først (standard 50)")
    jobs.set_defaults(handler=cmd_jobs)
