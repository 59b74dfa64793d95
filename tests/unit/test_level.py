"""The recorder's level file (capture.level): real speech fills the meter, a silent input is
called quiet only after a pause longer than one between sentences, and the page never reads a
level from a recorder that is gone."""

import json
import time
import wave

import numpy as np

from capture.level import QUIET_S, STALE_S, WRITE_EVERY_S, LevelWriter, read_level

SPEECH = "u0042012.wav"  # 8 s of read Danish


def blocks(samples: np.ndarray, block: int = 1600):
    for start in range(0, len(samples), block):
        yield samples[start:start + block].reshape(-1, 1)


def feed(writer: LevelWriter, samples: np.ndarray, clock: list[float]) -> None:
    """At the pace a microphone delivers them: the writer's clock moves one block per block."""
    for block in blocks(samples):
        clock[0] += len(block) / 16000
        writer.feed(block)


def test_speech_fills_the_meter_and_silence_is_quiet_only_after_a_while(tmp_path, danish_dir):
    with wave.open(str(danish_dir / SPEECH), "rb") as wav:
        speech = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    clock = [0.0]
    path = tmp_path / "m.level"
    writer = LevelWriter(path, 16000, clock=lambda: clock[0])
    feed(writer, speech, clock)
    level = read_level(path)
    assert level is not None and not level.quiet
    assert len(speech) / 16000 - WRITE_EVERY_S <= level.seconds <= len(speech) / 16000  # written a few times a second
    feed(writer, np.zeros(16000, np.int16), clock)  # a second's pause: not yet quiet
    assert not read_level(path).quiet
    feed(writer, np.zeros(round(QUIET_S * 16000), np.int16), clock)
    quiet = read_level(path)
    assert quiet.quiet and quiet.fraction == 0.0
    assert path.stat().st_mode & 0o777 == 0o600 and list(tmp_path.iterdir()) == [path]  # no half-written files left
    writer.close()
    assert read_level(path) is None and not path.exists()


def test_a_level_left_by_a_recorder_that_is_gone_is_not_shown(tmp_path):
    path = tmp_path / "m.level"
    path.write_text(json.dumps({"peak_db": -20.0, "recent_db": -20.0, "seconds": 3.0, "at": time.time() - STALE_S - 1}))
    assert read_level(path) is None
    path.write_text("{half")
    assert read_level(path) is None
