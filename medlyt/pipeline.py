"""Chains the stages: import -> VAD -> transcription -> store. No user interface here."""

import dataclasses
import math
import os
import sys
import threading
import wave
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from capture.loudness import LoudnessTrack
from capture.source import SAMPLE_RATE as STORED_RATE
from capture.source import AudioError, import_audio
from capture.vad import SpeechSegment, VadOptions, speech_segments
from capture.wav import iter_mono_blocks, read_mono
from feedback.analysis import analyser
from feedback.config import Config, load_config
from medlyt.export import Transcript
from medlyt.settings import default_model, whisper_batch_size, whisper_compute_type, whisper_device
from meetings import scratch
from meetings.consent import require_consent
from meetings.intervals import union
from meetings.records import Meeting, Segment, Speech
from meetings.store import Store
from models.store import locate
from transcribe.diarize import SpeakerResult, attribute_recording
from transcribe.embedding import SAMPLE_RATE, SpeakerEncoder, preprocess_wav
from transcribe.speaker_segments import split_segments
from transcribe.whisper import TranscribeOptions, TranscriptionError, load_model, transcribe_speech

Progress = Callable[[float], None]


def import_recording(store: Store, meeting_id: str, src: Path, on_progress: Progress | None = None,
                     by: str | None = None) -> Meeting:
    """Decode `src` into the meeting's stored recording; the store keeps it all-or-nothing.
    `by` is who did it, for the audit log."""
    return store.attach_audio(meeting_id, lambda dest: import_audio(src, dest, on_progress), by)


def find_speech(wav: Path, vad: VadOptions = VadOptions()) -> list[SpeechSegment]:
    return list(speech_segments(iter_mono_blocks(wav), vad))


def transcribe_options() -> TranscribeOptions:
    """The engine settings from configuration (medlyt.settings)."""
    try:
        return TranscribeOptions(batch_size=whisper_batch_size(), device=whisper_device(),
                                 compute_type=whisper_compute_type())
    except ValueError as error:  # a mistyped setting: one line naming it, exit 2
        raise TranscriptionError(str(error)) from None


def load_whisper(home: Path, model: str | None = None, workers: int = 1):
    """The verified model (name, path, digest) and the model loaded; `model` None means the
    organisation's default (medlyt.settings.default_model). `workers` jobs may use it at once."""
    info = locate(home, model or default_model())
    return info, load_model(info.path, transcribe_options(), workers)


def process_meeting(
    store: Store,
    home: Path,
    meeting_id: str,
    model: str | None = None,
    n_speakers: int | None = None,
    on_progress: Progress | None = None,
    config: Config | None = None,
    by: str | None = None,
    loaded=None,
) -> tuple[Meeting, SpeakerResult]:
    """VAD, speaker attribution, transcription, loudness and feedback analysis of a meeting's
    recording; the result replaces any earlier one (the stored manual corrections are applied
    again by the store). `config` defaults to the shipped feedback settings. `loaded` is a
    (ModelInfo, model) from `load_whisper` that a worker keeps between jobs."""
    config = config or load_config()
    meeting = store.get_meeting(meeting_id)
    require_consent(meeting)  # fail before minutes of work, not after
    if n_speakers is not None and n_speakers < 1:
        raise AudioError("Antallet af talere skal være mindst 1.")
    options = transcribe_options()  # likewise a mistyped engine setting,
    model_info, whisper = loaded or load_whisper(home, model)  # a missing model, or no GPU where one was asked for
    options = dataclasses.replace(options, timestamps=model_info.timestamps)
    with store.audio_file(meeting_id) as wav:
        check_recording(wav, meeting)
        speech = find_speech(wav)
        voiceprints = {user: np.frombuffer(vector, np.float32) for user, vector in store.voiceprints().items()}

        def attribution() -> SpeakerResult:
            return attribute_recording(wav, [(s.start, s.end) for s in speech], meeting.participants, n_speakers,
                                       voiceprints)

        if alongside_whisper(meeting):
            # Who speaks is found while Whisper works, in the moments Whisper leaves a core idle
            # (its Python steps between and inside the batches).
            with ThreadPoolExecutor(1) as pool:
                attributing = pool.submit(yielding_to_whisper, attribution)
                segments = list(transcribe_speech(whisper, wav, speech, options, on_progress=on_progress))
                result = attributing.result()
        else:
            result = attribution()
            segments = (transcribe_by_channel(whisper, wav, result, meeting, options, on_progress)
                        if result.method == "channels" else
                        list(transcribe_speech(whisper, wav, speech, options, on_progress=on_progress)))
        if result.method != "channels" and result.turns:
            segments = split_segments(segments, result.turns, [s.id for s in result.speakers])
        track, channels = LoudnessTrack.of_wav(wav), speaker_channels(result, meeting)
    segments = with_loudness(segments, track, channels)
    speech = measured_speech(result, track, channels)
    return store.save_transcript(meeting_id, segments, model_info.name, result.speakers, analyser(config), speech,
                                 by, model_sha256=model_info.sha256, model_revision=model_info.revision), result


# Speaker attribution by voice holds the whole recording in memory (float32, 230 MB an hour)
# beside Whisper's 1.2-1.4 GB when they run together, so only recordings up to this long do:
# longer ones keep within the 1.5 GB budget one step after the other.
ALONGSIDE_WHISPER_MAX_S = 30 * 60


def yielding_to_whisper(work: Callable[[], SpeakerResult]) -> SpeakerResult:
    """Runs `work` in this thread at the lowest priority (Linux's nice is per thread, and the
    threads onnxruntime starts from it inherit it). At equal priority the speakers took their
    8 s of CPU on 12 minutes from Whisper's two busy threads and `process` took 1.2 times as
    long as Whisper alone; at nice 19 they get what Whisper leaves. The pool thread ends with
    its meeting, so nothing else runs at the lowered priority."""
    if sys.platform == "linux":
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    return work()


def alongside_whisper(meeting: Meeting) -> bool:
    """Whether the speakers can be found while Whisper transcribes: a one-channel recording
    (attribution by voice, which the transcription does not wait for) short enough for both to
    fit in memory together."""
    return meeting.audio.channels == 1 and meeting.audio.duration_s <= ALONGSIDE_WHISPER_MAX_S


def check_recording(wav: Path, meeting: Meeting) -> None:
    """The stored recording is whole and the one the store describes, before minutes of work:
    damage on disk gives one clear line, not an unexpected error or a transcript of half of it."""
    try:
        with wave.open(str(wav), "rb") as stored:
            facts = (stored.getframerate(), stored.getsampwidth(), stored.getnchannels())
            n_frames = stored.getnframes()
            stored.setpos(max(0, n_frames - 1))
            last = stored.readframes(1)  # a file cut short has no last frame
    except (wave.Error, EOFError, OSError):
        facts, n_frames, last = None, 0, b""
    whole = len(last) == 2 * meeting.audio.channels if n_frames else facts is not None
    if (not whole or facts != (STORED_RATE, 2, meeting.audio.channels)
            or abs(n_frames / STORED_RATE - meeting.audio.duration_s) > 0.5):
        raise AudioError(f"Optagelsen til mødet '{meeting.id}' er beskadiget på disken og kan ikke behandles. "
                         f"Træk mødet tilbage med 'medlyt withdraw {meeting.id}', og importér lyden i et nyt møde.")


SPEECH_PIECE_S = 0.5  # loudness resolution: a raised voice of 2 s spans several pieces


def measured_speech(result: SpeakerResult, track: LoudnessTrack, channels: dict[str, int]) -> list[Speech]:
    """Who spoke when, from the speaker attribution (not from Whisper's text), cut into short
    pieces with their loudness."""
    pieces = []
    for turn in result.turns:
        speaker = result.speakers[turn.speaker].id
        count = max(1, math.ceil((turn.end - turn.start) / SPEECH_PIECE_S - 1e-9))
        step = (turn.end - turn.start) / count
        for k in range(count):
            start, end = turn.start + k * step, turn.start + (k + 1) * step
            pieces.append(Speech(round(start, 3), round(end, 3), speaker,
                                 track.level_db(start, end, channels.get(speaker))))
    return sorted(pieces, key=lambda p: (p.start, p.end))


def speaker_channels(result: SpeakerResult, meeting: Meeting) -> dict[str, int]:
    """0-based channel of each speaker's own microphone, when attribution went by channel."""
    if result.method != "channels":
        return {}
    return {s.id: p.channel - 1 for s in result.speakers for p in meeting.participants if p.role == s.role}


def with_loudness(segments: list[Segment], track: LoudnessTrack, channels: dict[str, int]) -> list[Segment]:
    """Each word's and segment's level, from the speaker's own channel where they have one
    (so the other person's voice does not count), else from the mix."""
    measured = []
    for segment in segments:
        channel = channels.get(segment.speaker)
        words = [dataclasses.replace(w, loudness_db=track.level_db(w.start, w.end, channel)) for w in segment.words]
        spans = [(w.start, w.end) for w in words] or [(segment.start, segment.end)]
        measured.append(dataclasses.replace(segment, words=words, loudness_db=track.level_of(spans, channel)))
    return measured


CHANNEL_PAD_S = 0.3  # around each channel turn, so Whisper hears the whole first and last word


def transcribe_by_channel(whisper, wav: Path, result: SpeakerResult, meeting: Meeting, options: TranscribeOptions,
                          on_progress: Progress | None) -> list[Segment]:
    """One microphone per person: each person's turns transcribed from their own channel, so
    talk at the same time is heard, and every line has its speaker by construction."""
    channels = speaker_channels(result, meeting)
    segments: list[Segment] = []
    for index, speaker in enumerate(result.speakers):
        regions = union([(t.start - CHANNEL_PAD_S, t.end + CHANNEL_PAD_S)
                         for t in result.turns if t.speaker == index])
        speech = [SpeechSegment(max(0.0, s), e) for s, e in regions]
        for segment in transcribe_speech(whisper, wav, speech, options, on_progress=on_progress,
                                         channel=channels[speaker.id]):
            segment.speaker = speaker.id
            segments.append(segment)
    return sorted(segments, key=lambda s: s.start)


def transcribe_file(home: Path, src: Path, model: str | None = None, on_progress: Progress | None = None) -> Transcript:
    """Stateless: decode to a WAV in private scratch space, transcribe, and leave nothing behind."""
    with scratch.directory() as tmp:
        audio = import_audio(src, Path(tmp) / "audio.wav")
        wav = Path(audio.path)
        model_info, whisper = load_whisper(home, model)
        options = dataclasses.replace(transcribe_options(), timestamps=model_info.timestamps)
        segments = list(transcribe_speech(whisper, wav, find_speech(wav), options, on_progress=on_progress))
    return Transcript(segments=segments, title=src.name, duration_s=audio.duration_s, model=model_info.name)


ENROLL_MIN_SPEECH_S = 10.0  # a voice print from less speech is too unreliable to name anyone by


def voiceprint_of_file(src: Path) -> tuple[bytes, float]:
    """A caseworker's voice print (float32 GE2E embedding) from a recording of them alone,
    and the seconds of speech it rests on. Stores nothing itself."""
    with scratch.directory() as tmp:
        audio = import_audio(src, Path(tmp) / "voice.wav")
        speech = preprocess_wav(read_mono(Path(audio.path)))
    seconds = len(speech) / SAMPLE_RATE
    if seconds < ENROLL_MIN_SPEECH_S:
        raise AudioError(f"'{src.name}' har kun {seconds:.0f} s tale; en stemmeprøve kræver mindst "
                         f"{ENROLL_MIN_SPEECH_S:.0f} s, hvor personen taler alene.")
    return SpeakerEncoder.load().embed_utterance(speech).astype(np.float32).tobytes(), seconds
