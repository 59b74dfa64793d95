"""`medlyt models download` through the real CLI against a local stand-in for the Hugging Face Hub
(tests/hub_standin.py) serving the installed base model's files under the registry's repo ids."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.registry import BASE_SHA256, DOWNLOADABLE
from tests.hub_standin import COMMIT, Hub, closed_port, describe

REPO = Path(__file__).resolve().parents[2]
ROEST = DOWNLOADABLE["roest-v3"]
HVISKE = DOWNLOADABLE["hviske-v3-conversation"]


@pytest.fixture(scope="session")
def base_files(model_home) -> dict:
    return describe(model_home / "models" / "base")


@pytest.fixture
def hub(base_files):
    hub = Hub({ROEST.repo_id: base_files, HVISKE.repo_id: base_files}).start()
    yield hub
    hub.stop()


# Starts the CLI with the largest file it may write limited (RLIMIT_FSIZE), set in the child itself
# rather than in a preexec_fn, which is unsafe while the hub's threads run in this process.
LIMITED = ("import os, resource, sys; limit = int(sys.argv[1]); "
           "resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)); "
           "os.execv(sys.executable, [sys.executable, '-m', 'medlyt.cli', *sys.argv[2:]])")


def medlyt(home: Path, endpoint: str, *args: str, file_limit: int | None = None, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    environment = {**clean, "MEDLYT_HOME": str(home), "HF_ENDPOINT": endpoint, "HF_HOME": str(home.parent / "hf"),
                   **env}
    command = ["-m", "medlyt.cli"] if file_limit is None else ["-c", LIMITED, str(file_limit)]
    return subprocess.run([sys.executable, *command, *args], cwd=REPO, env=environment, text=True,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=120)


def registry(home: Path) -> dict:
    path = home / "models" / "registry.json"
    return json.loads(path.read_text())["models"] if path.exists() else {}


def resumed_at(range_header: str) -> int:
    assert range_header.startswith("bytes=") and range_header.endswith("-"), range_header
    return int(range_header[len("bytes="):-1])


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def nothing_left(home: Path, name: str = "roest-v3") -> None:
    assert name not in registry(home)
    models = home / "models"
    assert not models.exists() or [p.name for p in models.iterdir() if p.name != "registry.json"] == []


def test_download_registers_a_verified_model_that_loads(hub, medlyt_home):
    # TQDM_POSITION=-1 shows huggingface_hub's progress bar although stderr is not a terminal.
    done = medlyt(medlyt_home, hub.url, "models", "download", "roest-v3", TQDM_POSITION="-1")
    assert done.returncode == 0, done.stderr
    assert "roest-v3 er hentet og verificeret" in done.stdout and "MEDLYT_MODEL=roest-v3" in done.stdout
    assert "model.bin" in done.stderr and "100%" in done.stderr  # the progress bar, on stderr

    entry = registry(medlyt_home)["roest-v3"]
    assert entry | {"path": None, "size": None} == {
        "source": "hub", "path": None, "size": None, "sha256": BASE_SHA256, "verified": True,
        "repo_id": ROEST.repo_id, "revision": COMMIT, "licence": ROEST.licence}
    target = medlyt_home / "models" / "roest-v3"
    assert Path(entry["path"]) == target
    assert sorted(p.name for p in target.iterdir()) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]
    assert [p.name for p in (medlyt_home / "models").iterdir() if p.name.startswith(".")] == []

    verify = medlyt(medlyt_home, hub.url, "models", "verify")
    assert verify.returncode == 0, verify.stderr
    assert any(line.split()[0] == "roest-v3" and "verificeret" in line for line in verify.stdout.splitlines())

    from faster_whisper import WhisperModel
    from models.store import locate

    info = locate(medlyt_home, "roest-v3")
    assert info.verified and info.source == "hub" and info.sha256 == BASE_SHA256 and info.revision == COMMIT
    WhisperModel(str(info.path), device="cpu", compute_type="int8")  # loads: a usable model

    served = len(hub.requests)
    again = medlyt(medlyt_home, hub.url, "models", "download", "roest-v3")
    assert again.returncode == 0, again.stderr
    assert "allerede hentet og verificeret" in again.stdout
    assert len(hub.requests) == served  # already there: not even the listing is asked for


def test_a_cut_transfer_resumes_where_it_stopped(hub, medlyt_home):
    hub.cut_once = {"model.bin"}
    done = medlyt(medlyt_home, hub.url, "models", "download", "roest-v3")
    assert done.returncode == 0, done.stderr
    # huggingface_hub asked for the rest only: from the last whole 10 MB chunk it had written
    # before the connection died, not from the start.
    first, resumed = hub.gets("model.bin")
    assert first is None and 0 < resumed_at(resumed) <= hub.cut_at["model.bin"]
    assert registry(medlyt_home)["roest-v3"]["verified"]
    assert medlyt(medlyt_home, hub.url, "models", "verify").returncode == 0


def test_an_interrupted_download_continues_in_the_next_run(hub, medlyt_home):
    hub.cut_once, hub.fail_after_cut = {"model.bin"}, True
    failed = medlyt(medlyt_home, hub.url, "models", "download", "roest-v3")
    assert failed.returncode == 2
    assert "Kør samme kommando igen" in one_line(failed.stderr)
    assert "roest-v3" not in registry(medlyt_home) and not (medlyt_home / "models" / "roest-v3").exists()
    part = medlyt_home / "models" / ".download-roest-v3" / "model.bin.part"
    kept = part.stat().st_size
    assert 0 < kept <= hub.cut_at["model.bin"]

    hub.fail_after_cut = False
    done = medlyt(medlyt_home, hub.url, "models", "download", "roest-v3")
    assert done.returncode == 0, done.stderr
    assert resumed_at(hub.gets("model.bin")[-1]) == kept  # continued from what the first run kept
    assert registry(medlyt_home)["roest-v3"]["sha256"] == BASE_SHA256
    assert not part.parent.exists()
    assert medlyt(medlyt_home, hub.url, "models", "verify").returncode == 0


def test_a_tampered_file_is_refused_and_nothing_is_kept(hub, medlyt_home):
    hub.tamper = {"model.bin"}
    failed = medlyt(medlyt_home, hub.url, "models", "download", "roest-v3")
    assert failed.returncode == 2
    line = one_line(failed.stderr)
    assert "model.bin passer ikke med hubbens sha256" in line and "intet er gemt" in line
    nothing_left(medlyt_home)


def test_a_small_file_that_differs_from_its_git_id_is_refused(hub, medlyt_home):
    hub.tamper = {"tokenizer.json"}
    failed = medlyt(medlyt_home, hub.url, "models", "download", "roest-v3")
    assert failed.returncode == 2
    assert "tokenizer.json passer ikke med hubbens git-id" in one_line(failed.stderr)
    nothing_left(medlyt_home)


def test_a_disk_that_fills_mid_download_leaves_nothing_behind(hub, medlyt_home):
    # The kernel refuses to let a file grow past 50 MB in the child (RLIMIT_FSIZE, EFBIG), as a
    # full disk refuses with ENOSPC: model.bin's write fails a third of the way in.
    failed = medlyt(medlyt_home, hub.url, "models", "download", "roest-v3", file_limit=50 << 20)
    assert failed.returncode == 2
    line = one_line(failed.stderr)
    assert line.startswith("medlyt: fejl: Disken blev fuld under model.bin") and "intet er gemt" in line
    nothing_left(medlyt_home)


def test_no_room_is_refused_before_the_first_byte(hub, medlyt_home):
    import shutil

    # The hub announces a model.bin larger than what is free on the disk that holds MEDLYT_HOME.
    hub.announced_size = {"model.bin": shutil.disk_usage(medlyt_home).free + (10 << 30)}
    failed = medlyt(medlyt_home, hub.url, "models", "download", "roest-v3")
    assert failed.returncode == 2
    assert "Der er ikke plads til roest-v3" in one_line(failed.stderr)
    assert [m for m, path, _ in hub.requests if "/resolve/" in path] == []
    nothing_left(medlyt_home)


def test_no_network_says_what_to_do_instead_in_one_line(medlyt_home):
    failed = medlyt(medlyt_home, f"http://127.0.0.1:{closed_port()}", "models", "download", "roest-v3")
    assert failed.returncode == 2 and failed.stdout == ""
    line = one_line(failed.stderr)
    assert line.startswith("medlyt: fejl: Kan ikke nå Hugging Face")
    assert f"hf download {ROEST.repo_id}" in line and "medlyt models add MAPPE --name roest-v3" in line
    nothing_left(medlyt_home)


def test_an_unknown_name_is_one_line_naming_the_known_ones(medlyt_home):
    failed = medlyt(medlyt_home, f"http://127.0.0.1:{closed_port()}", "models", "download", "whisper-xxl")
    assert failed.returncode == 2
    line = one_line(failed.stderr)
    assert "Ukendt model 'whisper-xxl'" in line and all(name in line for name in DOWNLOADABLE)
    nothing_left(medlyt_home)


def test_hviske_shows_its_licence_and_needs_acceptance(hub, medlyt_home):
    refused = medlyt(medlyt_home, hub.url, "models", "download", "hviske-v3-conversation")
    assert refused.returncode == 2
    assert "Licensvilkår for hviske-v3-conversation" in refused.stdout and HVISKE.licence_url in refused.stdout
    assert "--accept-licence" in one_line(refused.stderr)
    assert hub.requests == []
    nothing_left(medlyt_home, "hviske-v3-conversation")

    done = medlyt(medlyt_home, hub.url, "models", "download", "hviske-v3-conversation", "--accept-licence")
    assert done.returncode == 0, done.stderr
    assert registry(medlyt_home)["hviske-v3-conversation"]["repo_id"] == HVISKE.repo_id


def test_a_downloadable_name_not_yet_fetched_says_how_to_fetch_it(home_with_model):
    from models.store import ModelError, locate

    with pytest.raises(ModelError, match="Kør: medlyt models download roest-v3"):
        locate(home_with_model, "roest-v3")


def test_a_damaged_download_is_fetched_again(hub, medlyt_home):
    assert medlyt(medlyt_home, hub.url, "models", "download", "roest-v3").returncode == 0
    model_bin = medlyt_home / "models" / "roest-v3" / "model.bin"
    with open(model_bin, "r+b") as f:
        f.seek(1000)
        f.write(b"\0" * 16)
    assert medlyt(medlyt_home, hub.url, "models", "verify").returncode == 2

    again = medlyt(medlyt_home, hub.url, "models", "download", "roest-v3")
    assert again.returncode == 0, again.stderr
    assert "er hentet og verificeret" in again.stdout
    assert medlyt(medlyt_home, hub.url, "models", "verify").returncode == 0


@pytest.mark.parametrize("answer, accepted", [("nej", False), ("ja", True)])
def test_at_a_terminal_the_licence_question_is_asked(hub, medlyt_home, answer, accepted):
    clean = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env = {**clean, "MEDLYT_HOME": str(medlyt_home), "HF_ENDPOINT": hub.url, "HF_HOME": str(medlyt_home.parent / "hf")}
    controller, terminal = os.openpty()  # stdin is a terminal, so medlyt asks instead of refusing
    try:
        process = subprocess.Popen([sys.executable, "-m", "medlyt.cli", "models", "download", "hviske-v3-conversation"],
                                   cwd=REPO, env=env, stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        os.write(controller, f"{answer}\n".encode())
        out, err = process.communicate(timeout=120)
    finally:
        os.close(controller), os.close(terminal)
    assert "Accepterer du vilkårene?" in out
    if accepted:
        assert process.returncode == 0, err
        assert registry(medlyt_home)["hviske-v3-conversation"]["verified"]
    else:
        assert process.returncode == 2 and "--accept-licence" in one_line(err)
        assert hub.requests == []
        nothing_left(medlyt_home, "hviske-v3-conversation")


def test_a_second_download_at_the_same_time_is_refused(hub, medlyt_home):
    import fcntl

    models = medlyt_home / "models"
    models.mkdir()
    fd = os.open(models, os.O_RDONLY)  # as a running download holds it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        refused = medlyt(medlyt_home, hub.url, "models", "download", "roest-v3")
    finally:
        os.close(fd)
    assert refused.returncode == 2
    assert "En anden medlyt-proces henter allerede en model" in one_line(refused.stderr)
    assert hub.gets("model.bin") == []
    nothing_left(medlyt_home)
