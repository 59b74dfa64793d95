"""The dashboard with a meeting whose stored recording is missing or damaged on disk: every page
that plays audio shows a Danish message instead of an exception, and the rest of the page
(transcript, balance, moments) is still there.

A data directory of this file's own, so the shared meetings stay intact."""

import wave
from pathlib import Path

import numpy as np
import pytest

from meetings.store import Store
from tests.dashboard.conftest import (
    AUDIO,
    PASSWORD,
    logged_in,
    processed_meeting,
    shown_text,
)

OWNER = "nina"  # a caseworker of this file's own
PAGES = ["views/overview.py", "views/transcript.py", "views/session.py", "views/development.py"]


def missing(path: Path) -> None:
    path.unlink()


def garbage(path: Path) -> None:
    path.write_bytes(np.random.default_rng(1).bytes(path.stat().st_size))


def empty(path: Path) -> None:
    path.write_bytes(b"")


def cut_in_half(path: Path) -> None:
    """The header still promises the whole meeting."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def header_only(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:44])


def one_byte_changed(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def plain_wav(path: Path) -> None:
    """A valid WAV put in its place: not sealed with the key, so it is not played either."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(bytes(32000))


def a_directory(path: Path) -> None:
    path.unlink()
    path.mkdir()


BREAKAGES = {f.__name__: f for f in (missing, garbage, empty, cut_in_half, header_only, one_byte_changed, plain_wav,
                                      a_directory)}


@pytest.fixture(scope="module")
def broken_home(tmp_path_factory, danish_dir) -> tuple[Path, dict[str, str]]:
    home = tmp_path_factory.mktemp("broken-audio-home")
    ids = {}
    with Store(home) as store:
        store.add_user(OWNER, "sagsbehandler", PASSWORD)
        for name, breakage in BREAKAGES.items():
            meeting_id = processed_meeting(store, danish_dir / AUDIO, f"Ødelagt lyd: {name}", OWNER, None)
            flag = store.analysis(meeting_id).flags[0]
            store.review_flag(meeting_id, flag, "drøftet", by=OWNER)  # so the session page plays it
            breakage(store.home / store.get_meeting(meeting_id).audio.path)
            ids[name] = meeting_id
    return home, ids


# Sealed: a change on disk means nothing can be played, except that one changed byte spoils only
# its own 2-s chunk, so a moment elsewhere still plays (every chunk played is authenticated).
UNREADABLE = set(BREAKAGES) - {"one_byte_changed"}
PLAYS_AUDIO = {"views/overview.py", "views/transcript.py", "views/session.py"}


def cases():
    for breakage in BREAKAGES:
        for page in PAGES:
            yield pytest.param(page, breakage, id=f"{breakage}-{page.split('/')[-1][:-3]}")


@pytest.mark.parametrize("page, breakage", list(cases()))
def test_a_page_with_a_broken_recording_shows_a_message_not_an_exception(broken_home, monkeypatch, page, breakage):
    home, ids = broken_home
    monkeypatch.setenv("MEDLYT_HOME", str(home))
    at = logged_in(OWNER, meeting=ids[breakage])
    at.switch_page(page).run()
    assert not at.exception, f"{page} with a {breakage} recording: {at.exception[0].message}\n" + "\n".join(
        at.exception[0].stack_trace)
    shown = shown_text(at)
    assert ("Udvikling" in shown) if page == "views/development.py" else (f"Ødelagt lyd: {breakage}" in shown)
    if page in PLAYS_AUDIO and breakage in UNREADABLE:
        assert at.warning or at.error, f"{page} says nothing about the unreadable recording"


def test_the_meeting_list_shows_meetings_with_broken_recordings(broken_home, monkeypatch):
    home, ids = broken_home
    monkeypatch.setenv("MEDLYT_HOME", str(home))
    at = logged_in(OWNER)
    assert not at.exception
    listed = set(at.dataframe[0].value["Id"]) if at.dataframe else set()
    assert set(ids.values()) <= listed
