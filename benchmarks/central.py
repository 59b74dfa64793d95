"""Central mode against embedded, in one run on the same machine.

(a) Processing: --meetings meetings of --minutes each (the shared clip of read Danish, tiled) are
    processed three ways, with the base model: embedded, one `medlyt process` after the other
    (SQLite); central, all queued, through 1 `medlyt worker`; and through 2 workers at once. Each
    worker runs with one thread (OMP_NUM_THREADS=1), so two workers use the two cores as one
    embedded process does. Wall time from the first job queued to the last one done.
(b) The Møder page, and a meeting's overview, with --pages-meetings meetings in the store and
    --users simulated users at once (processes running the page's script through Streamlit's
    AppTest, logged in, each --page-runs times after one warm-up): p50 and p95 of a page run,
    SQLite against PostgreSQL.

    python benchmarks/central.py [--meetings 8] [--minutes 5] [--pages-meetings 1000] [--users 10]

PostgreSQL is started in a temporary directory as the tests do (tests/postgres.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.dashboard_speed import tiled_wav  # noqa: E402
from meetings.records import Consent, Participant, Segment, Speaker, Speech, now_iso  # noqa: E402
from meetings.store import Store  # noqa: E402
from tests import postgres  # noqa: E402

PASSWORD = "benchmark-adgangskode-1"


def medlyt(home: Path, *args: str, url: str | None = None, threads: int | None = None) -> subprocess.Popen:
    env = {**os.environ, "MEDLYT_HOME": str(home), "MEDLYT_DATABASE_URL": url or ""}
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    return subprocess.Popen([sys.executable, "-m", "medlyt.cli", *args], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def new_home(models_from: Path, root: Path, name: str, url: str | None = None) -> Path:
    home = root / name
    home.mkdir()
    shutil.copytree(models_from / "models", home / "models", copy_function=os.link)
    Store(home, database=url or "", upgrade=True).close()
    return home


def recorded_meetings(home: Path, url: str | None, count: int, minutes: float) -> list[str]:
    consent = Consent(True, "verbal", now_iso())
    ids = []
    with Store(home, database=url or "") as store:
        for n in range(count):
            meeting = store.create_meeting(f"Benchmark {n + 1}", [
                Participant("sagsbehandler", "Sagsbehandler", consent=consent),
                Participant("borger", "Borger", consent=consent)])
            store.attach_audio(meeting.id, tiled_wav(minutes * 60))
            ids.append(meeting.id)
    return ids


def embedded_sequential(home: Path, ids: list[str]) -> float:
    start = time.monotonic()
    for meeting_id in ids:
        run = medlyt(home, "process", meeting_id)
        _, err = run.communicate()
        if run.returncode:
            raise SystemExit(f"medlyt process fejlede: {err}")
    return time.monotonic() - start


def central(home: Path, url: str, ids: list[str], workers: int) -> float:
    from medlyt import tasks

    start = time.monotonic()
    with Store(home, database=url) as store:
        for meeting_id in ids:
            tasks.queue_processing(store, meeting_id, "base")
    running = [medlyt(home, "worker", "--until-idle", "1", url=url, threads=1) for _ in range(workers)]
    with Store(home, database=url) as store:
        while any(store.latest_job(m).state in ("queued", "running") for m in ids):
            time.sleep(0.2)
        done = time.monotonic() - start
        failed = [m for m in ids if store.latest_job(m).state != "done"]
    for worker in running:
        worker.communicate(timeout=120)
    if failed:
        raise SystemExit(f"job fejlede: {failed}")
    return done


def many_meetings(home: Path, url: str | None, count: int) -> None:
    """`count` small processed meetings of the caseworker `anne`, through the real store."""
    from feedback.analysis import analyser

    consent = Consent(True, "verbal", now_iso())
    segments = [Segment(0.5, 3.0, "Har du søgt job i denne uge?", speaker="S1"),
                Segment(3.5, 9.0, "Ja, to steder, og jeg venter på svar.", speaker="S2")]
    speech = [Speech(0.5, 3.0, "S1", -30.0), Speech(3.5, 9.0, "S2", -30.0)]
    speakers = [Speaker("S1", "Sagsbehandler", "sagsbehandler"), Speaker("S2", "Borger", "borger")]
    with Store(home, database=url or "") as store:
        store.add_user("anne", "sagsbehandler", PASSWORD)
        for n in range(count):
            meeting = store.create_meeting(f"Møde {n + 1}", [
                Participant("sagsbehandler", "Sagsbehandler", consent=consent, user="anne"),
                Participant("borger", "Borger", consent=consent)])
            store.save_transcript(meeting.id, segments, "base", speakers, analyser(), speech)


USER_SCRIPT = """
import sys, time, json
from streamlit.testing.v1 import AppTest
from dashboard.auth import TOKEN_KEY
from dashboard.sessions import open_login
runs = int(sys.argv[2])
at = AppTest.from_file(sys.argv[1], default_timeout=120)
at.session_state[TOKEN_KEY] = open_login("anne")
title = "Møder"
if len(sys.argv) > 3:  # a meeting's overview
    at.query_params["meeting"] = sys.argv[3]
at.run()  # the app registers its pages on the first run
if len(sys.argv) > 3:
    at.switch_page("views/overview.py")
    at.run()
    title = None  # the meeting's own title ("Møde 7")
times = []
for _ in range(runs):
    start = time.perf_counter()
    at.run()
    times.append(time.perf_counter() - start)
assert not at.exception and at.title[0].value.startswith(title or "Møde "), at.exception
print(json.dumps(times))
"""


def page_times(home: Path, url: str | None, users: int, runs: int, meetings: list[str] | None = None) -> list[float]:
    """The Møder page, or with `meetings` each user on the overview of one of them."""
    import json

    env = {**os.environ, "MEDLYT_HOME": str(home), "MEDLYT_DATABASE_URL": url or ""}
    procs = [subprocess.Popen([sys.executable, "-c", USER_SCRIPT, str(REPO / "dashboard" / "app.py"), str(runs),
                               *([meetings[n % len(meetings)]] if meetings else [])],
                              cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n in range(users)]
    times = []
    for proc in procs:
        out, err = proc.communicate(timeout=3600)
        if proc.returncode:
            raise SystemExit(f"en simuleret bruger fejlede: {err[-2000:]}")
        times += json.loads(out.strip().splitlines()[-1])
    return times


def quantiles(times: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(times, n=20)
    return statistics.median(times), cuts[18]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meetings", type=int, default=8)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--pages-meetings", type=int, default=1000)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--page-runs", type=int, default=5)
    parser.add_argument("--skip-processing", action="store_true")
    args = parser.parse_args()
    from models.store import install_base

    with tempfile.TemporaryDirectory() as tmp, postgres.cluster() as sockets:
        root = Path(tmp)
        os.environ.setdefault("MEDLYT_KEY_FILE", str(root / "key"))
        model_home = root / "models-home"
        install_base(model_home)
        if not args.skip_processing:
            embedded = new_home(model_home, root, "embedded")
            seconds = {"embedded": embedded_sequential(
                embedded, recorded_meetings(embedded, None, args.meetings, args.minutes))}
            for workers in (1, 2):
                url = postgres.create_database(sockets, f"workers{workers}")
                home = new_home(model_home, root, f"central{workers}", url)
                seconds[f"{workers} worker(s)"] = central(home, url, recorded_meetings(
                    home, url, args.meetings, args.minutes), workers)
            print(f"(a) {args.meetings} møder à {args.minutes:g} min, base:")
            for name, value in seconds.items():
                print(f"    {name:<14} {value:7.1f} s   {value / seconds['embedded']:.2f} × indlejret")
        print(f"(b) Møder-siden med {args.pages_meetings} møder, {args.users} brugere samtidig, "
              f"{args.page_runs} kørsler hver:")
        for backend in ("sqlite", "postgresql"):
            url = postgres.create_database(sockets, "pages") if backend == "postgresql" else None
            home = root / f"pages-{backend}"
            Store(home, database=url or "", upgrade=True).close()
            many_meetings(home, url, args.pages_meetings)
            p50, p95 = quantiles(page_times(home, url, args.users, args.page_runs))
            print(f"    {backend:<10} Møder      p50 {p50:.2f} s   p95 {p95:.2f} s")
            with Store(home, database=url or "") as store:
                some = [m.id for m in store.list_meetings()[:args.users]]
            p50, p95 = quantiles(page_times(home, url, args.users, args.page_runs, some))
            print(f"    {backend:<10} overblik   p50 {p50:.2f} s   p95 {p95:.2f} s")


if __name__ == "__main__":
    main()
