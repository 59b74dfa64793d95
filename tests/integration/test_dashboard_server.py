"""`medlyt dashboard` really serves the app on loopback, and says so."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from medlyt.cli import main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as the kernel writes them) listening on `port`, IPv4 and IPv6."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:
                    found.add(address)
    return found


def test_dashboard_serves_on_loopback(demo_run):
    port = free_port()
    env = {**os.environ, "MEDLYT_HOME": str(demo_run["home"])}
    process = subprocess.Popen([sys.executable, "-m", "medlyt.cli", "dashboard", "--port", str(port)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == f"Dashboardet kører på http://127.0.0.1:{port}  (stop med Ctrl-C)"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    assert response.read() == b"ok"
                    break
            except OSError:
                assert process.poll() is None, process.stderr.read()
                assert time.monotonic() < deadline, "dashboard did not come up within 60 s"
                time.sleep(0.5)
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1 only, no wildcard, no IPv6
        # What the server was told (it became Streamlit in the same process): no statistics, no
        # table export, no agent API, and a closed tab's session and sound gone after 15 s.
        args = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode().split("\0")
        options = dict(zip(args, args[1:]))
        assert options["--browser.gatherUsageStats"] == "false" and options["--client.disableDataExport"] == "true"
        assert options["--server.enableAgentApi"] == "false" and options["--server.disconnectedSessionTTL"] == "15"
        assert options["--theme.primaryColor"] == "#2f5d8a"  # white on Streamlit's red is 3.3:1
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_port_in_use_is_one_clear_line(medlyt_home, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert main(["dashboard", "--port", str(busy.getsockname()[1])]) == 2
    assert "optaget" in capsys.readouterr().err
