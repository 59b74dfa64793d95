"""Who spoke when in a stored recording, and who those voices are.

One microphone per person (the meeting names each participant's channel): channel energy
decides. Otherwise voices: GE2E embeddings of windows in the speech, clustered with the number
of speakers the meeting's participants give, then every 20 ms frame decided again
(transcribe.resegment) so turns end where the voice ends. A caseworker's enrolled voice print then names
their voice "Sagsbehandler". The pure work is in transcribe.speakers (and clustering, resegment,
overlap, channels, voiceprints); this module reads audio.
"""

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from capture.vad import VadOptions, speech_segments
from capture.wav import iter_blocks, read_mono, wav_info
from meetings.records import Participant, Speaker, microphone_each, unnamed_label
from transcribe.channels import channel_turns, frame_energies_db
from transcribe.embedding import FRAMES_PER_SECOND, SpeakerEncoder, frame_span, normalize_volume_in_place
from transcribe.overlap import find_overlaps, with_overlaps
from transcribe.resegment import resegment
from transcribe.speaker_options import SpeakerOptions
from transcribe.speakers import Turn, attribute, plan_windows
from transcribe.voiceprints import VOICEPRINT_THRESHOLD, match_voiceprints

CHANNEL_FRAME_S = 0.02


@dataclass
class SpeakerResult:
    turns: list[Turn]
    speakers: list[Speaker]  # speakers[i] is turn speaker i
    method: str  # "channels", "voices" or "none"
    estimated: int | None = None  # the automatic estimate of the count: a suggestion only
    notes: list[str] = field(default_factory=list)  # Danish, for the user
    centroids: np.ndarray | None = None  # mean voice of each speaker, for voice-print matching


def speaker_id(index: int) -> str:
    return f"S{index + 1}"


def attribute_recording(
    wav: Path,
    speech: list[tuple[float, float]],
    participants: list[Participant],
    n_speakers: int | None = None,
    voiceprints: dict[str, np.ndarray] | None = None,
    options: SpeakerOptions = SpeakerOptions(),
) -> SpeakerResult:
    speaking = [p for p in participants if p.speaks]
    notes: list[str] = []
    if n_speakers is None and speaking and all(p.channel for p in speaking):
        _rate, channels, _frames = wav_info(wav)
        if microphone_each(speaking, channels):
            return by_channel(wav, speech, speaking)
        notes.append(f"Kanaltildelingen ({', '.join(f'{p.role}={p.channel}' for p in speaking)}) passer ikke til "
                     f"optagelsen med {channels} kanal(er); talerne skelnes på stemmen i stedet.")
    result = by_voice(wav, speech, n_speakers or max(1, len(speaking)), options)
    result.notes[:0] = notes
    name_by_voiceprint(result, speaking, voiceprints or {})
    return result


def by_channel(wav: Path, speech: list[tuple[float, float]], speaking: list[Participant]) -> SpeakerResult:
    """Each person's own microphone: the louder mapped channel speaks, within each channel's speech."""
    rate, channels, _frames = wav_info(wav)
    # Whole seconds per block, so the 20 ms frames line up across blocks.
    energies = np.concatenate([frame_energies_db(b, rate, CHANNEL_FRAME_S) for b in iter_blocks(wav)])
    channel_speech = [list(speech_segments((b[:, c] for b in iter_blocks(wav)), VadOptions()))
                      for c in range(channels)]
    turns = channel_turns(energies, CHANNEL_FRAME_S, speech, [p.channel - 1 for p in speaking],
                          channel_speech=channel_speech)
    speakers = [Speaker(speaker_id(i), p.label, p.role) for i, p in enumerate(speaking)]
    return SpeakerResult(turns, speakers, "channels")


def by_voice(wav: Path, speech: list[tuple[float, float]], n_speakers: int, options: SpeakerOptions) -> SpeakerResult:
    # The VAD pads its segments generously so Whisper never loses a word edge; for telling
    # voices apart that padding is silence that blurs the turn edges, so trim it back.
    trim = options.speech_trim_s
    core = [(s + trim, e - trim) for s, e in speech if e - s > 2 * trim]
    windows = plan_windows(core, options)
    embeddings = np.zeros((0, 256), np.float32)
    mel = None
    if windows:
        audio = read_mono(wav)
        normalize_volume_in_place(audio)  # GE2E's input is a linear mel: level matters
        encoder = SpeakerEncoder.load()
        # One mel spectrogram for the windows and for the resegmentation around the speech.
        spans = [frame_span(s, e) for s, e in windows]
        if options.resegment:
            context = options.reseg_context_s
            spans += [frame_span(max(0.0, s - context), e + context) for s, e in speech]
        mel = encoder.mel_of_spans(audio, spans)
        embeddings = encoder.embed_windows(audio, windows, mel=mel)
    attribution = attribute(core, windows, embeddings, n_speakers, options)
    if options.resegment and attribution.n_speakers > 1 and mel is not None:
        log_mel = log_mel_frames(mel, options)
        turns = resegment(log_mel, options.reseg_frame_s, speech, attribution.turns, attribution.n_speakers, options)
        if options.overlap:
            overlaps = find_overlaps(mel, speech, turns, attribution.n_speakers, encoder.embed_frames, options)
            turns = with_overlaps(turns, overlaps)
        attribution = dataclasses.replace(attribution, turns=turns)
    speakers = [Speaker(speaker_id(i), unnamed_label(speaker_id(i))) for i in range(attribution.n_speakers)]
    return SpeakerResult(attribution.turns, speakers, "voices" if attribution.turns else "none",
                         attribution.estimated_speakers, [attribution.note] if attribution.note else [],
                         attribution.centroids)


def log_mel_frames(mel: np.ndarray, options: SpeakerOptions) -> np.ndarray:
    """Natural-log mel energies every reseg_frame_s: GE2E's 10 ms mel frames averaged in power.
    Frames the spectrogram left at zero (far from speech) come out at the floor; the
    resegmentation never reads them."""
    pool = max(1, round(options.reseg_frame_s * FRAMES_PER_SECOND))
    n = len(mel) // pool
    return np.log(mel[: n * pool].reshape(n, pool, -1).mean(axis=1) + np.float32(1e-6))


def name_by_voiceprint(result: SpeakerResult, speaking: list[Participant], voiceprints: dict[str, np.ndarray]) -> None:
    """The voice nearest an enrolled caseworker's print takes that participant's role. If then
    one voice and one speaking role are left, they belong together."""
    by_user = {p.user: p for p in speaking if p.user and p.user in voiceprints}
    if result.centroids is None or not by_user:
        return
    matched = match_voiceprints(result.centroids, {u: voiceprints[u] for u in by_user}, VOICEPRINT_THRESHOLD)
    for index, user in matched.items():
        p = by_user[user]
        result.speakers[index] = Speaker(speaker_id(index), p.label, p.role)
    unnamed = [i for i, s in enumerate(result.speakers) if s.role is None]
    roles_left = [p for p in speaking if p.role not in {s.role for s in result.speakers}]
    if matched and len(unnamed) == 1 and len(roles_left) == 1:
        i, p = unnamed[0], roles_left[0]
        result.speakers[i] = Speaker(speaker_id(i), p.label, p.role)
