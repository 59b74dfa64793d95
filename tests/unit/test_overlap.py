"""Two voices at once on one microphone (transcribe.overlap) with the real GE2E encoder on real
Danish voices from the shared data (the NST speaker nst_da_0042 and the ReadAlongs speaker
ap_dan): a stretch where both talk is found and given to both; plain speaker changes are not.
The whole product path on the built dialogues is scored in tests/unit/test_speakers.py and
benchmarks/speaker_accuracy.py."""

import numpy as np
import pytest

from transcribe.overlap import Overlap, _covers, _stretches, find_overlaps, fit_classifier, with_overlaps
from transcribe.speaker_options import SpeakerOptions
from transcribe.speakers import Turn

RATE = 16000


@pytest.fixture(scope="module")
def encoder():
    from transcribe.embedding import SpeakerEncoder

    return SpeakerEncoder.load()


def voice_track(voice: str, seconds: float) -> np.ndarray:
    """`seconds` of one voice's phrases back to back (their own short room tone between)."""
    from tests.real_dialogues import phrases

    clips, total = [], 0
    for samples, _a, _b in phrases(voice):
        clips.append(samples)
        total += len(samples)
        if total >= seconds * RATE:
            break
    track = np.concatenate(clips)[: round(seconds * RATE)]
    assert len(track) == round(seconds * RATE), f"too little of {voice} in the shared data"
    return track


def conversation(overlap: bool) -> np.ndarray:
    """40 s: A 0-8 s, B 8-16 s, A 16-24 s, B 24-32 s, A 32-40 s at equal level, 0.3 s of quiet
    before each plain change, plus quiet noise. With `overlap`, B's turn at 24 s starts 1.5 s
    early (from 22.5 s), over the end of A's."""
    a, b = voice_track("nst_da_0042", 24.0), voice_track("ap_dan", 17.5)
    a, b = a / np.sqrt(np.mean(a**2)) * 0.05, b / np.sqrt(np.mean(b**2)) * 0.05
    voices = np.zeros(40 * RATE)
    for start, piece in ((0, a[: 8 * RATE]), (16, a[8 * RATE : 16 * RATE]), (32, a[16 * RATE :]),
                         (8, b[: 8 * RATE])):
        voices[start * RATE : start * RATE + len(piece)] += piece
    for change in (8, 16, 32) if overlap else (8, 16, 24, 32):
        voices[round((change - 0.3) * RATE) : change * RATE] = 0.0
    start = round((22.5 if overlap else 24.0) * RATE)  # B's second turn ends at 32 s either way
    voices[start : round(31.7 * RATE)] += b[8 * RATE : 8 * RATE + round(31.7 * RATE) - start]
    noise = np.random.default_rng(0).normal(scale=0.0005, size=40 * RATE)
    return (voices + noise).astype(np.float32)


# What the frame-level pass gives such a recording: one voice per moment, the louder (here the
# first) keeping the overlapped stretch.
TURNS = [Turn(0.0, 8.0, 0), Turn(8.0, 16.0, 1), Turn(16.0, 24.0, 0), Turn(24.0, 32.0, 1), Turn(32.0, 40.0, 0)]
SPEECH = [(0.0, 40.0)]


def test_two_voices_at_once_are_found_where_they_are_and_given_to_both(encoder):
    mel = encoder.mel_frames(conversation(overlap=True))
    found = find_overlaps(mel, SPEECH, TURNS, 2, encoder.embed_frames, SpeakerOptions())
    assert found, "the 1.5 s of two voices at once was not found"
    assert all(o.speakers == (0, 1) for o in found)
    assert all(o.end - o.start >= SpeakerOptions().overlap_min_s for o in found)
    # Inside the true overlap (22.5-24.0 s), give or take a window's cover.
    assert all(22.2 <= o.start and o.end <= 24.3 for o in found), found
    assert sum(o.end - o.start for o in found) >= 0.5
    # feedback's interruption rule, as the meeting's metrics and flags apply it, now sees B cut in.
    from tests.diarization_eval import interruption_starts

    as_tuples = lambda turns: [(t.start, t.end, str(t.speaker)) for t in turns]  # noqa: E731
    assert interruption_starts(as_tuples(TURNS)) == []
    (cut_in,) = interruption_starts(as_tuples(with_overlaps(TURNS, found)))
    assert cut_in == pytest.approx(22.5, abs=0.5)


def test_plain_speaker_changes_are_not_overlap(encoder):
    mel = encoder.mel_frames(conversation(overlap=False))
    assert find_overlaps(mel, SPEECH, TURNS, 2, encoder.embed_frames, SpeakerOptions()) == []


def test_too_little_of_a_voice_or_one_voice_finds_nothing(encoder):
    mel = encoder.mel_frames(conversation(overlap=True))
    short = [Turn(0.0, 23.0, 0), Turn(23.0, 25.0, 1), Turn(25.0, 40.0, 0)]  # 2 s of B: too little
    assert find_overlaps(mel, SPEECH, short, 2, encoder.embed_frames, SpeakerOptions()) == []
    assert find_overlaps(mel, SPEECH, [Turn(0.0, 40.0, 0)], 1, encoder.embed_frames, SpeakerOptions()) == []
    assert find_overlaps(mel, SPEECH, [], 2, encoder.embed_frames, SpeakerOptions()) == []


def test_with_overlaps_adds_the_stretch_to_both_voices_and_unites_each_voice():
    turns = [Turn(0.0, 5.0, 0), Turn(5.0, 9.0, 1), Turn(9.5, 12.0, 0)]
    out = with_overlaps(turns, [Overlap(4.2, 5.0, (0, 1)), Overlap(9.2, 9.6, (0, 1))])
    assert out == [Turn(0.0, 5.0, 0), Turn(4.2, 9.0, 1), Turn(9.2, 12.0, 0), Turn(9.2, 9.6, 1)]
    assert with_overlaps(turns, []) == turns


def test_a_flagged_window_inside_a_turn_covers_less_than_one_near_a_change():
    """Windows are flagged while a good part of them is two voices, so the centres of a short
    "ja" inside a turn already reach past its ends; near a change the cover is wider, since a
    cut-in's edge is where the louder voice hides the other."""
    options = SpeakerOptions()
    centres = np.array([3.0, 3.1, 3.2, 7.8, 7.9, 8.0])  # a "ja" at 3 s; a cut-in at the change at 8 s
    found = _stretches(centres, _covers(centres, [8.0], options), (0, 1), [(0.0, 20.0)], options)
    assert found == [Overlap(2.95, 3.25, (0, 1)), Overlap(7.65, 8.15, (0, 1))]
    # Far from every change both are inside a turn; with no change at all, too.
    assert _covers(centres, [15.0], options).tolist() == [options.overlap_inside_cover_s] * 6
    assert _covers(centres, [], options).tolist() == [options.overlap_inside_cover_s] * 6


def test_fit_classifier_separates_classes_by_their_means():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, (200, 4)), rng.normal(0, 1, (200, 4)) + np.array([3.0, 0, 0, 0])
    classifier = fit_classifier([a, b], shrinkage=0.1)
    scores = classifier.scores(np.array([[0.0, 0, 0, 0], [3.0, 0, 0, 0]]))
    assert scores.argmax(axis=1).tolist() == [0, 1]
