"""File import: decode any common audio/video file with PyAV into the stored 16 kHz WAV.

The stored recording is 16 kHz, 16-bit PCM with *all* source channels kept, because speaker
attribution can use the channels (one microphone per person). Decoding streams frame by frame,
so a two-hour file never sits in memory.
"""

from __future__ import annotations

import os
import wave
from collections.abc import Callable
from pathlib import Path

import av

from meetings.records import AudioInfo

SAMPLE_RATE = 16000
SAMPLE_WIDTH = 2  # bytes: 16-bit PCM
SUPPORTED_EXTENSIONS = frozenset(
    {".wav", ".flac", ".mp3", ".m4a", ".aac", ".mp4", ".ogg", ".oga", ".opus", ".webm"}
)
# A PCM WAV's header states its exact length; this much shortfall means the file was cut off.
TRUNCATION_TOLERANCE_S = 0.5
# Less than this is no usable recording (e.g. a WAV header followed by a few stray bytes).
MIN_DURATION_S = 0.1
PROGRESS_EVERY_S = 10.0  # report progress about every 10 s of decoded audio
# Source sample rates outside this range are no speech recording but a damaged or hostile header:
# 100 KB of WAV claiming 1 Hz would decode to 50,000 s (1.6 GB) of 16 kHz audio.
MIN_SOURCE_RATE, MAX_SOURCE_RATE = 4000, 384000
# A WAV written to a pipe (FFmpeg, streaming recorders) keeps this "length unknown" data size.
WAV_UNKNOWN_SIZE = 0xFFFFFFFF
# Tags are text of unknown encoding (Windows tools write Latin-1); they must never stop an import.
METADATA_ERRORS = "replace"


class AudioError(Exception):
    """A file that cannot be imported; str(e) is one Danish line meant for the user."""


def import_audio(
    src: Path, dest: Path, progress: Callable[[float], None] | None = None
) -> AudioInfo:
    """Decode `src` and write it to `dest` as 16 kHz 16-bit PCM WAV, keeping all channels.

    On any failure no file is left behind: the WAV is written next to `dest` under a temporary
    name (`dest` + ".part"), deleted on failure and renamed into place only when complete, so
    `dest` never holds a half file, not even after a crash. (A `dest` that existed before a
    failed import is left as it was.)
    """
    src, dest = Path(src), Path(dest)
    before = _check_source(src)
    partial = dest.with_name(dest.name + ".part")
    try:
        channels, n_frames = _decode_to_wav(src, partial, progress)
        _check_unchanged(src, before)
        os.replace(partial, dest)
    except BaseException:
        # Also on KeyboardInterrupt: never leave a partial file behind.
        partial.unlink(missing_ok=True)
        raise
    return AudioInfo(
        path=str(dest),
        sample_rate=SAMPLE_RATE,
        channels=channels,
        duration_s=n_frames / SAMPLE_RATE,
        source_name=src.name,
    )


def _check_source(src: Path) -> os.stat_result:
    """Reject what is plainly not an audio file before PyAV sees it; returns the file's stat."""
    if not src.exists():
        raise AudioError(f"Filen '{src.name}' findes ikke.")
    if src.is_dir():
        raise AudioError(f"'{src.name}' er en mappe, ikke en lydfil.")
    if src.suffix.lower() not in SUPPORTED_EXTENSIONS:
        supported = ", ".join(sorted(SUPPORTED_EXTENSIONS))
        raise AudioError(
            f"Filtypen '{src.suffix or '(ingen)'}' for '{src.name}' understøttes ikke. "
            f"Understøttede filtyper: {supported}."
        )
    try:
        stat = src.stat()
    except OSError as e:
        raise AudioError(f"Filen '{src.name}' kan ikke læses ({e.strerror}).") from e
    if stat.st_size == 0:
        raise AudioError(f"Filen '{src.name}' er tom (0 byte).")
    return stat


def _check_unchanged(src: Path, before: os.stat_result) -> None:
    """A source deleted or rewritten during the import may have been decoded only in part
    (truncation just looks like an early end of file to the decoder), so refuse the result."""
    try:
        after = src.stat()
    except OSError as e:
        raise AudioError(f"Filen '{src.name}' forsvandt under importen.") from e
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise AudioError(f"Filen '{src.name}' blev ændret under importen. Prøv igen.")


def _decode_to_wav(
    src: Path, out: Path, progress: Callable[[float], None] | None
) -> tuple[int, int]:
    """Stream-decode `src` into the WAV `out`; returns (channels, frames written)."""
    try:
        container = av.open(str(src), metadata_errors=METADATA_ERRORS)
    except (av.error.FFmpegError, OSError) as e:
        raise AudioError(f"Filen '{src.name}' kan ikke afkodes som lyd.") from e
    with container:
        if not container.streams.audio:
            raise AudioError(f"Filen '{src.name}' indeholder intet lydspor.")
        stream = container.streams.audio[0]
        if stream.codec_context is None:  # FFmpeg has no decoder for it (e.g. 40-bit PCM)
            raise AudioError(f"Filen '{src.name}' kan ikke afkodes som lyd.")
        rate = stream.codec_context.sample_rate or 0
        if not MIN_SOURCE_RATE <= rate <= MAX_SOURCE_RATE:
            raise AudioError(
                f"Filen '{src.name}' har en usædvanlig samplingsfrekvens ({rate} Hz); lyd kan "
                f"importeres fra {MIN_SOURCE_RATE} til {MAX_SOURCE_RATE} Hz."
            )
        declared_s = _declared_wav_duration(src)
        n_frames = 0
        next_report = PROGRESS_EVERY_S
        try:
            chunks = _resampled_pcm(container, stream)
            # The channel count is known only from the first decoded frame, so the WAV is
            # opened after it (wave cannot close a file whose parameters were never set).
            first = next(chunks, None)
            if first is None:
                raise AudioError(f"Filen '{src.name}' indeholder ingen lyd.")
            channels = first[1]
            with wave.open(str(out), "wb") as wav:
                wav.setnchannels(channels)
                wav.setsampwidth(SAMPLE_WIDTH)
                wav.setframerate(SAMPLE_RATE)
                for chunk, _ in _chain(first, chunks):
                    wav.writeframesraw(chunk)
                    n_frames += len(chunk) // (SAMPLE_WIDTH * channels)
                    if progress is not None and n_frames / SAMPLE_RATE >= next_report:
                        progress(n_frames / SAMPLE_RATE)
                        next_report += PROGRESS_EVERY_S
        except av.error.FFmpegError as e:
            # Corrupt data after a valid header, or the file became unreadable mid-import.
            raise AudioError(f"Filen '{src.name}' kunne ikke afkodes til ende.") from e
        except OSError as e:
            # Reading or writing failed at the system level (file gone, disk full ...).
            raise AudioError(f"Importen af '{src.name}' mislykkedes ({e.strerror or e}).") from e
    if n_frames < MIN_DURATION_S * SAMPLE_RATE:
        raise AudioError(f"Filen '{src.name}' indeholder for lidt lyd (under 0,1 sekund).")
    # A WAV cut off in transfer would silently lose the end of a meeting. Its header states the
    # exact length, so refuse it and let the user fetch the whole file (compressed formats only
    # estimate their length, so they are not judged this way).
    if declared_s is not None and n_frames / SAMPLE_RATE < declared_s - TRUNCATION_TOLERANCE_S:
        raise AudioError(
            f"Filen '{src.name}' er afkortet: den skulle vare {declared_s:.1f} s, "
            f"men kun {n_frames / SAMPLE_RATE:.1f} s kan læses. Hent hele filen igen."
        )
    if progress is not None:
        progress(n_frames / SAMPLE_RATE)
    return channels, n_frames


def probe_duration(src: Path) -> float:
    """The file's stated length in seconds, for a progress bar; 0.0 when it cannot be told.

    Never raises: the import itself reports what is wrong with the file."""
    try:
        with av.open(str(src), metadata_errors=METADATA_ERRORS) as container:
            return container.duration / av.time_base if container.duration else 0.0
    except (av.error.FFmpegError, OSError, ValueError):
        return 0.0


def _declared_wav_duration(src: Path) -> float | None:
    """The length a PCM WAV's header states (exact); None for anything else.

    FFmpeg trusts the file size over the header, so read the header ourselves."""
    try:
        with wave.open(str(src), "rb") as header:
            if header.getnframes() == WAV_UNKNOWN_SIZE // (header.getnchannels() * header.getsampwidth()):
                return None  # written as a stream: the length was never filled in
            return header.getnframes() / header.getframerate()
    except (wave.Error, EOFError, OSError, ZeroDivisionError):
        return None


def _resampled_pcm(container, stream):
    """Yield (interleaved s16 bytes, channel count) at 16 kHz, keeping the source layout.

    The resampler is built from the first decoded frame's layout (the stream header's may be
    missing or differ for some codecs), and flushed at the end so no tail is lost. A stream
    whose rate or layout changes midway (ADTS AAC files joined end to end) gets a new resampler
    at each change, still to the first frame's layout, so the channel count stays that of the start.
    """
    resampler, layout, source = None, None, None
    for frame in container.decode(stream):
        if (frame.format.name, frame.layout.name, frame.sample_rate) != source:
            if resampler is not None:
                yield from _frames_to_pcm(resampler.resample(None))
            layout = layout or frame.layout
            resampler = av.AudioResampler(format="s16", layout=layout, rate=SAMPLE_RATE)
            source = (frame.format.name, frame.layout.name, frame.sample_rate)
        yield from _frames_to_pcm(resampler.resample(frame))
    if resampler is not None:
        yield from _frames_to_pcm(resampler.resample(None))


def _chain(first, rest):
    yield first
    yield from rest


def _frames_to_pcm(frames):
    for frame in frames:
        if frame.samples:
            # Packed s16 has a single plane; slice off the padding PyAV may allocate.
            n_bytes = frame.samples * frame.layout.nb_channels * SAMPLE_WIDTH
            yield bytes(frame.planes[0])[:n_bytes], frame.layout.nb_channels
