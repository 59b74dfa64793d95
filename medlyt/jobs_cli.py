"""`medlyt worker` and `medlyt jobs`: the processing queue from the command line."""

import time
from pathlib import Path

from medlyt.tasks import STALE_AFTER_S
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


def queue_and_follow(home: Path, meeting_id: str, model: str | None, wait: bool, by: str | None) -> None:
    """Central mode's `medlyt process`: the meeting goes in the queue; with `wait`, follow it."""
    from medlyt import tasks

    with Store(home) as store:
        job = tasks.queue_processing(store, meeting_id, model, by=by)
        print(f"Mødet {meeting_id} er i kø til behandling (job {job.id}, model {job.model}). Følg med: medlyt jobs")
        if not wait:
            return
        shown = None
        while job.state in ("queued", "running"):
            line = job_line(job)
            if line != shown:
                print(line, flush=True)
                shown = line
            time.sleep(FOLLOW_EVERY_S)
            job = store.job(job.id)
            if job is None:
                raise MeetingError(f"Mødet {meeting_id} blev slettet under behandlingen; intet er gemt.")
    if job.state == "failed":
        raise MeetingError(f"Behandlingen af {meeting_id} fejlede: {job.message}")
    print(f"Færdig. Se: medlyt show {meeting_id}")


def cmd_worker(args, home: Path) -> None:
    from medlyt.worker import WorkerBusy, serve

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


def configure(commands) -> None:
    worker = commands.add_parser("worker", help="tag behandlingsjob fra køen og udfør dem (holder modellen indlæst)")
    worker.add_argument("--until-idle", type=float, default=None, metavar="SEK",
                        help="stop efter så mange sekunder uden job (standard: kør til den stoppes)")
    worker.add_argument("--stale-after", type=float, default=STALE_AFTER_S, metavar="SEK",
                        help=f"et job, hvis worker har været tavs så længe, tages op igen (standard {STALE_AFTER_S:g})")
    worker.set_defaults(handler=cmd_worker)
    jobs = commands.add_parser("jobs", help="vis behandlingskøen: i kø, behandles, fejlet, færdig")
    jobs.add_argument("--limit", type=int, default=50, help="højst så mange, nyeste først (standard 50)")
    jobs.set_defaults(handler=cmd_jobs)
