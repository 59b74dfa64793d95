"""Which installed packages differ from the lock: what `make test-latest` tests beyond it.
Usage: python scripts/lock_diff.py requirements.lock"""

import re
import sys
from importlib import metadata
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(lock: Path) -> dict[str, str]:
    return {canonical(m[1]): m[2] for line in lock.read_text().splitlines() if (m := PIN.match(line))}


def installed() -> dict[str, str]:
    return {canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}


def main(lock: Path) -> None:
    pins, now = locked(lock), installed()
    rows = [(name, pins.get(name, "–"), now.get(name, "–")) for name in sorted(set(pins) | set(now) - {"medlyt", "pip"})
            if pins.get(name) != now.get(name)]
    for name, old, new in rows:
        print(f"  {name:28s} {old:>14s} -> {new}")
    if not rows:
        print("  intet: de nyeste udgivelser er dem i låsen")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
