"""The recordings on disk, sealed (meetings/crypto.py): a meeting's finished recording, and a
recording in progress as a sealed PCM log (meetings/recordings.py). No SQL here: the store
records in the database what these files are, and decides when they come and go."""

import dataclasses
import io
import os
import shutil
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from meetings import private, recordings, scratch
from meetings.crypto import CHUNK, Cipher, Damaged, SealedFile, seal_file
from meetings.errors import MeetingError
from meetings.records import AudioInfo

AUDIO_DIR = "audio"
AUDIO_SUFFIX = ".audio"  # a sealed WAV (meetings.crypto's file format)
RECORDING_SUFFIX = ".recording.pcm"  # a sealed log of raw PCM, while recording


class Damage(Exception):
    """A recording cannot be read or opened (the store words the message)."""


def audio_context(meeting_id: str) -> str:
    return f"audio:{meeting_id}"


def recording_context(meeting_id: str) -> str:
    return f"recording:{meeting_id}"


class AudioFiles:
    def __init__(self, home: Path, cipher: Cipher):
        self.home, self.cipher = home, cipher
        self.dir = home / AUDIO_DIR

    def path(self, meeting_id: str) -> Path:
        return self.dir / f"{meeting_id}{AUDIO_SUFFIX}"

    def relative(self, path: Path) -> str:
        """How the database names a file: relative to the data directory."""
        return path.relative_to(self.home).as_posix()

    def seal(self, meeting_id: str, produce: Callable[[Path], AudioInfo]) -> AudioInfo:
        """Let `produce` write a WAV into a private scratch directory, then seal it into place
        (the final name never holds a half-written file). On failure nothing is left."""
        final = self.path(meeting_id)
        partial = final.with_name(f".{final.name}.partial")
        try:
            with scratch.directory() as tmp:
                try:
                    info = produce(tmp / "audio.wav")
                    if not Path(info.path).is_file():
                        raise MeetingError(f"Lydfilen blev ikke skrevet: {info.path}")
                    seal_file(self.cipher, Path(info.path), partial, audio_context(meeting_id))
                    os.replace(partial, final)
                except OSError as error:  # a full disk, or a write error: one line, and nothing kept
                    raise MeetingError(f"Lydfilen kunne ikke skrives ({error.strerror or error}); er disken fuld? "
                                       "Intet er gemt.") from None
        except BaseException:
            self.remove_sealed(meeting_id)
            raise
        return dataclasses.replace(info, path=self.relative(final))

    def remove_sealed(self, meeting_id: str) -> None:
        final = self.path(meeting_id)
        final.with_name(f".{final.name}.partial").unlink(missing_ok=True)
        final.unlink(missing_ok=True)

    def remove_all(self, meeting_id: str) -> None:
        """Every file of the meeting: its recording, a recording in progress, anything partial."""
        for pattern in (f"{meeting_id}.*", f".{meeting_id}.*"):
            for path in self.dir.glob(pattern):
                path.unlink(missing_ok=True)

    def owners(self, older_than: float) -> dict[str, list[Path]]:
        """Meeting id -> its files last written before `older_than` (a time.time()), partial
        ones included: what a sweep may look at without racing a recording being sealed."""
        found: dict[str, list[Path]] = {}
        for path in self.dir.iterdir():
            meeting_id = path.name.lstrip(".").split(".", 1)[0]
            try:
                if path.is_file() and path.stat().st_mtime < older_than:
                    found.setdefault(meeting_id, []).append(path)
            except FileNotFoundError:
                continue  # removed meanwhile
        return found

    @contextmanager
    def opened(self, meeting_id: str, relative: str) -> Iterator[SealedFile]:
        """The sealed recording, readable as a plain WAV stream; Damage when it cannot be."""
        path = self.home / relative
        if not path.exists():
            raise MeetingError(f"Optagelsen til mødet '{meeting_id}' mangler på disken: {path}")
        try:
            sealed = SealedFile(self.cipher, path, audio_context(meeting_id))
        except (OSError, Damaged):
            raise Damage(meeting_id) from None
        with sealed:
            yield sealed

    @contextmanager
    def plain_copy(self, meeting_id: str, relative: str) -> Iterator[Path]:
        """The recording as a plain WAV in a private scratch directory until the block ends."""
        with self.opened(meeting_id, relative) as sealed, scratch.directory() as tmp:
            plain = tmp / "audio.wav"
            try:
                with private.create(plain) as out:
                    shutil.copyfileobj(sealed, out, CHUNK)
            except OSError as error:
                raise MeetingError(f"Optagelsen kunne ikke pakkes ud til {tmp.parent} "
                                   f"({error.strerror or error}); er der plads?") from None
            except Damaged:
                raise Damage(meeting_id) from None
            yield plain

    def excerpt(self, meeting_id: str, relative: str, start_s: float, end_s: float) -> bytes:
        """A stretch of the recording as a small WAV file in memory."""
        try:
            with self.opened(meeting_id, relative) as sealed, wave.open(sealed, "rb") as source:
                rate, n_frames = source.getframerate(), source.getnframes()
                first = min(max(0, round(start_s * rate)), n_frames)
                last = min(max(first, round(end_s * rate)), n_frames)
                source.setpos(first)
                frames = source.readframes(last - first)
                buffer = io.BytesIO()
                with wave.open(buffer, "wb") as excerpt:
                    excerpt.setparams(source.getparams())
                    excerpt.writeframes(frames)
        except (OSError, EOFError, wave.Error, Damaged):
            raise Damage(meeting_id) from None
        return buffer.getvalue()

    def seal_plain(self, meeting_id: str, relative: str) -> str:
        """A recording from before encryption, sealed in place; the plain file is overwritten
        before it is removed. The sealed file's name for the database."""
        source, final = self.home / relative, self.path(meeting_id)
        partial = final.with_name(f".{final.name}.partial")
        partial.unlink(missing_ok=True)
        if source.is_file():
            seal_file(self.cipher, source, partial, audio_context(meeting_id))
            os.replace(partial, final)
        return self.relative(final)

    # ---- recordings in progress --------------------------------------------------------------

    def recording_path(self, meeting_id: str) -> Path:
        return self.dir / f"{meeting_id}{RECORDING_SUFFIX}"

    def open_recording(self, meeting_id: str, sample_rate: int, channels: int) -> recordings.PcmWriter:
        return recordings.PcmWriter(self.recording_path(meeting_id), sample_rate, channels, self.cipher,
                                    recording_context(meeting_id))

    def unfinished(self) -> list[str]:
        return sorted(p.name.removesuffix(RECORDING_SUFFIX) for p in self.dir.glob(f"*{RECORDING_SUFFIX}"))

    def abandoned(self, meeting_id: str) -> bool:
        return recordings.is_abandoned(self.recording_path(meeting_id))

    def recording_has_audio(self, meeting_id: str) -> bool:
        return recordings.has_audio(self.recording_path(meeting_id))

    def recording_to_wav(self, meeting_id: str, dest: Path, source_name: str) -> AudioInfo:
        return recordings.to_wav(self.cipher, self.recording_path(meeting_id), recording_context(meeting_id), dest,
                                 source_name)

    def discard_recording(self, meeting_id: str) -> None:
        recordings.discard(self.recording_path(meeting_id))

    def seal_plain_recordings(self) -> None:
        """Recordings in progress from before encryption, left by a crash: sealed in place."""
        for pcm in self.dir.glob(f"*{RECORDING_SUFFIX}"):
            if recordings.is_plain(pcm) and recordings.is_abandoned(pcm):
                recordings.seal_plain(self.cipher, pcm, recording_context(pcm.name.removesuffix(RECORDING_SUFFIX)))


def overwrite_and_remove(path: Path) -> None:
    """Zeros over a plain file before it goes, so its blocks do not keep the sound (as far as
    the filesystem lets us: a copy-on-write or flash disk may still hold old blocks)."""
    try:
        size = path.stat().st_size
        with open(path, "r+b") as file:
            file.write(bytes(size))
            file.flush()
            os.fsync(file.fileno())
    except OSError:
        pass
    path.unlink(missing_ok=True)
