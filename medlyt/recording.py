"""Recording a meeting: input blocks -> crash-safe PCM -> the meeting's stored WAV, and with a
live transcriber: blocks -> live VAD -> transcription -> live lines in the store.

The pieces run in their own threads, joined by queues, so nothing downstream can hold up
capture: the consumer loop only writes each block to disk and hands it on. Consent is checked
before the first sample is kept. Ctrl-C, a stop request (the dashboard's stop button, through
the store) or a withdrawal ends a recording; a crash leaves the PCM, which the next start turns
into the meeting's audio.
"""

import dataclasses
import queue
import threading
import time
from collections.abc import Callable

from capture.live import LiveSegmenter
from capture.recorder import SAMPLE_RATE, RecorderError
from meetings.consent import require_consent
from meetings.errors import (
    ConsentError,
    MeetingError,
    MeetingNotFound,
    MeetingWithdrawn,
)
from meetings.recordings import PcmWriter
from meetings.records import LiveLine, Meeting
from meetings.store import Store

HEARTBEAT_S = 0.5  # how often the store hears from the recorder, and how soon a stop request is seen
MAX_BATCH_S = 20.0  # utterances transcribed in one call when they queue up (Whisper hears 30 s at a time)


def record(store: Store, meeting_id: str, source, stop: threading.Event | None = None,
           on_progress: Callable[[float], None] | None = None, live=None,
           on_line: Callable[[LiveLine], None] | None = None,
           on_live_error: Callable[[str], None] | None = None, by: str | None = None, level=None) -> Meeting:
    """Record `source` into the meeting until it ends or is stopped. `live` (a
    transcribe.live.LiveTranscriber) adds live lines to the store while recording; a line
    that fails is reported to `on_live_error` and the recording goes on. `level` (a
    capture.level.LevelWriter) is fed every block kept, for the dashboard's meter."""
    meeting = store.get_meeting(meeting_id)
    require_consent(meeting)
    if meeting.audio is not None:
        raise MeetingError(f"Mødet '{meeting_id}' har allerede en optagelse.")
    if source.sample_rate != SAMPLE_RATE:
        raise RecorderError(f"Optagelsen skal være {SAMPLE_RATE} Hz, ikke {source.sample_rate} Hz.")
    writer = store.open_recording(meeting_id, source.sample_rate, source.channels)
    stop = stop or threading.Event()
    store.start_live(meeting_id, live is not None, by)
    monitor = Monitor(store, meeting_id, writer, source, stop)
    transcribing = (LivePipeline(store, meeting_id, live, source.sample_rate, source.channels, on_line, on_live_error)
                    if live else None)
    failure: OSError | None = None
    try:
        for block in source.blocks():
            try:
                writer.write(block)
            except OSError as error:  # a full disk or a failing one: stop, keep what reached it
                failure = error
                source.stop()
                break
            if transcribing:
                transcribing.put(block)
            if level:
                level.feed(block)
            if on_progress:
                on_progress(writer.seconds)
            if stop.is_set():
                source.stop()
    except KeyboardInterrupt:
        pass  # Ctrl-C ends the recording; everything heard so far is kept
    finally:
        try:
            writer.close()
        except OSError as error:
            failure = failure or error
        monitor.close()
        if level:
            level.close()
        if transcribing:
            transcribing.close()
        store.end_live(meeting_id)
    try:
        meeting = store.attach_recording(meeting_id, "optagelse", by)
    except (ConsentError, MeetingWithdrawn):
        store.discard_recording(meeting_id)  # withdrawn while recording: nothing of it may be kept
        raise
    except MeetingError:
        if failure is None:
            raise
        kept = ("Det, der nåede disken, gemmes ved næste start af medlyt, når der er plads."
                if meeting_id in store.unfinished_recordings() else "Intet nåede disken.")
        raise RecorderError(f"Optagelsen stoppede efter {writer.seconds:.0f} s: lyden kunne ikke skrives "
                            f"({failure.strerror or failure}). {kept}") from None
    if failure is not None:
        raise RecorderError(f"Optagelsen stoppede efter {writer.seconds:.0f} s, fordi lyden ikke kunne skrives "
                            f"({failure.strerror or failure}). De {meeting.audio.duration_s:.0f} s, der nåede "
                            "disken, er gemt.")
    return meeting


def listen(source, level, seconds: float) -> None:
    """The microphone check before a recording: its level for `seconds` (or until Ctrl-C), for
    the dashboard's meter. Nothing heard is kept."""
    heard = 0
    try:
        for block in source.blocks():
            level.feed(block)
            heard += len(block)
            if heard >= seconds * source.sample_rate:
                source.stop()
    except KeyboardInterrupt:
        pass
    finally:
        level.close()


def recover_unfinished(store: Store) -> list[tuple[str, float]]:
    """Turn recordings left by a crash into their meetings' audio; a recording whose consent
    was withdrawn meanwhile, or whose meeting is gone, is deleted instead."""
    recovered = []
    for meeting_id in store.unfinished_recordings():
        if not store.recording_abandoned(meeting_id):
            continue  # still being recorded by another process
        try:
            if store.get_meeting(meeting_id).audio is not None:
                store.discard_recording(meeting_id)  # the crash came after it was saved, before it was cleaned up
                continue
            meeting = store.attach_recording(meeting_id, "genoprettet optagelse")
        except (ConsentError, MeetingNotFound):
            store.discard_recording(meeting_id)  # withdrawn or deleted meanwhile: nothing of it may be kept
            continue
        except MeetingError:
            continue  # e.g. a full disk: keep the recording and try again at the next start
        store.end_live(meeting_id)
        recovered.append((meeting_id, meeting.audio.duration_s))
    return recovered


class Monitor:
    """Tells the store the recorder is alive and how far it is, and ends the recording when the
    store says stop (the dashboard's button) or the meeting was withdrawn."""

    def __init__(self, store: Store, meeting_id: str, writer: PcmWriter, source, stop: threading.Event):
        self.store, self.meeting_id, self.writer, self.source, self.stop = store, meeting_id, writer, source, stop
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="recording-monitor")
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(HEARTBEAT_S):
            try:
                if self.store.live_heartbeat(self.meeting_id, self.writer.seconds, self.source.overflows):
                    self.stop.set()
                    self.source.stop()
            except MeetingError:
                continue  # a busy database: the next heartbeat tries again; the audio is safe on disk

    def close(self) -> None:
        self._done.set()
        self._thread.join()


class LivePipeline:
    """blocks -> live VAD (one thread) -> transcription (another) -> the store. Each stage has
    its own queue, so a slow transcription delays only the lines, never capture or the VAD."""

    def __init__(self, store: Store, meeting_id: str, transcriber, sample_rate: int, channels: int,
                 on_line: Callable[[LiveLine], None] | None = None, on_error: Callable[[str], None] | None = None):
        self.store, self.meeting_id, self.transcriber = store, meeting_id, transcriber
        self.on_line, self.on_error = on_line, on_error
        self.segmenter = LiveSegmenter(sample_rate, channels)
        self.sample_rate = sample_rate
        self.started: float | None = None  # monotonic time the first sample was heard
        self._blocks: queue.Queue = queue.Queue()
        self._utterances: queue.Queue = queue.Queue()
        self._threads = [threading.Thread(target=self._segment, daemon=True, name="live-vad"),
                         threading.Thread(target=self._transcribe, daemon=True, name="live-transcriber")]
        for thread in self._threads:
            thread.start()

    def put(self, block) -> None:
        if self.started is None:
            self.started = time.monotonic() - len(block) / self.sample_rate
        self._blocks.put(block)

    def close(self) -> None:
        """Finish the lines already heard (the last utterance included), then stop."""
        self._blocks.put(None)
        for thread in self._threads:
            thread.join()

    def _segment(self) -> None:
        while (block := self._blocks.get()) is not None:
            for utterance in self.segmenter.feed(block):
                self._utterances.put(utterance)
        for utterance in self.segmenter.flush():
            self._utterances.put(utterance)
        self._utterances.put(None)

    def _transcribe(self) -> None:
        done = False
        while not done:
            batch, done = self._waiting()
            if not batch:
                continue
            try:
                lines = self.transcriber.lines(batch)
                now = time.monotonic() - self.started
                for utterance, line in zip(batch, lines):
                    if line is None:
                        continue
                    # From the moment the voice stopped to the line being written.
                    line = dataclasses.replace(line, delay_s=round(now - utterance.speech_end, 3))
                    self.store.add_live_line(self.meeting_id, line)
                    if self.on_line:
                        self.on_line(line)
            except Exception as error:  # live lines are a help; the recording itself must go on
                if self.on_error:
                    self.on_error(f"{type(error).__name__}: {error}")

    def _waiting(self) -> tuple[list, bool]:
        """The next utterance and any that queued up behind it (up to MAX_BATCH_S of audio);
        True once the end of the recording has been reached."""
        batch = [self._utterances.get()]
        if batch[0] is None:
            return [], True
        length = batch[0].end - batch[0].start
        while True:
            try:
                utterance = self._utterances.get_nowait()
            except queue.Empty:
                return batch, False
            if utterance is None:
                return batch, True
            batch.append(utterance)
            length += utterance.end - utterance.start
            if length >= MAX_BATCH_S:
                return batch, False
