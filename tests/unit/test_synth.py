"""The synthetic meeting (tests/synth.py): its events are where the script says, checked on the
audio itself as far as possible."""

import json
import wave
from dataclasses import asdict
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from tests import synth
from tests.synth import CASEWORKER, CITIZEN, SAMPLE_RATE


FRAME = 80  # 5 ms, as trim() uses
ACTIVE_RMS = 2e-4  # below the quietest kept frame of a trimmed utterance (-40 dB under ~0.03)


@pytest.fixture(scope="module")
def meeting(tmp_path_factory) -> synth.SyntheticMeeting:
    return synth.build_meeting(tmp_path_factory.mktemp("meeting"))


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """-> float samples (n_channels, n_samples), sample rate."""
    with wave.open(str(path), "rb") as f:
        assert f.getsampwidth() == 2
        rate, channels = f.getframerate(), f.getnchannels()
        data = np.frombuffer(f.readframes(f.getnframes()), dtype="<i2")
    return data.reshape(-1, channels).T.astype(np.float64) / 32767, rate


@pytest.fixture(scope="module")
def stereo(meeting) -> np.ndarray:
    return read_wav(meeting.stereo)[0]


@pytest.fixture(scope="module")
def voices(stereo) -> dict[str, np.ndarray]:
    """The two voices, separated again by undoing the known crosstalk."""
    a = 10 ** (synth.CROSSTALK_DB / 20)
    left, right = stereo
    return {CASEWORKER: (left - a * right) / (1 - a * a), CITIZEN: (right - a * left) / (1 - a * a)}


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x))))


def db(ratio: float) -> float:
    return 20 * np.log10(ratio)


def span(x: np.ndarray, start: float, end: float) -> np.ndarray:
    return x[..., round(start * SAMPLE_RATE) : round(end * SAMPLE_RATE)]


def active(x: np.ndarray) -> np.ndarray:
    """Per 5 ms frame: is there sound."""
    n = len(x) // FRAME
    return np.sqrt(np.mean(x[: n * FRAME].reshape(n, FRAME) ** 2, axis=1)) > ACTIVE_RMS


def runs(flags: np.ndarray, value: bool) -> list[tuple[float, float]]:
    """(start, end) in seconds of each maximal run of frames equal to value."""
    padded = np.concatenate([[0], flags == value, [0]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(s * FRAME / SAMPLE_RATE, e * FRAME / SAMPLE_RATE) for s, e in zip(edges[::2], edges[1::2])]


def one(meeting, kind: str) -> synth.Event:
    (event,) = meeting.events_of(kind)
    return event


def turn_at(meeting, start: float) -> synth.PlacedTurn:
    (turn,) = [t for t in meeting.turns if t.start == start]
    return turn


def test_files(meeting, stereo):
    mono, rate = read_wav(meeting.mono)
    assert rate == SAMPLE_RATE and read_wav(meeting.stereo)[1] == SAMPLE_RATE
    assert stereo.shape[0] == 2 and mono.shape[0] == 1
    assert stereo.shape[1] == mono.shape[1] == round(meeting.duration_s * SAMPLE_RATE)
    assert 210 <= meeting.duration_s <= 250
    info = json.loads((meeting.mono.parent / "meeting.json").read_text())
    assert info["events"] == [asdict(e) for e in meeting.events]
    assert info["turns"] == [asdict(t) for t in meeting.turns]


def test_event_kinds_and_roles(meeting):
    kinds = {e.kind: e.role for e in meeting.events}
    assert kinds == {
        "open_question": CASEWORKER,
        "citizen_story": CITIZEN,
        "interruption": CITIZEN,
        "long_monologue": CASEWORKER,
        "raised_voice": CITIZEN,
        "calm_response": CASEWORKER,
        "long_silence": None,
    }
    assert [e.start for e in meeting.events] == sorted(e.start for e in meeting.events)
    assert meeting.events[0].start >= 18  # ~20 s of ordinary dialogue first
    for event in meeting.events:  # every event but the silence is exactly one turn
        if event.kind != "long_silence":
            turn = turn_at(meeting, event.start)
            assert (turn.end, turn.role) == (event.end, event.role)


def test_left_is_caseworker_right_is_citizen(meeting, stereo):
    interruption = one(meeting, "interruption")
    for turn in meeting.turns:
        if turn.end > interruption.start and turn.start < interruption.end:
            continue  # the overlap has both voices on both channels
        left, right = (rms(c) for c in span(stereo, turn.start, turn.end))
        own, other = (left, right) if turn.role == CASEWORKER else (right, left)
        assert db(own / other) == pytest.approx(-synth.CROSSTALK_DB, abs=0.5), turn.text


def test_interruption_overlaps_two_seconds(meeting, voices):
    event = one(meeting, "interruption")
    before = [t for t in meeting.turns if t.role == CASEWORKER and t.start < event.start]
    interrupted = before[-1]
    assert 6 <= interrupted.end - interrupted.start <= 8
    assert 4 <= event.end - event.start <= 5
    assert interrupted.end - event.start == pytest.approx(2.0, abs=0.01)
    # On the audio: where the caseworker's voice stops and the citizen's starts.
    window = (interrupted.start - 0.5, event.end + 0.5)
    caseworker_end = runs(active(span(voices[CASEWORKER], *window)), True)[-1][1] + window[0]
    citizen_start = runs(active(span(voices[CITIZEN], *window)), True)[0][0] + window[0]
    assert caseworker_end - citizen_start == pytest.approx(2.0, abs=0.01)


def test_no_other_overlap(meeting, voices):
    both = active(voices[CASEWORKER]) & active(voices[CITIZEN])
    event = one(meeting, "interruption")
    for start, end in runs(both, True):
        assert event.start - 0.01 <= start and end <= event.start + 2.0 + 0.01
    turns = sorted(meeting.turns, key=lambda t: t.start)
    for a, b in pairwise(turns):
        if b.start != event.start:
            assert b.start > a.end


def test_long_silence_is_the_only_long_pause(meeting):
    mono = read_wav(meeting.mono)[0][0]
    event = one(meeting, "long_silence")
    assert event.end - event.start == pytest.approx(14.0, abs=1e-6)
    duration = len(mono) / SAMPLE_RATE
    pauses = [(s, e) for s, e in runs(active(mono), False) if e - s > 3.0 and 0 < s and e < duration - 0.01]
    assert len(pauses) == 1
    (start, end), = pauses
    assert start == pytest.approx(event.start, abs=0.01) and end == pytest.approx(event.end, abs=0.01)


def test_monologue_is_one_long_turn(meeting, voices):
    event = one(meeting, "long_monologue")
    assert 70 <= event.end - event.start <= 80
    gaps = runs(active(span(voices[CASEWORKER], event.start, event.end)), False)
    assert max(e - s for s, e in gaps) < 1.0
    others = [t for t in meeting.turns if t.role == CASEWORKER and t.start != event.start]
    assert max(t.end - t.start for t in others) <= 30


def test_raised_voice_is_12_db_louder(meeting, voices):
    mono = read_wav(meeting.mono)[0][0]
    event = one(meeting, "raised_voice")
    loud = turn_at(meeting, event.start)
    assert loud.level_db == synth.RAISED_DB and 4 <= event.end - event.start <= 6
    normal = synth.trim(synth.synthesize(loud.text, CITIZEN))  # the same words at the normal level
    assert db(rms(span(mono, event.start, event.end)) / rms(normal)) == pytest.approx(12.0, abs=0.5)
    # and against the meeting's other turns, which all have the normal level
    # and against the citizen's other turns, which all have the normal level (peak-normalised, so
    # their RMS spreads by about +-1 dB)
    assert all(t.level_db == 0 for t in meeting.turns if t is not loud)
    citizen = voices[CITIZEN]  # not the mono mix: the interrupting turn overlaps the caseworker
    others = [rms(span(citizen, t.start, t.end)) for t in meeting.turns if t.role == CITIZEN and t is not loud]
    loudness = rms(span(citizen, event.start, event.end))
    assert db(loudness / np.median(others)) == pytest.approx(12.0, abs=1.0)
    assert db(loudness / max(others)) > 10
    # the calm answer follows 0.8 s later at the normal level
    calm = one(meeting, "calm_response")
    assert calm.start - event.end == pytest.approx(0.8, abs=1e-6) and turn_at(meeting, calm.start).level_db == 0


def test_open_question_and_story(meeting):
    question, story = one(meeting, "open_question"), one(meeting, "citizen_story")
    assert turn_at(meeting, question.start).text == "Hvordan ser en helt almindelig dag ud for dig?"
    assert 35 <= story.end - story.start <= 45
    assert 0 < story.start - question.end <= 1.2


def test_caseworker_share(meeting, voices):
    assert 0.50 <= meeting.caseworker_share <= 0.60
    talk = {role: sum(t.end - t.start for t in meeting.turns if t.role == role) for role in (CASEWORKER, CITIZEN)}
    assert 0.50 <= talk[CASEWORKER] / sum(talk.values()) <= 0.60
    # counted on the audio (sounding frames only) it is in the same range
    sounding = {role: active(voices[role]).sum() for role in voices}
    assert 0.50 <= sounding[CASEWORKER] / sum(sounding.values()) <= 0.60


def test_events_are_spread_out(meeting):
    """At least 15 s of ordinary dialogue between scenes (an event with what belongs to it: the
    caseworker turn that is interrupted, the question before the story, the calm answer)."""
    interruption = one(meeting, "interruption")
    interrupted = [t for t in meeting.turns if t.role == CASEWORKER and t.start < interruption.start][-1]
    scenes = [
        (one(meeting, "open_question").start, one(meeting, "citizen_story").end),
        (interrupted.start, interruption.end),
        (one(meeting, "long_monologue").start, one(meeting, "long_monologue").end),
        (one(meeting, "raised_voice").start, one(meeting, "calm_response").end),
        (one(meeting, "long_silence").start, one(meeting, "long_silence").end),
    ]
    assert scenes == sorted(scenes)
    for (_, end), (start, _) in pairwise(scenes):
        assert start - end >= 15


def test_deterministic(meeting, tmp_path):
    again = synth.build_meeting(tmp_path)
    assert again.events == meeting.events and again.turns == meeting.turns
    assert again.mono.read_bytes() == meeting.mono.read_bytes()


def test_needs_espeak(monkeypatch, tmp_path):
    monkeypatch.setattr(synth.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="apt-get install espeak-ng"):
        synth.build_meeting(tmp_path)
