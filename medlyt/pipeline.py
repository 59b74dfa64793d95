"""Chains the stages: import -> VAD -> transcription -> store. No user interface here."""

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from capture.source import import_audio
from capture.vad import VadOptions, speech_segments
from capture.wav import iter_mono_blocks
from meetings.consent import require_consent
from meetings.records import Meeting, Segment
from meetings.store import Store
from medlyt.export import Transcript
from models.store import DEFAULT_MODEL, locate
from transcribe.whisper import TranscribeOptions, load_model, transcribe_speech

Progress = Callable[[float], None]


def import_recording(store: Store, meeting_id: str, src: Path, on_progress: Progress | None = None) -> Meeting:
    """Decode `src` into the meeting's stored recording; the store keeps it all-or-nothing."""
    return store.attach_audio(meeting_id, lambda dest: import_audio(src, dest, on_progress))


def transcribe_wav(
    home: Path,
    wav: Path,
    model: str = DEFAULT_MODEL,
    vad: VadOptions = VadOptions(),
    options: TranscribeOptions = TranscribeOptions(),
    on_progress: Progress | None = None,
) -> tuple[str, Iterator[Segment]]:
    """The verified model's name and a generator of the recording's transcript segments."""
    info = locate(home, model)
    whisper = load_model(info.path, options)
    speech = speech_segments(iter_mono_blocks(wav), vad)
    return info.name, transcribe_speech(whisper, wav, speech, options, on_progress)


def process_meeting(
    store: Store,
    home: Path,
    meeting_id: str,
    model: str = DEFAULT_MODEL,
    on_progress: Progress | None = None,
) -> Meeting:
    """VAD and transcription of a meeting's recording; the transcript replaces any earlier one."""
    require_consent(store.get_meeting(meeting_id))  # fail before minutes of work, not after
    model_name, segments = transcribe_wav(home, store.audio_path(meeting_id), model, on_progress=on_progress)
    return store.save_transcript(meeting_id, list(segments), model_name)


def transcribe_file(home: Path, src: Path, model: str = DEFAULT_MODEL, on_progress: Progress | None = None) -> Transcript:
    """Stateless: decode to a temporary WAV, transcribe, and leave nothing behind."""
    with tempfile.TemporaryDirectory(prefix="medlyt-") as tmp:
        audio = import_audio(src, Path(tmp) / "audio.wav")
        model_name, segments = transcribe_wav(home, Path(audio.path), model, on_progress=on_progress)
        return Transcript(segments=list(segments), title=src.name, duration_s=audio.duration_s, model=model_name)
