"""Shared fixtures: a throw-away data directory per test, the real shared data, the real model."""

import os
import socket
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("MEDLYT_SHARED_DATA", REPO.parent / "shared" / "data"))
DANISH = SHARED_DATA / "danish"
DIARIZATION = SHARED_DATA / "diarization"
# Nothing a test does, not even importing a module while tests are collected, may touch the
# user's real data directory: until a fixture gives a test its own, MEDLYT_HOME is a throw-away one.
os.environ["MEDLYT_HOME"] = tempfile.mkdtemp(prefix="medlyt-test-home-")
DANISH_LONG_STORY = SHARED_DATA / "danish_long" / "librivox_dansk_den_lille_pige_med_svovlstikkerne.wav"


@pytest.fixture(scope="session", autouse=True)
def encryption_key(tmp_path_factory) -> Path:
    """One key file for the session, outside every data directory, made before any test (and
    inherited by every medlyt process a test starts); the user's real key is never touched."""
    from meetings import keys

    path = tmp_path_factory.mktemp("key") / "medlyt.key"
    os.environ[keys.KEY_FILE_ENV] = str(path)
    os.environ.pop(keys.KEY_ENV, None)
    keys.load(tmp_path_factory.mktemp("no-home"), create=True)  # prints the one-time notice here
    return path


@pytest.fixture
def medlyt_home(tmp_path, monkeypatch) -> Path:
    """Every test gets its own empty data directory; nothing touches the user's real one."""
    home = tmp_path / "medlyt-home"
    home.mkdir()
    monkeypatch.setenv("MEDLYT_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def danish_dir() -> Path:
    if not (DANISH / "manifest.csv").exists():
        pytest.fail(f"shared test data missing at {DANISH}; set MEDLYT_SHARED_DATA")
    return DANISH


@pytest.fixture(scope="session")
def model_home(tmp_path_factory) -> Path:
    """A data directory with the real base model installed once per test session."""
    from models.store import install_base

    home = tmp_path_factory.mktemp("model-home")
    install_base(home)
    return home


@pytest.fixture
def home_with_model(model_home, medlyt_home) -> Path:
    """A fresh data directory that shares the session's installed model (hard links, no copy)."""
    import shutil

    shutil.copytree(model_home / "models", medlyt_home / "models", copy_function=os.link)
    return medlyt_home


@contextmanager
def blocked_network():
    """Any attempt to open a connection fails loudly and is counted."""
    attempts = []
    original = socket.socket.connect

    def refuse(self, address):
        # Local Unix sockets are not the network; anything else is.
        if self.family == socket.AF_UNIX:
            return original(self, address)
        attempts.append(address)
        raise OSError(f"network blocked in test: {address}")

    socket.socket.connect = refuse
    try:
        yield attempts
    finally:
        socket.socket.connect = original


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """`medlyt demo --no-dashboard` from an empty data directory, fully offline."""
    from medlyt.cli import main

    import contextlib
    import io

    home = tmp_path_factory.mktemp("demo-home")
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MEDLYT_HOME", str(home))
        with blocked_network() as attempts, contextlib.redirect_stdout(printed):
            code = main(["demo", "--no-dashboard"])
    from meetings.store import Store

    with Store(home) as store:
        meeting = store.list_meetings()[0]
    password = printed.getvalue().rsplit("adgangskoden: ", 1)[-1].strip()
    return {"home": home, "code": code, "attempts": attempts, "meeting_id": meeting.id,
            "user": "demo", "password": password, "stdout": printed.getvalue()}


@pytest.fixture(scope="session")
def postgres_sockets() -> Path:
    """One real PostgreSQL server for the session (tests/postgres.py)."""
    from tests import postgres

    with postgres.cluster() as sockets:
        yield sockets


@pytest.fixture
def postgres_url(postgres_sockets, request) -> str:
    """An empty database of its own for each test."""
    import re

    from tests import postgres

    name = "t_" + re.sub(r"\W", "_", request.node.name.lower())[:50] + "_" + os.urandom(3).hex()
    return postgres.create_database(postgres_sockets, name)


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only(reason): the test looks at the SQLite file itself; it runs on "
                                       "that backend only")
    config.addinivalue_line("markers", "postgresql_only(reason): central mode's behaviour (e.g. several workers)")


def pytest_generate_tests(metafunc):
    """A test that uses `backend` runs once per database the store supports."""
    if "backend" in metafunc.fixturenames:
        backends = [name for name, excluded_by in (("sqlite", "postgresql_only"), ("postgresql", "sqlite_only"))
                    if metafunc.definition.get_closest_marker(excluded_by) is None]
        metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture
def backend(request, monkeypatch) -> str:
    """The store's database for this run of the test: the SQLite file in the data directory, or
    a real PostgreSQL database of its own (MEDLYT_DATABASE_URL, which every medlyt process the
    test starts inherits)."""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        from meetings.store import Store

        Store(request.getfixturevalue("medlyt_home"), database=url, upgrade=True).close()  # `medlyt db upgrade`
        monkeypatch.setenv("MEDLYT_DATABASE_URL", url)
    else:
        monkeypatch.delenv("MEDLYT_DATABASE_URL", raising=False)
    return request.param


def empty_database(monkeypatch) -> str | None:
    """Central mode: MEDLYT_DATABASE_URL now names a new, empty database of this test's own, for
    a store opened with another cipher than the one `backend` upgraded with (give it
    upgrade=True); its URL. Embedded mode: None (the test's data directory has no file yet)."""
    url = os.environ.get("MEDLYT_DATABASE_URL")
    if not url:
        return None
    from tests import postgres

    fresh = postgres.create_database(Path(url.split("?host=", 1)[1]), "t_" + os.urandom(6).hex())
    monkeypatch.setenv("MEDLYT_DATABASE_URL", fresh)
    return fresh
