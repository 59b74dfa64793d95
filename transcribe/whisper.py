"""Danish transcription of speech segments with faster-whisper, the model loaded by path.

VAD hands us speech segments; transcribe.windows lays them end to end and cuts that joined
speech into Whisper windows of up to 30 s (so silence costs nothing and the encoder sees full
windows); here a full batch of windows is decoded at a time, and the times mapped back onto the
meeting's own clock. With batch size 1, blocks of joined speech go window after window through
plain faster-whisper.
"""

import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from capture.vad import SpeechSegment
from capture.wav import read_mono
from meetings.records import Segment, Word
from transcribe.heap import give_back_freed_memory, keep_freed_memory
from transcribe.windows import SAMPLE_RATE, BlockClock, JoinedSpeech

# Text that compresses better than this is a loop, not speech: Whisper's own threshold, the one
# its temperature fallback (unused here, for determinism) applies. Shared with the live lines.
MAX_COMPRESSION_RATIO = 2.4
# Whisper's own rule for a window it heard as silence: likely no speech, and unsure of what it
# wrote. faster-whisper applies it window by window; its batched pipeline does not, and made 16
# words of 4 s of hiss (no_speech 0.76, avg_logprob -1.33), so we apply it to every segment.
NO_SPEECH_THRESHOLD = 0.6
LOG_PROB_THRESHOLD = -1.0


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
    # Seconds of speech per Whisper call when decoding window after window (batch_size 1): bounds
    # memory on long meetings, for faster-whisper computes the whole mel spectrogram of its input
    # at once. The batched path is bounded by its batch instead (transcribe_batched).
    block_s: float = 240.0
    # Whisper windows decoded side by side (faster-whisper's batched pipeline, fed with our own
    # speech): about twice as fast on 2 cores as one window after the other. 1: one at a time.
    # 6 rather than faster-whisper's 8: as fast here, and 150-500 MB less at the peak (the
    # buffers CTranslate2 needs grow with the batch, and transcribe.heap keeps them).
    batch_size: int = 6
    device: str = "cpu"  # "cpu", "cuda" or "auto" (a CUDA GPU if there is one)
    compute_type: str = "auto"  # int8 on the CPU, int8_float16 on a GPU
    cpu_threads: int = 0  # 0: all cores
    # False for a model trained without timestamp tokens (models.convert finds out): asked for
    # them it writes on to the window's end or invents text, so it is decoded without them.
    timestamps: bool = True


DEVICES = ("cpu", "cuda", "auto")
COMPUTE_TYPES = {"cpu": "int8", "cuda": "int8_float16"}


def engine(device: str, compute_type: str, cuda_devices: int,
           supported: Callable[[str], set[str]] | None = None) -> tuple[str, str]:
    """(device, compute type) to load with, given how many CUDA GPUs CTranslate2 sees and
    `supported(device)`, the compute types CTranslate2 can run there."""
    if device not in DEVICES:
        raise TranscriptionError(f"Ukendt enhed '{device}'. Brug: {', '.join(DEVICES)}.")
    if device == "cuda" and cuda_devices == 0:
        raise TranscriptionError("Der er ingen CUDA-GPU på denne maskine (eller CUDA-bibliotekerne mangler). "
                                 "Brug MEDLYT_DEVICE=cpu eller auto.")
    chosen = "cuda" if device == "auto" and cuda_devices > 0 else ("cpu" if device == "auto" else device)
    compute = COMPUTE_TYPES[chosen] if compute_type == "auto" else compute_type
    try:
        can = supported(chosen) if supported else None
    except RuntimeError as error:  # a GPU that CTranslate2 sees but its CUDA runtime cannot use
        raise TranscriptionError(f"GPU'en kan ikke bruges ({error}). Brug MEDLYT_DEVICE=cpu.") from None
    if can is not None and compute not in can:
        raise TranscriptionError(f"Beregningstypen '{compute}' kan ikke bruges på {chosen} her. "
                                 f"Brug MEDLYT_COMPUTE_TYPE={' eller '.join(sorted(can))} (eller auto).")
    return chosen, compute


def load_model(model_dir: Path, options: TranscribeOptions = TranscribeOptions(), workers: int = 1):
    """Load a CTranslate2 Whisper model from a local directory; never from a hub. `workers`
    transcriptions may run on it at once (a central worker's --concurrency)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    import ctranslate2
    from faster_whisper import WhisperModel  # slow import; keep `medlyt --help` quick

    device, compute_type = engine(options.device, options.compute_type, ctranslate2.get_cuda_device_count(),
                                  ctranslate2.get_supported_compute_types)
    try:
        return WhisperModel(
            str(model_dir),
            device=device,
            compute_type=compute_type,
            cpu_threads=options.cpu_threads,
            num_workers=workers,
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


def heard_as_silence(raw) -> bool:
    return raw.no_speech_prob > NO_SPEECH_THRESHOLD and raw.avg_logprob < LOG_PROB_THRESHOLD


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


COMMON = ("language", "beam_size", "temperature", "word_timestamps")


def settings(options: TranscribeOptions) -> dict:
    # vad_filter off: our own VAD has run, and its speech is all Whisper gets.
    return {name: getattr(options, name) for name in COMMON} | {"vad_filter": False}


def decode_plain(model, audio: np.ndarray, options: TranscribeOptions):
    """Whisper's segments for one block of joined speech, window after window as plain
    faster-whisper does."""
    segments, _info = model.transcribe(audio, condition_on_previous_text=options.condition_on_previous_text,
                                       without_timestamps=not options.timestamps, **settings(options))
    return segments if options.timestamps else (sentence for window in segments for sentence in sentences(window))


def decode_batch(model, audio: np.ndarray, clips: list[tuple[float, float]], options: TranscribeOptions):
    """Whisper's segments for one batch of windows (`clips`, seconds into `audio`), side by side."""
    from faster_whisper import BatchedInferencePipeline

    # Without timestamp tokens: with them the batched pipeline lets no window's text begin
    # later than its first instant, and read Danish lost 0.03 in WER (0.449 vs 0.418 window by
    # window on the 6-minute story); without, 0.423, the word times coming from the alignment.
    segments, _info = BatchedInferencePipeline(model).transcribe(
        audio, clip_timestamps=[{"start": a, "end": b} for a, b in clips], batch_size=options.batch_size,
        without_timestamps=True, **settings(options))
    return (sentence for window in segments for sentence in sentences(window))


SENTENCE_END = (".", "?", "!")


def sentences(raw):
    """A window-long segment cut after each word that ends a sentence, so a transcript line (and
    the loop check) is a sentence, as when Whisper's own timestamps cut it."""
    if not raw.words:
        yield raw
        return
    part = []
    for word in raw.words:
        part.append(word)
        if word.word.strip().endswith(SENTENCE_END) or word is raw.words[-1]:
            yield replace(raw, start=part[0].start, end=part[-1].end, words=part, text="".join(w.word for w in part))
            part = []


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
    if options.batch_size > 1:
        yield from transcribe_batched(model, JoinedSpeech(audio_path, list(speech), channel), options, on_progress)
        return
    for block in group_into_blocks(speech, options.block_s):
        pieces = [read_mono(audio_path, s.start, s.end, channel) for s in block]
        # Durations from the samples actually read, so rounding never drifts the clock.
        clock = BlockClock([s.start for s in block], [len(p) / SAMPLE_RATE for p in pieces])
        yield from kept(decode_plain(model, np.concatenate(pieces), options), clock)
        if on_progress:
            on_progress(block[-1].end)


def transcribe_batched(model, speech: JoinedSpeech, options: TranscribeOptions,
                       on_progress: Callable[[float], None] | None) -> Iterator[Segment]:
    """The windows are planned over the whole meeting and decoded a full batch at a time: a
    batch is one encoder and one decoder call whatever it holds, so planning per block of
    speech left part-filled batches (21 windows in 5 calls instead of 3 on 12 minutes)."""
    planned = speech.windows()
    keep_freed_memory()
    try:
        for i in range(0, len(planned), options.batch_size):
            batch = planned[i:i + options.batch_size]
            start = batch[0][0]
            audio, clock = speech.audio(start, batch[-1][1])
            clips = [(round(a - start, 3), round(b - start, 3)) for a, b in batch]
            raws = list(decode_batch(model, audio, clips, options))
            tails = unheard_tails(raws, clips)
            if tails:
                raws = sorted(raws + list(decode_batch(model, audio, tails, options)), key=lambda r: r.start)
            yield from kept(raws, clock)
            if on_progress:
                on_progress(clock.piece_end(len(clock.sources) - 1))
    finally:
        give_back_freed_memory()


UNHEARD_TAIL_S = 5.0


def unheard_tails(raws, clips: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """What is left of each window (`clips`) after its last word, where that is UNHEARD_TAIL_S
    or more and the window has words, to be decoded again. Without timestamp tokens Whisper
    now and then ends a window's text early, and the rest of its speech would never be written:
    6 words for a 24 s window on a 5-minute meeting, the meeting's WER 0.52 instead of 0.41. The
    windows hold only speech, so a long stretch without words is one Whisper skipped. A window
    without any words is not decoded again: the same audio would give the same nothing."""
    tails = []
    for a, b in clips:
        ends = [w.end for raw in raws for w in (raw.words or []) if a <= w.start < b]
        if ends and b - max(ends) >= UNHEARD_TAIL_S:
            tails.append((round(max(ends), 3), b))
    return tails


def kept(raws, clock: BlockClock) -> Iterator[Segment]:
    """Whisper's segments in meeting time, without windows heard as silence and loops."""
    for raw in raws:
        if heard_as_silence(raw):
            continue
        raw = without_loops(raw)
        if raw is not None and raw.text.strip():
            yield from to_segments(raw, clock)
