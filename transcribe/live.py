"""Live transcription: each utterance the live VAD closes becomes one line with a first guess
at its speaker, a second or two after the speaker paused. The full pass after the recording
replaces these lines; here speed matters more than the last word.

Who speaks: with one microphone per person the loudest mapped channel; with one microphone the
nearest running voice centroid (GE2E), a new voice while fewer than the meeting's speakers are
known. An enrolled caseworker's voice print seeds the first centroid, so the caseworker is
recognised from the first utterance.
"""

from dataclasses import dataclass

import numpy as np

from capture.live import Utterance
from meetings.records import LiveLine, Participant
from transcribe.embedding import SpeakerEncoder, normalize_volume
from transcribe.voiceprints import VOICEPRINT_THRESHOLD
from transcribe.whisper import MAX_COMPRESSION_RATIO
from transcribe.windows import SAMPLE_RATE, BlockClock

# Below this cosine similarity to every known voice an utterance starts a new voice (while the
# meeting has room for one). The voice-print threshold, measured on the shared Danish clips.
NEW_VOICE_BELOW = VOICEPRINT_THRESHOLD
MIN_VOICE_S = 1.5  # shorter utterances carry too little voice to start a new one
# Whisper can loop on a short or unclear utterance ("med at være med at være ..." for 224
# tokens, seconds of work). Danish speech is about 6 tokens a second; allow twice that.
TOKENS_PER_S = 12
MIN_TOKENS = 20


def max_tokens(seconds: float) -> int:
    return max(MIN_TOKENS, round(TOKENS_PER_S * seconds))


def repeats(segment) -> bool:
    # Whisper's ratio is that of the whole 30 s window: with several utterances in one call, a loop
    # in one drops the others' words too (the full pass judges each segment's own text instead).
    return segment.compression_ratio > MAX_COMPRESSION_RATIO


@dataclass
class Voice:
    label: str
    role: str | None
    total: np.ndarray  # sum of the utterance embeddings assigned so far
    count: int

    @property
    def centroid(self) -> np.ndarray:
        return self.total / np.linalg.norm(self.total)


class LiveVoices:
    """Running voice centroids; pure numpy, so it can be tested on hand-made embeddings."""

    def __init__(self, n_speakers: int, seeds: list[tuple[str, str | None, np.ndarray]] = ()):
        self.n_speakers = max(1, n_speakers)
        self.voices = [Voice(label, role, np.asarray(v, np.float64) / np.linalg.norm(v), 0) for label, role, v in seeds]

    def assign(self, embedding: np.ndarray, duration_s: float) -> Voice:
        embedding = np.asarray(embedding, np.float64)
        similarities = [float(v.centroid @ embedding) for v in self.voices]
        best = int(np.argmax(similarities)) if similarities else -1
        room = len(self.voices) < self.n_speakers
        if room and duration_s >= MIN_VOICE_S and (best < 0 or similarities[best] < NEW_VOICE_BELOW):
            self.voices.append(Voice(self._next_label(), None, np.zeros_like(embedding), 0))
            best = len(self.voices) - 1
        if best < 0:  # too short to start the first voice: file it under one anyway
            self.voices.append(Voice(self._next_label(), None, np.zeros_like(embedding), 0))
            best = 0
        voice = self.voices[best]
        voice.total = voice.total + embedding
        voice.count += 1
        return voice

    def _next_label(self) -> str:
        return f"Taler {sum(1 for v in self.voices if v.role is None) + 1}"


class LiveTranscriber:
    def __init__(self, whisper, speaking: list[Participant], channels: int,
                 voiceprints: dict[str, np.ndarray] | None = None, beam_size: int = 5):
        self.whisper = whisper
        self.beam_size = beam_size
        self.by_channel = channels > 1 and bool(speaking) and all(p.channel and p.channel <= channels for p in speaking)
        self.speaking = speaking
        self.voices = None
        self.encoder = None
        if not self.by_channel:
            seeds = [(p.label, p.role, voiceprints[p.user]) for p in speaking if p.user and p.user in (voiceprints or {})]
            self.voices = LiveVoices(len(speaking), seeds)
            self.encoder = SpeakerEncoder.load(threads=1)
        self._warm_up()

    def lines(self, utterances: list[Utterance]) -> list[LiveLine | None]:
        """A line for each utterance (None where Whisper hears no words). Utterances that queued up while
        Whisper was busy go through it together: its cost is mostly per call (the encoder always
        sees 30 s), so catching up this way keeps the delay from growing."""
        heard = [(utterance, *self._speaker(utterance)) for utterance in utterances]
        pieces = [np.ascontiguousarray(u.audio[:, channel] if channel is not None else u.audio.mean(axis=1), np.float32)
                  for u, _speaker, _role, channel in heard]
        if len(pieces) == 1:
            texts = [self._text(pieces[0])]
        else:
            texts = self._texts(pieces)
        return [LiveLine(round(u.start, 2), round(u.end, 2), speaker, text, role) if text else None
                for (u, speaker, role, _channel), text in zip(heard, texts)]

    def _text(self, audio: np.ndarray) -> str:
        segments, _info = self.whisper.transcribe(
            audio, language="da", beam_size=self.beam_size, temperature=0.0, condition_on_previous_text=False,
            without_timestamps=True, vad_filter=False, max_new_tokens=max_tokens(len(audio) / SAMPLE_RATE))
        return " ".join(s.text.strip() for s in segments if s.text.strip() and not repeats(s))

    def _texts(self, pieces: list[np.ndarray]) -> list[str]:
        """One call for several pieces; the word times tell which piece each word belongs to."""
        clock = BlockClock([float(i) * 1000 for i in range(len(pieces))], [len(p) / SAMPLE_RATE for p in pieces])
        segments, _info = self.whisper.transcribe(
            np.concatenate(pieces), language="da", beam_size=self.beam_size, temperature=0.0,
            condition_on_previous_text=False, word_timestamps=True, vad_filter=False,
            max_new_tokens=max_tokens(sum(len(p) for p in pieces) / SAMPLE_RATE))
        words: list[list[str]] = [[] for _ in pieces]
        for segment in segments:
            if repeats(segment):
                continue
            for word in segment.words or ():
                if word.word.strip():
                    words[clock.piece_of(word.start)].append(word.word.strip())
        return [" ".join(w) for w in words]

    def _warm_up(self) -> None:
        """The first call of each model is slow; make it before the first words, not on them."""
        self._text(np.zeros(SAMPLE_RATE, np.float32))
        if self.encoder is not None:
            self.encoder.embed_utterance(np.zeros(SAMPLE_RATE, np.float32))

    def _speaker(self, utterance: Utterance) -> tuple[str, str | None, int | None]:
        if self.by_channel:
            power = [float(np.mean(np.square(utterance.audio[:, p.channel - 1]))) if len(utterance.audio) else 0.0
                     for p in self.speaking]
            p = self.speaking[int(np.argmax(power))]
            return p.label, p.role, p.channel - 1
        mono = normalize_volume(utterance.audio.mean(axis=1))  # GE2E's input is a linear mel: level matters
        voice = self.voices.assign(self.encoder.embed_utterance(mono), utterance.speech_end - utterance.start)
        return voice.label, voice.role, None
