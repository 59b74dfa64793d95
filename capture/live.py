"""Speech utterances cut from a recording as it happens, for live transcription.

The recorder hands over its int16 blocks; the VAD (on the mix of all channels) closes each
utterance a moment after the speaker pauses, and the utterance leaves with its own audio, every
channel kept, so the transcriber can work on it without touching the file being written. Only
the last minute of audio is held: an utterance is never longer than max_segment_ms.
"""

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from capture.vad import SpeechSegment, VadOptions, VadSegmenter

# Shorter pauses close an utterance than in the full pass (0.63 s there): a turn change is often
# only 0.3-0.5 s, and a line that mixes two voices gets one of them wrong. Less padding too,
# so a closed utterance leaves sooner. The full pass redoes it all with the careful settings.
LIVE_VAD = VadOptions(padding_ms=120, min_silence_ms=300, max_segment_ms=10_000)
KEEP_S = 60.0


@dataclass(frozen=True)
class Utterance:
    start: float  # seconds from the start of the recording, padding included
    end: float
    speech_end: float  # where the voice stopped (before the trailing padding)
    audio: np.ndarray  # float32, (frames, channels)
    sample_rate: int


class LiveSegmenter:
    def __init__(self, sample_rate: int, channels: int, options: VadOptions = LIVE_VAD):
        self.sample_rate, self.channels = sample_rate, channels
        self._vad = VadSegmenter(options, sample_rate)
        self._blocks: deque[tuple[int, np.ndarray]] = deque()  # (first sample, float32 block)
        self._samples = 0

    def feed(self, block: np.ndarray) -> Iterator[Utterance]:
        """An int16 (frames, channels) block in; the utterances it closed out."""
        audio = block.astype(np.float32) / 32768.0
        self._blocks.append((self._samples, audio))
        self._samples += len(audio)
        while self._blocks and self._blocks[0][0] + len(self._blocks[0][1]) < self._samples - KEEP_S * self.sample_rate:
            self._blocks.popleft()
        for segment in self._vad.feed(audio.mean(axis=1)):
            yield self._utterance(segment)

    def flush(self) -> Iterator[Utterance]:
        for segment in self._vad.flush():
            yield self._utterance(segment)

    def _utterance(self, segment: SpeechSegment) -> Utterance:
        first, last = round(segment.start * self.sample_rate), round(segment.end * self.sample_rate)
        pieces = [block[max(0, first - at): max(0, last - at)] for at, block in self._blocks
                  if at < last and at + len(block) > first]
        audio = np.concatenate(pieces) if pieces else np.zeros((0, self.channels), np.float32)
        return Utterance(segment.start, segment.end, self._vad.speech_end, audio, self.sample_rate)
