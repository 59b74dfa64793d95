"""Audio input behind one small interface, so recording can be tested without a sound card.

An input yields blocks of int16 samples shaped (frames, channels) until it is stopped. The real
one is sounddevice's callback stream, whose callback only copies into a queue (a slow consumer
never blocks capture; the queue absorbs it). The test one plays a real audio file at real-time
pace, block by block, as a microphone would deliver it.
"""

import os
import queue
import threading
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
BLOCK_S = 0.1


class RecorderError(Exception):
    """No usable input; the message is one Danish line naming the fix."""


# A 16 kHz WAV that stands in for the microphone on the dashboard's "Optag her", as `medlyt
# record --simulate` does on the command line: tests and demonstrations on a machine without one.
SIMULATED_MICROPHONE_ENV = "MEDLYT_SIMULATE_MICROPHONE"
NO_MICROPHONE = "Der er ingen mikrofon på denne computer. Tilslut en og genindlæs siden, eller upload en lydfil."


def too_few_channels(wanted: int, available: int) -> str:
    """A meeting set up with a microphone for each speaker, and an input with fewer channels."""
    return (f"Mødet er sat op med en mikrofon til hver, der taler ({wanted} kanaler), men lydindgangen har kun "
            f"{available} kanal{'' if available == 1 else 'er'}. Vælg en lydenhed med {wanted} kanaler.")


@dataclass(frozen=True)
class InputDevice:
    label: str  # what the user chooses by
    args: tuple[str, ...]  # how `medlyt record` is told to use it
    channels: int = 1  # the most input channels it records at once (a microphone each needs several)


def input_devices() -> list[InputDevice]:
    """The inputs this machine can record from; RecorderError with one Danish line when none."""
    simulated = os.environ.get(SIMULATED_MICROPHONE_ENV, "").strip()
    if simulated:
        return [InputDevice(f"Simuleret mikrofon ({Path(simulated).name})", ("--simulate", simulated),
                            _wav_channels(Path(simulated)))]
    try:
        import sounddevice
    except (ImportError, OSError):  # no PortAudio, no sound system: no microphone either
        raise RecorderError(NO_MICROPHONE) from None
    try:
        devices = sounddevice.query_devices()
    except sounddevice.PortAudioError:
        raise RecorderError(NO_MICROPHONE) from None
    found = [InputDevice(device["name"], ("--device", str(index)), device["max_input_channels"])
             for index, device in enumerate(devices) if device["max_input_channels"] > 0]
    if not found:
        raise RecorderError(NO_MICROPHONE)
    return found


def _wav_channels(path: Path) -> int:
    """A simulated microphone's channels; 1 for a file that cannot be read (the recorder then
    says why in its own words)."""
    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getnchannels()
    except (OSError, wave.Error, EOFError):
        return 1


class QueuedInput:
    """Blocks handed over by a capture thread (PortAudio's, or a simulated one) through a queue,
    so a slow consumer never holds up capture: the queue absorbs it."""

    def __init__(self, sample_rate: int, channels: int):
        self.sample_rate, self.channels = sample_rate, channels
        self.overflows = 0  # times the capture side lost audio
        self._queue: queue.Queue = queue.Queue()
        self._stopped = threading.Event()

    def blocks(self) -> Iterator[np.ndarray]:
        self._start()
        try:
            while True:
                try:
                    block = self._queue.get(timeout=0.2)
                except queue.Empty:
                    if self._stopped.is_set():
                        return
                    continue
                if block is None:  # the capture side ended (end of file)
                    return
                yield block
        finally:
            self._stopped.set()
            self._close()

    def stop(self) -> None:
        self._stopped.set()

    def _start(self) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError


class MicrophoneInput(QueuedInput):
    """The default (or a chosen) input device through PortAudio."""

    def __init__(self, device: str | int | None = None, channels: int = 1, sample_rate: int = SAMPLE_RATE,
                 block_s: float = BLOCK_S):
        try:
            import sounddevice
        except OSError:  # the PortAudio library itself is missing: no sound system at all
            raise RecorderError("Ingen lydenhed: PortAudio mangler. Installér den (apt-get install libportaudio2) "
                                "og tilslut en mikrofon.") from None
        super().__init__(sample_rate, channels)
        try:
            self._stream = sounddevice.InputStream(
                samplerate=sample_rate, channels=channels, dtype="int16", device=device,
                blocksize=round(block_s * sample_rate), callback=self._callback)
        except (sounddevice.PortAudioError, ValueError) as error:
            raise RecorderError(f"Mikrofonen kan ikke åbnes ({error}). Tjek at en mikrofon er tilsluttet, "
                                "eller vælg en anden med --device.") from None

    def _callback(self, indata, frames, time_info, status) -> None:
        # Runs on PortAudio's thread: copy and hand over, nothing else.
        if status.input_overflow:
            self.overflows += 1
        if not self._stopped.is_set():
            self._queue.put(indata.copy())

    def _start(self) -> None:
        self._stream.start()

    def _close(self) -> None:
        self._stream.stop()
        self._stream.close()


class FileInput(QueuedInput):
    """A 16-bit WAV played as a microphone delivers it: a capture thread hands over one block
    per block time. A sound card keeps only a short buffer, so a capture thread woken later than
    DEVICE_BUFFER_S after a block was due counts as an overflow, as PortAudio would report one."""

    DEVICE_BUFFER_S = 0.2

    def __init__(self, path: Path, block_s: float = BLOCK_S, realtime: bool = True):
        try:
            self._wav = wave.open(str(path), "rb")
        except (OSError, wave.Error, EOFError) as error:
            raise RecorderError(f"Kan ikke læse {path} som 16-bit WAV: {error}") from None
        if self._wav.getsampwidth() != 2:
            raise RecorderError(f"{path} er ikke 16-bit PCM WAV.")
        super().__init__(self._wav.getframerate(), self._wav.getnchannels())
        self._block = max(1, round(block_s * self.sample_rate))
        self._realtime = realtime
        self._thread = threading.Thread(target=self._play, daemon=True, name="simulated-microphone")

    def _play(self) -> None:
        started = time.monotonic()
        delivered = 0
        while not self._stopped.is_set():
            data = self._wav.readframes(self._block)
            if not data:
                break
            block = np.frombuffer(data, dtype="<i2").reshape(-1, self.channels)
            delivered += len(block)
            if self._realtime:  # a microphone cannot deliver sound before it was made
                due = started + delivered / self.sample_rate
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                elif -wait > self.DEVICE_BUFFER_S:
                    self.overflows += 1
            self._queue.put(block)
        self._queue.put(None)

    def _start(self) -> None:
        self._thread.start()

    def _close(self) -> None:
        self._stopped.set()
        self._thread.join()
        self._wav.close()
