"""A real PostgreSQL for the tests: a throw-away cluster in a temporary directory, started by
the test session itself, listening on a Unix socket only (no TCP). Debian's server binaries
(postgresql-15 or newer); as root, the server runs as the `postgres` user."""

import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

SERVER_BINARIES = Path("/usr/lib/postgresql")
_data_dirs: dict[Path, Path] = {}  # a running cluster's socket directory -> its data directory


def bin_dir() -> Path:
    found = sorted(SERVER_BINARIES.glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise RuntimeError("PostgreSQL's server is not installed (make system-deps installs postgresql)")
    return found[-1].parent


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


@contextmanager
def cluster():
    """Yield the socket directory of a running server with superuser `medlyt`; stop and remove
    it afterwards. It lives in a directory of its own under the system's temporary directory,
    since the server's user cannot enter the test session's private one."""
    binaries = bin_dir()
    root = Path(tempfile.mkdtemp(prefix="medlyt-postgres-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")

    def run(program: str, *args: str) -> None:
        _run(_as_server_user([str(binaries / program), *args]))
    run("initdb", "-D", str(data), "-U", "medlyt", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
    run("pg_ctl", "-D", str(data), "-l", str(root / "server.log"), "-w", "-o",
        f"-c listen_addresses='' -k {sockets} -c fsync=off -c max_connections=50", "start")
    _data_dirs[sockets] = data
    try:
        yield sockets
    finally:
        _data_dirs.pop(sockets, None)
        run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def create_database(sockets: Path, name: str) -> str:
    """A new empty database; its URL (the socket as host, no password)."""
    _run([str(bin_dir() / "createdb"), "-h", str(sockets), "-U", "medlyt", name])
    return f"postgresql+psycopg://medlyt@/{name}?host={sockets}"


def restart(sockets: Path) -> None:
    """Restart the server as an operator would (fast: open connections are cut)."""
    data = _data_dirs[sockets]
    _run(_as_server_user([str(bin_dir() / "pg_ctl"), "-D", str(data), "-l", str(data.parent / "server.log"),
                          "-m", "fast", "-w", "restart"]))
