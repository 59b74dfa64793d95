"""One microphone per person (transcribe.channels): the real stereo file and the stereo espeak
dialogue, crosstalk, a channel map that does not fit, and the frame energies."""

from pathlib import Path

import numpy as np
import pytest

from capture.vad import speech_segments
from meetings.records import Participant, microphone_each
from tests.conftest import REPO, SHARED_DATA
from transcribe.channels import channel_turns, frame_energies_db
from transcribe.speaker_options import SpeakerOptions

STEREO = SHARED_DATA / "diarization" / "stereo_diarization.wav"
DIALOGUES = REPO / "tests" / "fixtures" / "dialogues"
RATE = 16000


def read_audio(path: Path) -> np.ndarray:
    """(n, channels) float32 at 16 kHz from any file PyAV reads (the dialogue is FLAC)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert stream.rate == RATE
        channels = stream.channels
        blocks = []
        for frame in container.decode(stream):
            array = frame.to_ndarray()  # planar: (channels, n); packed: (1, n * channels)
            blocks.append(array.T if frame.format.is_planar else array.reshape(-1, channels))
    samples = np.concatenate(blocks, axis=0)
    if samples.dtype == np.int16:
        samples = samples / 32768.0
    return samples.astype(np.float32)


def regions(samples):
    return [(s.start, s.end) for s in speech_segments([samples])]


def test_channel_turns_on_the_real_stereo_file():
    """Left = speaker 0, right = speaker 1. They talk at the same time for ~2.3 s: with a
    microphone each that overlap is real, so both speakers have it. Compared against each
    channel's own speech (webrtcvad per channel): all of it attributed to its speaker, nothing
    outside it."""
    from capture.vad import VadOptions

    samples = read_audio(STEREO)
    energies = frame_energies_db(samples, RATE, 0.02)
    assert energies.shape == (250, 2)
    speech = regions(samples.mean(axis=1))
    channel_speech = [regions(samples[:, c]) for c in range(2)]
    turns = channel_turns(energies, 0.02, speech, [0, 1], channel_speech=channel_speech)
    assert {t.speaker for t in turns} == {0, 1}
    tight = VadOptions(padding_ms=0, min_silence_ms=300)
    for speaker, channel in enumerate((0, 1)):
        mine = [t for t in turns if t.speaker == speaker]
        core = [(s.start + 0.05, s.end - 0.05) for s in speech_segments([samples[:, channel]], tight)]
        for s, e in core:  # every stretch of this channel's speech is this speaker's
            assert any(t.start <= s and e <= t.end for t in mine), (speaker, s, e, mine)
        for t in mine:  # and this speaker is never heard outside their channel's speech
            assert any(s <= t.start and t.end <= e for s, e in channel_speech[channel])
    # Swapping the map swaps the speakers.
    swapped = channel_turns(energies, 0.02, speech, [1, 0], channel_speech=channel_speech)
    assert sorted((t.start, t.end, 1 - t.speaker) for t in swapped) == sorted(
        (t.start, t.end, t.speaker) for t in turns
    )


def test_channel_turns_ignores_crosstalk():
    """Speaker 1's voice leaks into speaker 0's microphone 20 dB down: not speaker 0's speech,
    beyond the short edge allowance (channel_edge_s) that keeps quiet word endings."""
    rng = np.random.default_rng(0)
    voice = rng.normal(size=RATE * 4).astype(np.float32) * 0.1
    left = np.concatenate([voice[: 2 * RATE], voice[2 * RATE :] * 0.1])
    right = np.concatenate([voice[: 2 * RATE] * 0.1, voice[2 * RATE :]])
    energies = frame_energies_db(np.stack([left, right], axis=1), RATE, 0.02)
    turns = channel_turns(energies, 0.02, [(0.0, 4.0)], [0, 1])
    edge = SpeakerOptions().channel_edge_s
    assert [(t.speaker, t.start) for t in turns] == [(0, 0.0), (1, pytest.approx(2.0 - edge, abs=0.02))]
    assert turns[0].end == pytest.approx(2.0 + edge, abs=0.02) and turns[1].end == 4.0
    strict = channel_turns(energies, 0.02, [(0.0, 4.0)], [0, 1], SpeakerOptions(channel_edge_s=0))
    assert [(t.start, t.end, t.speaker) for t in strict] == [(0.0, 2.0, 0), (2.0, 4.0, 1)]


def test_channel_map_that_does_not_fit_is_a_clear_error():
    energies = np.zeros((10, 2))
    with pytest.raises(ValueError, match="passer ikke"):
        channel_turns(energies, 0.02, [(0.0, 0.2)], [0, 2])
    with pytest.raises(ValueError, match="passer ikke"):
        channel_turns(energies, 0.02, [(0.0, 0.2)], [])


def test_frame_energies_of_silence_and_a_full_scale_tone():
    tone = np.sin(2 * np.pi * 500 * np.arange(RATE) / RATE).astype(np.float32)
    energies = frame_energies_db(np.stack([tone, np.zeros(RATE, np.float32)], axis=1), RATE, 0.02)
    assert energies.shape == (50, 2)
    assert np.allclose(energies[:, 0], -3.01, atol=0.05)  # mean square of a sine is 1/2
    assert np.all(energies[:, 1] == -120.0)


def test_channel_attribution_of_the_stereo_dialogue():
    """dialog1_stereo: caseworker on the left, citizen on the right; channel energy decides."""
    from tests import diarization_eval as evaluation

    path = DIALOGUES / "dialog1_stereo.flac"
    samples = read_audio(path)
    reference = next(iter(evaluation.read_rttm(DIALOGUES / "dialog1_stereo.rttm").values()))
    speech = regions(samples.mean(axis=1))
    channel_speech = [regions(samples[:, c]) for c in range(2)]
    energies = frame_energies_db(samples, RATE, 0.02)
    turns = channel_turns(energies, 0.02, speech, [0, 1], channel_speech=channel_speech)
    hypothesis = [(t.start, t.end, ("sagsbehandler", "borger")[t.speaker]) for t in turns]
    uem = evaluation.read_uem(DIALOGUES / "dialog1_stereo.uem")
    scored = evaluation.der(reference, hypothesis, uem, collar=0.5)
    assert scored["confusion"] == 0.0
    assert scored["der"] < 0.02
    assert evaluation.share_error_points(reference, hypothesis) < 1.0



def test_a_microphone_each_needs_every_speaker_on_a_channel_the_recording_has():
    """The one rule for "told apart by channel": the attribution uses it, and so does the note
    the balance carries on one microphone (feedback.labels.balance_note)."""
    caseworker = Participant("sagsbehandler", "Sagsbehandler", channel=1)
    citizen = Participant("borger", "Borger", channel=2)
    observer = Participant("observatør", "Observatør", speaks=False)  # no microphone to count
    assert microphone_each([caseworker, citizen, observer], 2)
    assert not microphone_each([caseworker, citizen], 1)  # a mono recording
    assert not microphone_each([caseworker, Participant("borger", "Borger", channel=3)], 2)  # no channel 3
    assert not microphone_each([caseworker, Participant("borger", "Borger")], 2)  # the citizen has none
    assert not microphone_each([observer], 2)  # nobody speaks


def test_a_recording_with_too_few_channels_for_a_microphone_each_is_said_when_it_arrives():
    """feedback.labels.channels_note: on the upload page and after `medlyt import`."""
    from feedback.labels import channels_note
    from meetings.records import AudioInfo, Meeting

    def meeting(channels: int | None, *participants):
        audio = AudioInfo("x.wav", 16000, channels, 60.0) if channels else None
        return Meeting("m", "Møde", "2026-12-06T10:00:00+00:00", list(participants), audio=audio)

    each = (Participant("sagsbehandler", "Sagsbehandler", channel=1), Participant("borger", "Borger", channel=2))
    assert channels_note(meeting(1, *each)) == (
        "Optagelsen har 1 kanal, men mødet er sat op med en mikrofon til hver, der taler (2 kanaler). Talerne "
        "skelnes derfor på stemmerne, ikke på kanalerne.")
    assert channels_note(meeting(2, *each)) is None  # as set up
    assert channels_note(meeting(None, *each)) is None  # nothing recorded yet
    assert channels_note(meeting(1, Participant("sagsbehandler", "Sagsbehandler"), Participant("borger", "Borger"))) is None
    # a map for only some, from before such maps were refused: as many channels as it asks for, nothing to say
    assert channels_note(meeting(2, Participant("sagsbehandler", "Sagsbehandler", channel=2),
                                 Participant("borger", "Borger"))) is None


def test_fewer_voices_than_speaking_participants_on_one_microphone_is_said_where_the_balance_is():
    """feedback.labels.voices_note: the attribution gives everything to one voice when it has
    too little speech or cannot tell the voices apart (transcribe.speakers.attribute); the
    balance then shows 100 % for one person, which must not be read as how the talk was shared."""
    from feedback.labels import voices_note
    from meetings.records import AudioInfo, Meeting, voices_heard

    def meeting(channels: int, *participants):
        return Meeting("m", "Møde", "2026-12-07T10:00:00+00:00", list(participants),
                       audio=AudioInfo("x.wav", 16000, channels, 60.0))

    def talk(*seconds):  # the voices heard in a balance with these talk times
        return voices_heard({f"S{i + 1}": {"talk_s": s} for i, s in enumerate(seconds)})

    two = (Participant("sagsbehandler", "Sagsbehandler"), Participant("borger", "Borger"),
           Participant("observatør", "Observatør", speaks=False))  # the observer is not a voice to find
    assert voices_note(meeting(1, *two), talk(50.0)) == (
        "Der er kun fundet én stemme, men 2 deltagere taler: stemmerne kunne ikke skelnes fra hinanden (for "
        "lidt tale, eller stemmer, der ligner hinanden meget). Al taletiden står derfor på én, og fordelingen "
        "mellem deltagerne kan ikke læses her; nøgletal og markeringer om sagsbehandler og borger er udeladt, og "
        "talerskift og afbrydelser kan ikke tælles.")
    assert voices_note(meeting(1, *two), talk(50.0, 20.0)) is None
    assert voices_note(meeting(1, *two), talk(50.0, 0.0)) is not None  # a voice without talk time is none
    assert voices_note(meeting(1, *two), talk()) is None  # no speech at all: nothing to misread
    three = (*two, Participant("bisidder", "Bisidder"))
    assert voices_note(meeting(1, *three), talk(50.0, 20.0)).startswith("Der er kun fundet 2 stemmer, men 3 deltagere")
    # With a microphone each, a voice without talk time was silent on its channel: the balance is right.
    each = (Participant("sagsbehandler", "Sagsbehandler", channel=1), Participant("borger", "Borger", channel=2))
    assert voices_note(meeting(2, *each), talk(50.0)) is None
