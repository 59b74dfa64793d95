"""The suite runs on exactly the locked set (requirements/lock.txt), and the lock is one that
pip's hash mode accepts and that pyproject.toml's ranges allow."""

import os
import re
import runpy
import tomllib

import pytest
from packaging.requirements import Requirement

from tests.conftest import REPO

LOCK = REPO / "requirements.lock"
lock_diff = runpy.run_path(str(REPO / "scripts" / "lock_diff.py"))


def pyproject_requirements() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


def test_every_pin_is_exact_and_hashed():
    blocks = re.split(r"\n(?=\S)", LOCK.read_text(encoding="utf-8"))
    pins = [b for b in blocks if not b.startswith("#")]
    assert len(pins) > 50
    for block in pins:
        assert re.match(r"^[A-Za-z0-9._-]+==\S+ \\\n", block), block.splitlines()[0]
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", block), block.splitlines()[0]


def test_pyproject_ranges_admit_the_locked_versions():
    pins = lock_diff["locked"](LOCK)
    for requirement in pyproject_requirements():
        name = lock_diff["canonical"](requirement.name)
        assert name in pins, f"{name} is a dependency but not in the lock: run make lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (requirement, pins[name])


@pytest.mark.skipif(os.environ.get("MEDLYT_UNLOCKED") == "1",
                    reason="make test-latest runs on the newest releases on purpose, not on the lock")
def test_the_environment_is_exactly_the_lock():
    pins, installed = lock_diff["locked"](LOCK), lock_diff["installed"]()
    installed = {name: version for name, version in installed.items() if name not in ("medlyt", "pip")}
    missing = {name: version for name, version in pins.items() if installed.get(name) != version}
    extra = {name: version for name, version in installed.items() if name not in pins}
    assert not missing and not extra, f"not as locked: {missing}; not in the lock: {extra}. Run make test"
