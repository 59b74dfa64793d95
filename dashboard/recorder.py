"""Optag her: the dashboard starts the crash-safe recorder (`medlyt record`) as a process of its
own, so a reload, a closed tab or a restarted web server never ends or loses a recording. The
recorder writes the input level to a small file (capture.level) that the page reads for its
meter; the Live page stops it through the store, as it stops one started on the command line.
Before that, a check of the chosen microphone (`medlyt record --level-only`) shows its level for
a few seconds and keeps nothing.

Each process is known by a key: the meeting's id for its recording, CHECK_SUFFIX added for a check.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

from capture.recorder import InputDevice
from meetings import private

FOLDER = "optagere"  # in the data directory: each running recorder's level and error output
ERROR_PREFIX = "medlyt: fejl: "
RECORD_HERE_ENV = "MEDLYT_RECORD_HERE"
CHECK_S = 10  # long enough to speak a sentence and see the meter move
CHECK_SUFFIX = "-check"

# Recorders this web server started, by meeting: whether one has ended, and how.
_started: dict[str, subprocess.Popen] = {}


def offered(ip_address: str | None, headers) -> bool:
    """Recording here makes sense where the browser runs on the machine with the microphone:
    a loopback connection not passed on by a proxy. MEDLYT_RECORD_HERE=0 turns it off (a
    shared server, or an organisation that records only with `medlyt record`)."""
    if os.environ.get(RECORD_HERE_ENV, "").strip() == "0":
        return False
    proxied = any(name in headers for name in ("X-Forwarded-For", "Forwarded", "X-Real-Ip"))
    # Streamlit gives None for a loopback connection; only a real address is another machine's.
    remote = isinstance(ip_address, str) and bool(ip_address)
    return not remote and not proxied


def folder(home: Path) -> Path:
    path = home / FOLDER
    path.mkdir(mode=private.FOLDER_MODE, exist_ok=True)
    return path


def level_path(home: Path, key: str) -> Path:
    return folder(home) / f"{key}.level"


def log_path(home: Path, key: str) -> Path:
    return folder(home) / f"{key}.log"


def start(home: Path, meeting_id: str, device: InputDevice, live: bool, by: str) -> None:
    """`medlyt record` for the meeting, in its own session so that it outlives the web server's
    requests. It checks consent itself before opening the microphone. Only its error output is
    kept (one Danish line on failure); live lines go to no file, they are the citizen's words.
    A second start while one runs (another tab) does nothing: the running one is followed."""
    if running(meeting_id):
        return
    end_check(meeting_id)  # the microphone is the recording's now
    _spawn(home, meeting_id, [meeting_id, *device.args, "--by", by] + (["--live"] if live else []))


def check(home: Path, meeting_id: str, device: InputDevice) -> None:
    """Listen to the chosen microphone for CHECK_S seconds and write its level; nothing is kept.
    Only for a meeting with everyone's consent, like the recording (the command checks it too)."""
    key = check_key(meeting_id)
    if not running(key):
        _spawn(home, key, [meeting_id, *device.args, "--level-only", str(CHECK_S)])


def check_key(meeting_id: str) -> str:
    return meeting_id + CHECK_SUFFIX


def end_check(meeting_id: str) -> None:
    process = _started.pop(check_key(meeting_id), None)
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGINT)  # as Ctrl-C: the check ends and removes its level file
        process.wait(timeout=10)


def _spawn(home: Path, key: str, arguments: list[str]) -> None:
    command = [sys.executable, "-m", "medlyt.cli", "record", *arguments, "--level-file", str(level_path(home, key))]
    log_path(home, key).unlink(missing_ok=True)  # only this run's words
    log = private.create(log_path(home, key))
    with log:
        _started[key] = subprocess.Popen(
            command, env={**os.environ, "MEDLYT_HOME": str(home)}, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)


def running(key: str) -> bool:
    process = _started.get(key)
    return process is not None and process.poll() is None


def failure(home: Path, key: str) -> str | None:
    """The Danish line a recorder or check this server started ended with, or None."""
    process = _started.get(key)
    if process is None or process.poll() is None:
        return None
    if process.returncode == 0:  # recorded and stored, or checked: nothing to say
        clear(home, key)
        return None
    try:
        lines = [line for line in log_path(home, key).read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        lines = []
    last = lines[-1].removeprefix(ERROR_PREFIX) if lines else ""
    return last or "Optageren stoppede uventet. Prøv igen, eller upload en lydfil."


def forget(key: str) -> None:
    """After the user has read why it failed: offer the start again."""
    _started.pop(key, None)


def clear(home: Path, key: str) -> None:
    """The recording is stored (or the check done): nothing of its process is kept."""
    forget(key)
    log_path(home, key).unlink(missing_ok=True)


def sweep(home: Path) -> None:
    """Processes this server started that have ended well: their recordings are stored, so
    nothing of them is kept (one that failed keeps its line until the page has shown it)."""
    for key, process in list(_started.items()):
        if process.poll() == 0:
            clear(home, key)
