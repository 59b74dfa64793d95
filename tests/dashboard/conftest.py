"""A data directory with users of every role and meetings that belong to different people.

The meetings have real audio (read Danish speech from the shared data) and a transcript typed
here with the speakers known, analysed by the real feedback code through the real store: the
dashboard's access rules and pages are what is under test, not Whisper.
"""

import contextlib
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest, app_test

from capture.source import import_audio
from dashboard.auth import TOKEN_KEY
from dashboard.sessions import open_login
from meetings.records import Consent, Participant, Segment, Speaker, Speech, Word, now_iso
from meetings.store import Store
from feedback.analysis import analyser
from tests.conftest import REPO

APP = str(REPO / "dashboard" / "app.py")
PASSWORD = "korrekt-hest-batteri"
USERS = {"anne": "sagsbehandler", "bo": "sagsbehandler", "lis": "leder", "kim": "leder",
         "olga": "observatør", "root": "admin"}
AUDIO = "ap_dan.wav"  # 37 s of read Danish speech

LINES = [
    ("S1", 0.5, 3.0, "Har du søgt nogen job i denne uge?"),
    ("S2", 3.4, 4.0, "Nej."),
    ("S1", 4.5, 7.0, "Er du kommet i gang med praktikken?"),
    ("S2", 7.3, 8.0, "Ikke endnu."),
    ("S1", 8.4, 11.0, "Kan du møde på mandag?"),
    ("S2", 11.4, 12.0, "Ja."),
    ("S1", 12.5, 17.0, "Ellers kan det give en sanktion, fordi du skal stå til rådighed."),
    ("S2", 17.5, 35.0, "Jeg har faktisk erfaring fra et lager og er god til at holde styr på tingene, og jeg vil "
                       "gerne i gang igen, men det er svært med ryggen, og jeg bliver træt."),
]


@dataclass
class Fixture:
    home: Path
    meetings: dict[str, str]  # name -> meeting id
    database: str | None = None  # central mode's PostgreSQL URL; None: the SQLite file in home


def words(start: float, end: float, text: str) -> list[Word]:
    parts = text.split()
    step = (end - start) / len(parts)
    return [Word(start + i * step, start + (i + 1) * step, w, 0.9, -30.0) for i, w in enumerate(parts)]


def processed_meeting(store: Store, audio: Path, title: str, caseworker: str, recorded_by: str | None,
                      microphone_each: bool = False, one_voice: bool = False) -> str:
    """A meeting with a transcript and its analysis; with microphone_each, the caseworker's
    own microphone is channel 1 and the citizen's channel 2; with one_voice, everything on the
    caseworker's voice, as the attribution leaves it when it cannot tell the voices apart."""
    consent = Consent(True, "verbal", now_iso())
    meeting = store.create_meeting(title, [
        Participant("sagsbehandler", "Sagsbehandler", consent=consent, user=caseworker,
                    channel=1 if microphone_each else None),
        Participant("borger", "Borger", consent=consent, channel=2 if microphone_each else None),
    ], recorded_by=recorded_by)
    store.attach_audio(meeting.id, lambda dest: import_audio(audio, dest))
    lines = [("S1", *line[1:]) for line in LINES] if one_voice else LINES
    segments = [Segment(a, b, text, words(a, b, text), who, avg_logprob=-0.2, loudness_db=-30.0)
                for who, a, b, text in lines]
    speech = [Speech(a, b, who, -30.0) for who, a, b, _ in lines]
    speakers = [Speaker("S1", "Sagsbehandler", "sagsbehandler"), Speaker("S2", "Borger", "borger")][:1 if one_voice else 2]
    store.save_transcript(meeting.id, segments, "base", speakers, analyser(), speech)
    return meeting.id


def fill(home: Path, danish_dir: Path, database: str | None = None) -> Fixture:
    with Store(home, database=database, upgrade=True) as store:
        for name, role in USERS.items():
            store.add_user(name, role, PASSWORD)
        ids = {
            "annes": processed_meeting(store, danish_dir / AUDIO, "Opfølgning, Annes møde", "anne", "olga"),
            "bos": processed_meeting(store, danish_dir / AUDIO, "Opfølgning, Bos møde", "bo", None),
        }
        store.share(ids["annes"], "lis", by="anne")
    return Fixture(home, ids, database)


@pytest.fixture(scope="session")
def dashboard_data(tmp_path_factory, danish_dir) -> Fixture:
    return fill(tmp_path_factory.mktemp("dashboard-home"), danish_dir)


@pytest.fixture(scope="session")
def central_dashboard_data(tmp_path_factory, danish_dir, postgres_sockets) -> Fixture:
    """The same users and meetings in central mode: PostgreSQL, the audio in the shared folder."""
    from tests import postgres

    return fill(tmp_path_factory.mktemp("central-dashboard-home"), danish_dir,
                postgres.create_database(postgres_sockets, "dashboard"))


@pytest.fixture
def dashboard_home(dashboard_data, monkeypatch) -> Fixture:
    monkeypatch.setenv("MEDLYT_HOME", str(dashboard_data.home))
    monkeypatch.delenv("MEDLYT_DATABASE_URL", raising=False)
    return dashboard_data


@pytest.fixture(params=["sqlite", "postgresql"])
def either_dashboard_home(request, monkeypatch) -> Fixture:
    """dashboard_home, once embedded and once central: the dashboard runs unchanged on both."""
    data = request.getfixturevalue("dashboard_data" if request.param == "sqlite" else "central_dashboard_data")
    monkeypatch.setenv("MEDLYT_HOME", str(data.home))
    if data.database:
        monkeypatch.setenv("MEDLYT_DATABASE_URL", data.database)
    else:
        monkeypatch.delenv("MEDLYT_DATABASE_URL", raising=False)
    return data


@pytest.fixture
def own_meeting(dashboard_home, danish_dir):
    """A meeting of its own for a test that writes: Anne's, shared with Lis, recorded by Olga;
    gone again after the test."""
    with Store(dashboard_home.home) as store:
        meeting_id = processed_meeting(store, danish_dir / AUDIO, "Sparringsmøde", "anne", "olga")
        store.share(meeting_id, "lis", by="anne")
    yield meeting_id
    with Store(dashboard_home.home) as store:
        store.withdraw(meeting_id)


def logged_in(name: str, **query) -> AppTest:
    """A tab with `name` logged in: a login held by the server, as the login form
    (dashboard.server, tested over HTTP in test_login_form.py) leaves one. AppTest sends no
    cookies, so the tab holds the token, as a single sign-on login does."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(query)
    at.session_state[TOKEN_KEY] = open_login(name)
    at.run()
    assert not at.exception, at.exception
    return at


def age_logins(home: Path, user: str, **seconds_ago: float) -> None:
    """Move `user`'s logins back in time: started=..., active=... seconds ago."""
    with Store(home) as store:
        db = store.db_path
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        for column, ago in seconds_ago.items():
            assert column in ("started", "active")
            conn.execute(f"UPDATE web_sessions SET {column} = ? WHERE user = ?", (time.time() - ago, user))


def markdown_source(at: AppTest) -> str:
    """The Markdown the page hands the browser, escapes and all."""
    parts = [e.value for kind in ("title", "markdown", "caption", "info", "error", "warning", "success")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def shown_text(at: AppTest) -> str:
    """What a person reads: the Markdown with its backslash escapes resolved (user text is
    escaped so that it stays text, dashboard.format.escape)."""
    return re.sub(r"\\(.)", r"\1", markdown_source(at))


@pytest.fixture
def downloads(monkeypatch):
    """click(download_button) -> the file the browser gets, as the server hands it over: AppTest
    makes a media manager afresh for every run, so keep hold of them; a deferred button's
    callable runs now, as the server runs it on the click."""
    managers = []

    class Kept(MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            managers.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Kept)

    def click(download_button):
        manager = managers[-1]
        url = download_button.proto.url or manager.execute_deferred(download_button.proto.deferred_file_id)
        return manager.read_file(url.rsplit("/", 1)[-1].split(".", 1)[0])

    return click
