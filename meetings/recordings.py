"""A recording in progress, kept crash-safe and sealed: raw PCM in a sealed log (meetings.crypto)
whose records are fsync'd about once a second, with the format in a small sidecar written first.
After a crash or power cut the log holds everything up to the last sync (so at most about a
second is lost), and `to_wav` turns it into a plain WAV for the store to seal as the meeting's
recording.
"""

import fcntl
import json
import os
import time
import wave
from pathlib import Path

import numpy as np

from meetings.crypto import LOG_MAGIC, Cipher, SealedLog, log_size, read_log
from meetings.records import AudioInfo

SYNC_EVERY_S = 1.0
SIDECAR_SUFFIX = ".json"


class RecordingBusy(Exception):
    def __init__(self, pcm: Path):
        super().__init__(f"{pcm} is being recorded by another process")


def sidecar_of(pcm: Path) -> Path:
    return pcm.with_name(pcm.name + SIDECAR_SUFFIX)


class PcmWriter:
    def __init__(self, pcm: Path, sample_rate: int, channels: int, cipher: Cipher, context: str,
                 sync_every_s: float = SYNC_EVERY_S):
        self.pcm, self.sample_rate, self.channels = pcm, sample_rate, channels
        self.sync_every_s = sync_every_s
        self._log = SealedLog(cipher, pcm, context)
        try:
            # Held while recording; the system drops it when the process dies, which is how a
            # later start tells a crashed recording from one still running. Taken before the
            # sidecar is written, so a second recorder cannot change the running one's format.
            fcntl.flock(self._log.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._log.close()
            raise RecordingBusy(pcm) from None
        sidecar = sidecar_of(pcm)
        sidecar.write_text(json.dumps({"sample_rate": sample_rate, "channels": channels}))
        _fsync_file(sidecar)
        _fsync_dir(pcm.parent)  # the new names survive a power cut too
        self._last_sync = time.monotonic()
        self.frames = 0

    def write(self, block: np.ndarray) -> None:
        if block.dtype != np.int16 or block.ndim != 2 or block.shape[1] != self.channels:
            raise ValueError(f"expected int16 blocks of {self.channels} channel(s), got {block.dtype} {block.shape}")
        self._log.write(block.astype("<i2", copy=False).tobytes())
        self.frames += len(block)
        if time.monotonic() - self._last_sync >= self.sync_every_s:
            self.sync()

    def sync(self) -> None:
        self._log.flush()
        os.fsync(self._log.fileno())
        self._last_sync = time.monotonic()

    def close(self) -> None:
        if not self._log.closed:
            try:
                self.sync()
            finally:
                self._log.close()

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate


def is_abandoned(pcm: Path) -> bool:
    """True for a recording no running process is writing (its recorder crashed or was killed)."""
    try:
        with open(pcm, "rb") as file:  # read-only: asking must not create the file
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
    except BlockingIOError:
        return False
    except FileNotFoundError:
        return False


def has_audio(pcm: Path) -> bool:
    """True if the log holds at least one whole frame."""
    try:
        form = json.loads(sidecar_of(pcm).read_text())
        return log_size(pcm) >= 2 * int(form["channels"])
    except (OSError, ValueError, KeyError):
        return False


def to_wav(cipher: Cipher, pcm: Path, context: str, dest: Path, source_name: str = "") -> AudioInfo:
    """The log's PCM (whole frames only: a crash may cut the last one) as a 16-bit WAV at `dest`."""
    form = json.loads(sidecar_of(pcm).read_text())
    rate, channels = int(form["sample_rate"]), int(form["channels"])
    frame_bytes = 2 * channels
    written, carry = 0, b""
    with wave.open(str(dest), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        for record in read_log(cipher, pcm, context):
            data = carry + record
            whole = len(data) // frame_bytes * frame_bytes
            out.writeframes(data[:whole])
            written, carry = written + whole, data[whole:]
    return AudioInfo(path=str(dest), sample_rate=rate, channels=channels,
                     duration_s=written / frame_bytes / rate, source_name=source_name)


def is_plain(pcm: Path) -> bool:
    """A recording left unsealed by a medlyt from before encryption."""
    with open(pcm, "rb") as file:
        return file.read(len(LOG_MAGIC)) != LOG_MAGIC


def seal_plain(cipher: Cipher, pcm: Path, context: str) -> None:
    """Seal such a recording in place (a new log, then renamed over it), so recovery can read it."""
    partial = pcm.with_name(f".{pcm.name}.partial")
    partial.unlink(missing_ok=True)
    log = SealedLog(cipher, partial, context)
    with open(pcm, "rb") as plain:
        while piece := plain.read(1 << 20):
            log.write(piece)
            log.flush()
    os.fsync(log.fileno())
    log.close()
    size = pcm.stat().st_size
    with open(pcm, "r+b") as plain:  # not left readable in the freed blocks
        plain.write(bytes(size))
        plain.flush()
        os.fsync(plain.fileno())
    os.replace(partial, pcm)


def discard(pcm: Path) -> None:
    pcm.unlink(missing_ok=True)
    sidecar_of(pcm).unlink(missing_ok=True)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as file:
        os.fsync(file.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
