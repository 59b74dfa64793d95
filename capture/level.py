"""The input level while recording, for the dashboard's meter.

The recorder process writes the peak of the last moments to a tiny file a few times a second;
the page reads that file. No audio passes through the web server, and a closed browser costs
the recording nothing.
"""

import collections
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from meetings import private

WRITE_EVERY_S = 0.25  # the meter's pace; the page reads it about twice a second
FLOOR_DB = -60.0  # the meter's empty end: quieter than this is silence for a microphone
QUIET_DB = -45.0  # no peak above this for QUIET_S: the microphone hears almost nothing (muted, far away)
QUIET_S = 4.0  # longer than a pause between words or sentences, so the warning does not flicker
STALE_S = 3.0  # a level older than this is from a recorder that is gone, not a quiet room
FULL_SCALE = 32768.0  # int16


@dataclass(frozen=True)
class Level:
    peak_db: float  # the loudest sample since the last write, in dBFS
    recent_db: float  # the loudest in the last QUIET_S
    seconds: float  # recorded so far
    at: float  # wall-clock time it was written

    @property
    def fraction(self) -> float:
        """How full the meter is, 0..1, from FLOOR_DB to full scale."""
        return min(1.0, max(0.0, (self.peak_db - FLOOR_DB) / -FLOOR_DB))

    @property
    def quiet(self) -> bool:
        return self.recent_db < QUIET_DB


def peak_db(block: np.ndarray) -> float:
    peak = int(np.abs(block.astype(np.int32)).max()) if block.size else 0
    return 20 * float(np.log10(peak / FULL_SCALE)) if peak else FLOOR_DB


class LevelWriter:
    """Fed every block the recorder keeps; writes the peak since the last write, atomically, so
    the page never reads half a file."""

    def __init__(self, path: Path, sample_rate: int, clock=time.monotonic):
        self.path, self.sample_rate, self.clock = Path(path), sample_rate, clock
        self._peak_db = FLOOR_DB
        self._recent: collections.deque[tuple[float, float]] = collections.deque()  # (time, peak) per write
        self._frames = 0
        self._last = 0.0

    def feed(self, block: np.ndarray) -> None:
        self._peak_db = max(self._peak_db, peak_db(block))
        self._frames += len(block)
        now = self.clock()
        if now - self._last >= WRITE_EVERY_S:
            self._recent.append((now, self._peak_db))
            while self._recent[0][0] < now - QUIET_S:
                self._recent.popleft()
            self._write()
            self._last, self._peak_db = now, FLOOR_DB

    def _write(self) -> None:
        recent = max(peak for _, peak in self._recent)
        file, temporary = private.create_beside(self.path)
        with file:
            file.write(json.dumps({"peak_db": round(self._peak_db, 1), "recent_db": round(recent, 1),
                                   "seconds": self._frames / self.sample_rate, "at": time.time()}).encode())
        os.replace(temporary, self.path)

    def close(self) -> None:
        self.path.unlink(missing_ok=True)


def read_level(path: Path) -> Level | None:
    """The latest level, or None when there is none yet or the recorder is gone."""
    try:
        data = json.loads(Path(path).read_text())
        level = Level(float(data["peak_db"]), float(data["recent_db"]), float(data["seconds"]), float(data["at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return level if time.time() - level.at <= STALE_S else None
