"""Central mode from the operator's side: `medlyt db`, bad configuration told in one Danish line
(exit 2, the password never shown, nothing half done), many writers on one audit chain, and
`medlyt process` that queues for the workers. Real PostgreSQL, real medlyt processes."""

import os
import subprocess
import sys
from pathlib import Path

from meetings import audit, keys
from meetings.records import Consent, Participant, now_iso
from meetings.store import Store
from tests.conftest import REPO
from tests.postgres import bin_dir

PASSWORD = "Hemmelig-Adgang-42"


def medlyt(home: Path, *args: str, url: str | None = None, env: dict | None = None, timeout: float = 120):
    environment = {**os.environ, "MEDLYT_HOME": str(home), **(env or {})}
    if url is not None:
        environment["MEDLYT_DATABASE_URL"] = url
    return subprocess.run([sys.executable, "-m", "medlyt.cli", *args], cwd=REPO, env=environment,
                          capture_output=True, text=True, timeout=timeout)


def one_danish_line(done, *expected: str) -> str:
    """The run failed as promised: exit 2, one line on stderr, no traceback, no password."""
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def with_password(url: str, user: str = "medlyt") -> str:
    return url.replace("medlyt@", f"{user}:{PASSWORD}@", 1)


def test_the_operator_upgrades_once_then_every_process_uses_it(medlyt_home, postgres_url):
    before = medlyt(medlyt_home, "meeting", "list", url=postgres_url)
    one_danish_line(before, "skema 0", "medlyt db upgrade")
    assert not (medlyt_home / "audio").exists()  # nothing made before the operator's step
    check = medlyt(medlyt_home, "db", "check", url=postgres_url)
    one_danish_line(check, "medlyt db upgrade")
    done = medlyt(medlyt_home, "db", "upgrade", url=with_password(postgres_url))
    assert done.returncode == 0 and "oprettet med skema" in done.stdout and PASSWORD not in done.stdout, done.stderr
    assert medlyt(medlyt_home, "db", "upgrade", url=postgres_url).stdout.count("intet at gøre") == 1
    check = medlyt(medlyt_home, "db", "check", url=with_password(postgres_url))
    assert check.returncode == 0 and "PostgreSQL, central" in check.stdout and "Alt i orden" in check.stdout
    assert PASSWORD not in check.stdout and "***" in check.stdout
    assert medlyt(medlyt_home, "meeting", "list", url=postgres_url).returncode == 0


def test_an_unreachable_database_or_wrong_user_or_no_such_database_is_one_line(medlyt_home, postgres_url, tmp_path):
    gone = f"postgresql+psycopg://medlyt:{PASSWORD}@/medlyt?host={tmp_path / 'ingen-server'}"
    one_danish_line(medlyt(medlyt_home, "meeting", "list", url=gone), "Kan ikke nå databasen", "***")
    stranger = with_password(postgres_url, user="ukendt")
    one_danish_line(medlyt(medlyt_home, "db", "check", url=stranger), "afviste brugeren")
    sockets = postgres_url.split("?host=", 1)[1]
    missing = f"postgresql+psycopg://medlyt:{PASSWORD}@/findes_ikke?host={sockets}"
    one_danish_line(medlyt(medlyt_home, "db", "upgrade", url=missing), "findes ikke")
    assert not list(medlyt_home.iterdir())  # nothing half made


def test_a_newer_schema_is_refused_and_left_alone(medlyt_home, postgres_url):
    assert medlyt(medlyt_home, "db", "upgrade", url=postgres_url).returncode == 0
    sql = "UPDATE alembic_version SET version_num = '0099'"
    subprocess.run([str(bin_dir() / "psql"), "-q", "-d", postgres_url.replace("+psycopg", ""), "-c", sql], check=True)
    one_danish_line(medlyt(medlyt_home, "meeting", "list", url=postgres_url), "nyere version", "Opdatér medlyt")
    one_danish_line(medlyt(medlyt_home, "db", "upgrade", url=postgres_url), "nyere version")


def test_a_worker_without_the_key_or_the_audio_share_says_so(medlyt_home, postgres_url, tmp_path):
    assert medlyt(medlyt_home, "db", "upgrade", url=postgres_url).returncode == 0
    other_machine = tmp_path / "worker-uden-deling"
    one_danish_line(medlyt(other_machine, "worker", "--until-idle", "1", url=postgres_url), "Lydmappen", "Montér")
    no_key = {keys.KEY_FILE_ENV: str(tmp_path / "ingen-nøgle")}
    one_danish_line(medlyt(medlyt_home, "worker", "--until-idle", "1", url=postgres_url, env=no_key),
                    "Krypteringsnøglen mangler")


def test_four_processes_appending_at_once_keep_one_chain(medlyt_home, postgres_url, monkeypatch):
    assert medlyt(medlyt_home, "db", "upgrade", url=postgres_url).returncode == 0
    monkeypatch.setenv("MEDLYT_DATABASE_URL", postgres_url)
    each = 40
    script = (f"from meetings.store import Store\nfrom meetings import audit\nimport sys\n"
              f"with Store(sys.argv[1]) as store:\n"
              f"    for n in range({each}):\n"
              f"        store.log(audit.VIEWED, None, 'proces-' + sys.argv[2], f'page={{n}}')\n")
    writers = [subprocess.Popen([sys.executable, "-c", script, str(medlyt_home), str(n)], cwd=REPO,
                                env={**os.environ, "MEDLYT_HOME": str(medlyt_home)}) for n in range(4)]
    assert [w.wait(timeout=300) for w in writers] == [0, 0, 0, 0]
    with Store(medlyt_home) as store:
        records = store.audit_records()
        assert [r.id for r in records] == list(range(1, 4 * each + 1))
        assert {r.user for r in records} == {f"proces-{n}" for n in range(4)}
        assert store.verify_audit() == []


def test_process_queues_for_the_workers_and_wait_follows_to_the_end(home_with_model, postgres_url, danish_dir):
    from capture.source import import_audio

    assert medlyt(home_with_model, "db", "upgrade", url=postgres_url).returncode == 0
    os.environ["MEDLYT_DATABASE_URL"] = postgres_url
    try:
        with Store(home_with_model) as store:
            consent = Consent(True, "verbal", now_iso())
            meeting = store.create_meeting("Central", [Participant("sagsbehandler", "S", consent=consent)])
            store.attach_audio(meeting.id, lambda dest: import_audio(danish_dir / "u0042008.wav", dest))
    finally:
        del os.environ["MEDLYT_DATABASE_URL"]
    queued = medlyt(home_with_model, "process", meeting.id, url=postgres_url)
    assert queued.returncode == 0 and "i kø" in queued.stdout and "medlyt jobs" in queued.stdout, queued.stderr
    worker = subprocess.Popen([sys.executable, "-m", "medlyt.cli", "worker", "--until-idle", "5"], cwd=REPO,
                              env={**os.environ, "MEDLYT_HOME": str(home_with_model),
                                   "MEDLYT_DATABASE_URL": postgres_url},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        followed = medlyt(home_with_model, "process", meeting.id, "--wait", url=postgres_url, timeout=300)
    finally:
        worker.wait(timeout=120)
    assert followed.returncode == 0 and f"medlyt show {meeting.id}" in followed.stdout, followed.stderr
    jobs = medlyt(home_with_model, "jobs", url=postgres_url)
    assert "færdig" in jobs.stdout and jobs.stdout.count(meeting.id) == 1  # asked twice, done once
    one_danish_line(medlyt(home_with_model, "process", meeting.id, "--speakers", "2", url=postgres_url),
                    "central drift")
    with Store(home_with_model, database=postgres_url) as store:
        assert store.get_meeting(meeting.id).status == "processed"
        assert [e.action for e in store.audit_entries(meeting.id)].count(audit.TRANSCRIPT_SAVED) == 1


def test_the_dashboard_says_on_the_page_when_the_database_cannot_be_reached(medlyt_home, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.dashboard.conftest import APP

    monkeypatch.setenv("MEDLYT_DATABASE_URL", f"postgresql+psycopg://medlyt:{PASSWORD}@/medlyt?host={tmp_path}")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert [e.value for e in at.error] and "Kan ikke nå databasen" in at.error[0].value
    assert PASSWORD not in at.error[0].value
