"""Recording a meeting: input blocks -> crash-safe PCM -> the meeting's stored WAV.

Consent is checked before the first sample is kept. Ctrl-C or a stop request ends a recording
cleanly; a crash leaves the PCM, which the next start turns into the meeting's audio.
"""

import threading
from collections.abc import Callable

from capture.recorder import SAMPLE_RATE, RecorderError
from capture.writer import PcmWriter, RecordingBusy, discard, is_abandoned, to_wav
from meetings.consent import require_consent
from meetings.errors import ConsentError, MeetingError
from meetings.records import Meeting
from meetings.store import Store


def record(store: Store, meeting_id: str, source, stop: threading.Event | None = None,
           on_progress: Callable[[float], None] | None = None) -> Meeting:
    meeting = store.get_meeting(meeting_id)
    require_consent(meeting)
    if meeting.audio is not None:
        raise MeetingError(f"Mødet '{meeting_id}' har allerede en optagelse.")
    if source.sample_rate != SAMPLE_RATE:
        raise RecorderError(f"Optagelsen skal være {SAMPLE_RATE} Hz, ikke {source.sample_rate} Hz.")
    pcm = store.recording_path(meeting_id)
    try:
        writer = PcmWriter(pcm, source.sample_rate, source.channels)
    except RecordingBusy:
        raise MeetingError(f"Mødet '{meeting_id}' bliver allerede optaget i et andet vindue.") from None
    try:
        for block in source.blocks():
            writer.write(block)
            if on_progress:
                on_progress(writer.seconds)
            if stop is not None and stop.is_set():
                source.stop()
    except KeyboardInterrupt:
        pass  # Ctrl-C ends the recording; everything heard so far is kept
    finally:
        writer.close()
    return finish(store, meeting_id, "optagelse")


def finish(store: Store, meeting_id: str, source_name: str) -> Meeting:
    pcm = store.recording_path(meeting_id)
    meeting = store.attach_audio(meeting_id, lambda dest: to_wav(pcm, dest, source_name))
    discard(pcm)
    return meeting


def recover_unfinished(store: Store) -> list[tuple[str, float]]:
    """Turn recordings left by a crash into their meetings' audio; a recording whose consent
    was withdrawn meanwhile, or whose meeting is gone, is deleted instead."""
    recovered = []
    for meeting_id in store.unfinished_recordings():
        pcm = store.recording_path(meeting_id)
        if not is_abandoned(pcm):
            continue  # still being recorded by another process
        try:
            meeting = finish(store, meeting_id, "genoprettet optagelse")
        except (ConsentError, MeetingError):
            discard(pcm)
            continue
        recovered.append((meeting_id, meeting.audio.duration_s))
    return recovered
