"""The dialogues built from real Danish voices (tests/real_dialogues.py) are what their recipe
says: two different people, overlaps of 0.3-2 s, backchannels one can hear, the noise at its
SNR, the same audio on every run, and an audible reference that leaves out only what sounds
like the noise. The speaker benchmark and tests/unit/test_speakers.py rest on them."""

import numpy as np
import pytest

from tests import real_dialogues
from tests.real_dialogues import DIALOGUES, RATE, build_dialogue, phrases


@pytest.fixture(scope="module")
def samtale():
    return build_dialogue(DIALOGUES["samtale"])


def overlaps(reference):
    """(seconds, who started) of every stretch where a phrase starts inside another voice's phrase."""
    found = []
    for s, e, who in reference:
        for s2, e2, who2 in reference:
            if who2 != who and s2 < s < e2:
                found.append((min(e, e2) - s, who))
    return found


def test_two_real_voices_with_their_phrases_cut_at_pauses(samtale):
    voices = {who for _, _, who in samtale.reference}
    assert voices == set(DIALOGUES["samtale"].voices) and len(voices) == 2
    for voice in voices:
        lengths = [(b - a) / RATE for _, a, b in phrases(voice)]
        assert min(lengths) >= real_dialogues.PHRASE_MIN_S and len(lengths) >= 10
    assert samtale.reference == sorted(samtale.reference)
    assert all(e > s for s, e, _ in samtale.reference)
    assert 60 < samtale.duration_s < 120


def test_overlaps_and_backchannels(samtale):
    found = overlaps(samtale.reference)
    turn_overlaps = [seconds for seconds, _ in found if seconds >= 0.3]
    assert len(turn_overlaps) >= 2 and max(turn_overlaps) <= 2.0 + 1e-6
    shares = real_dialogues.talk_shares(samtale.reference)
    assert all(0.3 < share < 0.7 for share in shares.values())
    # A backchannel: a short phrase of one voice wholly inside the other's phrase or turn.
    short_inside = [(s, e) for s, e, who in samtale.reference if e - s <= 0.7 and any(
        who2 != who and s2 <= s and e <= e2 + 1.0 for s2, e2, who2 in samtale.reference)]
    assert short_inside


def test_noise_at_the_recipes_snr_and_the_same_audio_every_time(samtale):
    recipe = DIALOGUES["samtale"]
    frame = RATE // 100
    n = len(samtale.audio) // frame
    power = np.mean(samtale.audio[: n * frame].reshape(n, frame).astype(np.float64) ** 2, axis=1)
    voiced = np.zeros(n, dtype=bool)
    for s, e, _ in samtale.reference:
        voiced[round(s * 100): round(e * 100)] = True
    # Half a second or more away from any voice (and its reverberation): noise alone.
    quiet = ~np.convolve(voiced, np.ones(101), mode="same").astype(bool)
    assert quiet.sum() > 20
    speech_db = 10 * np.log10(np.mean(power[voiced]))
    noise_db = 10 * np.log10(np.mean(power[quiet]))
    assert speech_db - noise_db == pytest.approx(recipe.snr_db, abs=1.5)
    again = build_dialogue(recipe)
    assert np.array_equal(again.audio, samtale.audio) and again.reference == samtale.reference


def test_the_audible_reference_leaves_out_only_what_sounds_like_the_noise(samtale):
    """The audible reference trims phrase edges that lie under the noise: what it takes away is
    as loud as the noise alone in the recording, what it keeps is far above it."""
    assert all(any(who2 == who and s2 <= s < e <= e2 for s2, e2, who2 in samtale.reference)
               for s, e, who in samtale.audible)
    kept = sum(e - s for s, e, _ in samtale.audible) / sum(e - s for s, e, _ in samtale.reference)
    assert 0.9 < kept < 1.0
    frame = RATE // 100
    n = len(samtale.audio) // frame
    power = np.mean(samtale.audio[: n * frame].reshape(n, frame).astype(np.float64) ** 2, axis=1)

    def mask(turns):
        m = np.zeros(n, dtype=bool)
        for s, e, _ in turns:
            m[round(s * 100): round(e * 100)] = True
        return m

    reference, audible = mask(samtale.reference), mask(samtale.audible)
    noise_alone = ~np.convolve(reference, np.ones(101), mode="same").astype(bool)
    db = {name: 10 * np.log10(np.mean(power[m]))
          for name, m in [("noise", noise_alone), ("cut", reference & ~audible), ("kept", audible)]}
    assert db["cut"] == pytest.approx(db["noise"], abs=1.0)
    assert db["kept"] > db["noise"] + 10


@pytest.mark.parametrize("voice", ["nst_da_0042", "ap_dan", "librivox"])
def test_no_phrase_is_a_breath(voice):
    """Every phrase is within PHRASE_BELOW_VOICE_DB of the voice's median phrase, so a
    backchannel is a "ja" one can hear. Before, the NST speaker's only short phrase and one of
    ap_dan's were breaths 30 dB down, and most backchannels were inaudible."""
    levels = [real_dialogues._level_db(clip[a:b]) for clip, a, b in phrases(voice)]
    assert min(levels) >= np.median(levels) - real_dialogues.PHRASE_BELOW_VOICE_DB


def test_every_backchannel_can_be_heard(samtale):
    """The short phrases said inside the other's speech are all in the audible reference."""
    backchannels = [(s, e, who) for s, e, who in samtale.reference if e - s <= 0.7 and any(
        who2 != who and s2 <= s and e <= e2 for s2, e2, who2 in samtale.reference)]
    assert backchannels
    for s, e, who in backchannels:
        assert any(who2 == who and s <= s2 < e2 <= e for s2, e2, who2 in samtale.audible)
