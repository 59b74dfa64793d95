"""Shared fixtures: a throw-away data directory per test, the real shared data, the real model."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("MEDLYT_SHARED_DATA", REPO.parent / "shared" / "data"))
DANISH = SHARED_DATA / "danish"
DIARIZATION = SHARED_DATA / "diarization"


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
