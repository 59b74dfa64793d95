"""Danish transcription of speech segments with faster-whisper, the model loaded by path.

VAD hands us speech segments; we join consecutive ones into blocks of bounded length, let
Whisper transcribe each block as one stretch of audio (so silence costs nothing and the encoder
sees full 30 s windows), and map the times back onto the meeting's own clock.
"""

import os
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from capture.vad import SpeechSegment
from capture.wav import read_mono
from meetings.records import Segment, Word

SAMPLE_RATE = 16000
# Text that compresses better than this is a loop, not speech: Whisper's own threshold, the one
# its temperature fallback (unused here, for determinism) applies. Shared with the live lines.
MAX_COMPRESSION_RATIO = 2.4


class TranscriptionError(Exception):
    """A model that cannot be loaded or run; the message is one Danish line naming the fix."""


@dataclass(frozen=True)
class TranscribeOptions:
    language: str = "da"
    beam_size: int = 5
    # Greedy-deterministic decoding: the same audio always gives the same transcript, so a
    # flagged moment can be explained later. Whisper's temperature fallback would add chance.
    temperature: float = 0.0
    word_timestamps: bool = True
    # Off: with temperature 0 and no fallback, a window conditioned on a garbled previous one
    # tends to repeat it ("og jeg synes jeg ...") for minutes, which would make up words the
    # feedback then counts. Measured on a synthetic meeting; WER on the shared clips unchanged.
    condition_on_previous_text: bool = False
    # Seconds of speech per Whisper call. Bounds memory on long meetings (faster-whisper computes
    # the whole mel spectrogram of its input at once) while keeping calls few.
    block_s: float = 240.0
    compute_type: str = "int8"
    cpu_threads: int = 0  # 0: all cores


def load_model(model_dir: Path, options: TranscribeOptions = TranscribeOptions()):
    """Load a CTranslate2 Whisper model from a local directory; never from a hub."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from faster_whisper import WhisperModel  # slow import; keep `medlyt --help` quick

    try:
        return WhisperModel(
            str(model_dir),
            device="cpu",
            compute_type=options.compute_type,
            cpu_threads=options.cpu_threads,
            local_files_only=True,
        )
    except (RuntimeError, ValueError, OSError) as error:
        raise TranscriptionError(
            f"Whisper-modellen i {model_dir} kan ikke indlæses ({error}). Kør: medlyt models verify"
        ) from error


def compression_ratio(text: str) -> float:
    """Whisper's measure of repetition: UTF-8 length over zlib-compressed length."""
    data = text.strip().encode("utf-8")
    return len(data) / len(zlib.compress(data))


def loops(text: str) -> bool:
    return compression_ratio(text) > MAX_COMPRESSION_RATIO


def without_loops(raw):
    """Whisper's segment without the words of a loop that it could not place on any sound; None
    when no word is left.

    A loop is judged on the segment's own text: faster-whisper's `compression_ratio` is that of
    the whole 30 s window, so dropping by it also drops the real segments decoded along with a
    loop (23 s of tests/fixtures/dialogues/dialog1). Within a loop only the words that the
    alignment gives no time go: on 4 s of hiss, 178 of the 179 words of "det er så, at det er
    så, at ..." sit at one instant at the end. A loop over real speech spreads its words over
    that speech, and their times are all the transcript knows of it: cutting such a loop back
    to one pass took 30 s of the citizen's story out of dialog1 (share error 7.9 points).
    Without word times there is no telling the two apart, so such a segment is kept.
    """
    if not raw.words or not loops(raw.text):
        return raw
    placed = [w for w in raw.words if w.end > w.start]
    if not placed:
        return None
    return replace(raw, words=placed, text="".join(w.word for w in placed))


def group_into_blocks(speech: Iterable[SpeechSegment], block_s: float) -> Iterator[list[SpeechSegment]]:
    """Consecutive speech segments, cut into groups of at most about `block_s` seconds of speech."""
    block: list[SpeechSegment] = []
    length = 0.0
    for segment in speech:
        duration = segment.end - segment.start
        if block and length + duration > block_s:
            yield block
            block, length = [], 0.0
        block.append(segment)
        length += duration
    if block:
        yield block


class BlockClock:
    """Maps a time in the joined block audio back to the meeting's clock."""

    def __init__(self, sources: list[float], durations: list[float]):
        self.sources = sources
        self.durations = durations
        self.offsets: list[float] = []
        offset = 0.0
        for duration in self.durations:
            self.offsets.append(offset)
            offset += duration

    def piece_of(self, t: float) -> int:
        return max(0, min(len(self.offsets) - 1, bisect_right(self.offsets, t) - 1))

    def to_meeting(self, t: float, is_end: bool = False) -> float:
        # At a joint between two pieces a start belongs to the later piece, an end to the earlier.
        find = bisect_left if is_end else bisect_right
        i = max(0, min(len(self.offsets) - 1, find(self.offsets, t) - 1))
        within = min(max(t - self.offsets[i], 0.0), self.durations[i])
        return round(self.sources[i] + within, 3)

    def piece_end(self, i: int) -> float:
        return round(self.sources[i] + self.durations[i], 3)


def to_segments(raw, clock: BlockClock) -> list[Segment]:
    """Whisper's segment in meeting time, cut where it crosses from one speech piece to the next:
    the audio between pieces was never heard, so no segment or word may span it (else a pause,
    or the other person's turn, would count as talk)."""
    if not raw.words:
        return [Segment(start=clock.to_meeting(raw.start), end=clock.to_meeting(raw.end, is_end=True),
                        text=raw.text.strip(), avg_logprob=round(raw.avg_logprob, 4),
                        no_speech_prob=round(raw.no_speech_prob, 4))]
    by_piece: dict[int, list[Word]] = {}
    for w in raw.words:
        piece = clock.piece_of(w.start)
        start = clock.to_meeting(w.start)
        end = min(clock.to_meeting(w.end, is_end=True), clock.piece_end(piece))
        by_piece.setdefault(piece, []).append(Word(start, max(start, end), w.word.strip(), round(w.probability, 4)))
    return [
        Segment(start=words[0].start, end=words[-1].end, text=" ".join(w.text for w in words), words=words,
                avg_logprob=round(raw.avg_logprob, 4), no_speech_prob=round(raw.no_speech_prob, 4))
        for _piece, words in sorted(by_piece.items())
    ]


def transcribe_speech(
    model,
    audio_path: Path,
    speech: Iterable[SpeechSegment],
    options: TranscribeOptions = TranscribeOptions(),
    on_progress: Callable[[float], None] | None = None,
    channel: int | None = None,
) -> Iterator[Segment]:
    """Transcribe the speech segments of a stored recording; yields segments in meeting time.
    With `channel` (0-based) only that channel is heard, else all channels mixed.

    A generator, so callers can show progress, store as they go, or stop early. `on_progress`
    gets the meeting time (s) reached after each block.
    """
    for block in group_into_blocks(speech, options.block_s):
        pieces = [read_mono(audio_path, s.start, s.end, channel) for s in block]
        # Durations from the samples actually read, so rounding never drifts the clock.
        clock = BlockClock([s.start for s in block], [len(p) / SAMPLE_RATE for p in pieces])
        audio = np.concatenate(pieces)
        raw_segments, _info = model.transcribe(
            audio,
            language=options.language,
            beam_size=options.beam_size,
            temperature=options.temperature,
            word_timestamps=options.word_timestamps,
            condition_on_previous_text=options.condition_on_previous_text,
            vad_filter=False,  # our own VAD has already removed the silence
        )
        for raw in raw_segments:
            raw = without_loops(raw)
            if raw is not None and raw.text.strip():
                yield from to_segments(raw, clock)
        if on_progress:
            on_progress(block[-1].end)
