"""Speaker attribution on one microphone: windows, turns, fallbacks, and end to end on real audio.

Hand-made embeddings test the logic; the end-to-end tests run the real GE2E encoder on the shared
AMI excerpts and the synthetic Danish dialogues and score with pyannote.metrics
(tests/diarization_eval.py). Run with -s to see the DER / share-error table.
"""

import dataclasses

import numpy as np
import pytest

from capture.vad import speech_segments
from tests.conftest import REPO, SHARED_DATA
from transcribe.speaker_options import SpeakerOptions
from transcribe.speakers import Attribution, attribute, plan_windows

DIARIZATION = SHARED_DATA / "diarization"
DIALOGUES = REPO / "tests" / "fixtures" / "dialogues"
RATE = 16000
DIM = 256


def voices(n, seed):
    """n random unit 'voices'."""
    v = np.random.default_rng(seed).normal(size=(n, DIM))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def embeddings_for(windows, script, voice_of, noise=0.4, seed=1):
    """Embeddings of windows in a scripted conversation: each window gets the voice that speaks
    most of it, plus noise. script: [(start, end, speaker)]."""
    rng = np.random.default_rng(seed)
    out = []
    for ws, we in windows:
        share = {}
        for s, e, speaker in script:
            share[speaker] = share.get(speaker, 0) + max(0.0, min(we, e) - max(ws, s))
        v = voice_of[max(share, key=share.get)] + noise * rng.normal(size=DIM) / np.sqrt(DIM) * 4
        out.append(v / np.linalg.norm(v))
    return np.array(out)


def speaker_at(turns, t):
    return [turn.speaker for turn in turns if turn.start <= t < turn.end]


def check_refined_turns(turns, speech, n_speakers):
    """After resegmentation: sorted, one speaker's turns never overlapping each other (two
    speakers' may: two voices at once), inside the VAD's speech; the pauses in it may belong to
    nobody, but most of it is somebody's."""
    assert turns == sorted(turns, key=lambda t: (t.start, t.speaker))
    for speaker in range(n_speakers):
        own = [t for t in turns if t.speaker == speaker]
        for a, b in zip(own, own[1:]):
            assert a.end <= b.start + 1e-9
    for turn in turns:
        assert turn.end > turn.start and 0 <= turn.speaker < n_speakers
        assert isinstance(turn.start, float) and isinstance(turn.end, float)
        assert any(s - 1e-9 <= turn.start and turn.end <= e + 1e-9 for s, e in speech)
    from meetings.intervals import union_length

    assert union_length([(t.start, t.end) for t in turns]) > 0.5 * sum(e - s for s, e in speech)


def check_turns(attribution: Attribution, speech):
    """Sorted, non-overlapping, inside the speech, and every speech moment covered."""
    turns = attribution.turns
    for a, b in zip(turns, turns[1:]):
        assert a.end <= b.start + 1e-9
    for turn in turns:
        assert turn.end > turn.start
        assert any(s - 1e-9 <= turn.start and turn.end <= e + 1e-9 for s, e in speech)
        assert 0 <= turn.speaker < attribution.n_speakers
    covered = sum(t.duration for t in turns)
    assert covered == pytest.approx(sum(e - s for s, e in speech), abs=0.01)


# ----------------------------------------------------------------------------- windows


def test_plan_windows_covers_regions_and_short_ones():
    options = SpeakerOptions(window_s=2.0)
    windows = plan_windows([(0.0, 5.2), (6.0, 7.0), (8.0, 8.3)], options)
    long_ones = [w for w in windows if w[1] <= 5.2]
    assert long_ones[0] == (0.0, 2.0)
    assert long_ones[-1] == (3.2, 5.2)  # flush with the end, so the tail is heard
    assert all(round(b - a, 3) == 2.0 for a, b in long_ones)
    assert (6.0, 7.0) in windows  # shorter than a window: one window covering it
    assert not any(a >= 8.0 for a, _ in windows)  # 0.3 s is too little voice


def test_plan_windows_thins_evenly_to_the_cap():
    options = SpeakerOptions(max_windows=100)
    windows = plan_windows([(0.0, 3600.0)], options)
    assert len(windows) == 100
    assert windows[0][0] == 0.0 and windows[-1][1] == 3600.0
    gaps = np.diff([a for a, _ in windows])
    assert gaps.max() - gaps.min() <= options.step_s + 1e-9


# ------------------------------------------------------------------------- attribution


SCRIPT = [(0.0, 12.0, "a"), (12.0, 20.0, "b"), (20.5, 31.0, "a"), (31.0, 44.0, "b")]
SPEECH = [(0.0, 20.0), (20.5, 44.0)]


def test_attribute_gives_the_scripted_turns():
    windows = plan_windows(SPEECH)
    x = embeddings_for(windows, SCRIPT, dict(zip("ab", voices(2, 3))))
    result = attribute(SPEECH, windows, x, 2)
    check_turns(result, SPEECH)
    assert result.note is None and result.n_speakers == 2 and result.estimated_speakers == 2
    assert result.turns[0].speaker == 0  # the first to speak is speaker 0 ("Taler 1")
    # Changes land within a quarter second of the truth.
    changes = [t.start for t in result.turns[1:]]
    assert len(result.turns) == 4
    assert np.allclose(changes, [12.0, 20.5, 31.0], atol=0.25)
    assert [t.speaker for t in result.turns] == [0, 1, 0, 1]
    assert result.centroids.shape == (2, DIM)
    assert np.allclose(np.linalg.norm(result.centroids, axis=1), 1.0)


def test_attribute_three_speakers():
    script = [(0, 8, "a"), (8, 15, "b"), (15, 24, "c"), (24, 30, "a"), (30, 38, "c")]
    speech = [(0.0, 38.0)]
    windows = plan_windows(speech)
    x = embeddings_for(windows, script, dict(zip("abc", voices(3, 4))))
    result = attribute(speech, windows, x, 3)
    check_turns(result, speech)
    assert [t.speaker for t in result.turns] == [0, 1, 2, 0, 2]
    assert result.estimated_speakers == 3


def test_attribute_smooths_flicker_and_short_regions_get_a_speaker():
    # A lone odd window inside a long turn must not make a 0.3 s "turn".
    speech = [(0.0, 20.0), (20.3, 20.6)]  # the second region is too short for a window
    windows = plan_windows(speech)
    voice = voices(2, 5)
    x = embeddings_for(windows, [(0, 10, "a"), (10, 20.6, "b")], dict(zip("ab", voice)))
    x[5] = voice[1]  # one stray window of the other voice
    result = attribute(speech, windows, x, 2)
    check_turns(result, speech)
    assert min(t.duration for t in result.turns if t.end <= 20.0) >= SpeakerOptions().min_turn_s
    assert speaker_at(result.turns, 20.4) == speaker_at(result.turns, 19.0)


def test_attribute_silence_gives_no_turns():
    result = attribute([], [], np.zeros((0, DIM)), 2)
    assert result.turns == [] and result.n_speakers == 0 and result.note


def test_attribute_too_little_speech_gives_one_speaker_with_a_reason():
    speech = [(1.0, 3.5)]
    windows = plan_windows(speech)
    x = voices(len(windows), 6)
    result = attribute(speech, windows, x, 2)
    check_turns(result, speech)
    assert result.n_speakers == 1 and {t.speaker for t in result.turns} == {0}
    assert "For lidt tale" in result.note and "(2 s)" in result.note


def test_attribute_speech_without_windows_gives_one_speaker():
    speech = [(1.0, 1.3), (2.0, 2.2)]
    result = attribute(speech, plan_windows(speech), np.zeros((0, DIM)), 2)
    check_turns(result, speech)
    assert result.n_speakers == 1 and result.note


def test_attribute_one_speaker():
    windows = plan_windows(SPEECH)
    x = embeddings_for(windows, SCRIPT, dict(zip("ab", voices(2, 3))))
    result = attribute(SPEECH, windows, x, 1)
    check_turns(result, SPEECH)
    assert result.n_speakers == 1 and result.note is None
    assert result.estimated_speakers == 2  # reported as a suggestion, not used


def test_attribute_more_speakers_than_windows_is_capped():
    speech = [(0.0, 2.0), (3.0, 5.0), (6.0, 8.0)]  # 6 s of speech, 3 windows of 2 s
    options = SpeakerOptions(window_s=2.0, min_speech_s=1.0)
    windows = plan_windows(speech, options)
    assert len(windows) == 3
    result = attribute(speech, windows, voices(3, 7), 5, options)
    check_turns(result, speech)
    assert result.n_speakers == 3 and "5 talere ønsket" in result.note


def test_attribute_identical_embeddings_give_one_speaker_with_a_reason():
    windows = plan_windows(SPEECH)
    x = np.tile(voices(1, 8), (len(windows), 1))
    result = attribute(SPEECH, windows, x, 2)
    check_turns(result, SPEECH)
    assert result.n_speakers == 1 and "ikke skelnes" in result.note


def test_attribute_rejects_a_count_below_one_and_mismatched_input():
    with pytest.raises(ValueError):
        attribute(SPEECH, [], np.zeros((0, DIM)), 0)
    with pytest.raises(ValueError):
        attribute(SPEECH, [(0.0, 2.0)], np.zeros((2, DIM)), 2)


def test_attribute_accepts_vad_segments():
    segments = list(speech_segments([np.zeros(RATE, dtype=np.float32)]))
    assert attribute(segments, [], np.zeros((0, DIM)), 2).turns == []


# ------------------------------------------------------------------ end to end, real audio

# (uri, audio, rttm, uem). The AMI excerpts are 30 s of far-field meeting audio; the dialogues
# are synthetic two-voice Danish (tests/fixtures/dialogues/README.md).
RECORDINGS = [
    (uri, DIARIZATION / f"{uri}.wav", DIARIZATION / f"{uri}.rttm", DIARIZATION / f"{uri}.uem")
    for uri in ("dev00", "dev01", "tst00", "tst01")
] + [
    (uri, DIALOGUES / f"{uri}.flac", DIALOGUES / f"{uri}.rttm", DIALOGUES / f"{uri}.uem")
    for uri in ("dialog1", "dialog2", "dialog3")
]
# Two dialogues built from real Danish voices with overlaps, backchannels, a room and noise
# (tests/real_dialogues.py); benchmarks/speaker_accuracy.py scores all five and more.
BUILT = ("samtale", "skranke")
# Largest share error (points) each 2-speaker recording may have: issue 21 asks for <= 3.
SHARE_LIMIT = {uri: 3.0 for uri in ("dev00", "dev01", "dialog1", "dialog2", "dialog3", *BUILT)}
# Issue 21 is open: on the dialogues as built since their backchannels are speech rather than
# breaths, these fall short (benchmarks/speaker_accuracy.py, README "Hvem talte hvornår").
# strict: when they pass, the mark has to go.
NOT_YET = {
    ("interruption", "samtale"): "issue 21: the quieter ap_dan's start under the reader is not heard as overlap",
    ("interruption", "skranke"): "issue 21: the one interruption's overlap is not found",
}


def known(kind: str, uris) -> list:
    return [pytest.param(uri, marks=pytest.mark.xfail(reason=NOT_YET[kind, uri], strict=True))
            if (kind, uri) in NOT_YET else uri for uri in uris]


@pytest.fixture(scope="module")
def diarization_results(tmp_path_factory):
    """Every recording attributed as the product does it (16-bit WAV, capture.vad's speech,
    transcribe.diarize.by_voice with the default options) and scored; printed as a table."""
    from capture.source import import_audio
    from capture.vad import speech_segments as vad_segments
    from capture.wav import iter_mono_blocks
    from tests import diarization_eval as evaluation
    from transcribe.diarize import by_voice

    from tests import real_dialogues

    options = SpeakerOptions()
    folder = tmp_path_factory.mktemp("diarization")
    built = {name: real_dialogues.build_dialogue(real_dialogues.DIALOGUES[name]) for name in BUILT}
    recordings = [(uri, audio, next(iter(evaluation.read_rttm(rttm).values())), evaluation.read_uem(uem))
                  for uri, audio, rttm, uem in RECORDINGS]
    recordings += [(name, d.write_wav(folder / f"{name}-built.wav"), d.reference, [(0.0, d.duration_s)])
                   for name, d in built.items()]
    results = {}
    for uri, audio, reference, scored in recordings:
        wav = folder / f"{uri}.wav"
        import_audio(audio, wav)
        k = len({speaker for _, _, speaker in reference})
        speech = [(s.start, s.end) for s in vad_segments(iter_mono_blocks(wav))]
        result = by_voice(wav, speech, k, options)
        check_refined_turns(result.turns, speech, len(result.speakers))
        hypothesis = [(t.start, t.end, str(t.speaker)) for t in result.turns]
        results[uri] = {"speakers": k, "estimated": result.estimated, "found": evaluation.speaker_count(hypothesis),
                        **evaluation.score(reference, hypothesis, scored)}
        results[uri]["interruptions"] = evaluation.match_interruptions(
            evaluation.interruption_starts(reference), evaluation.interruption_starts(hypothesis))
        results[uri]["reference_interruptions"] = len(evaluation.interruption_starts(reference))
        if uri in BUILT:  # the first pass alone, to show what the resegmentation brings
            first = by_voice(wav, speech, k, dataclasses.replace(options, resegment=False))
            results[uri]["first_pass"] = evaluation.score(
                reference, [(t.start, t.end, str(t.speaker)) for t in first.turns], scored)
    print("\nuri       spk est found  DER±.25  DER(0)  confusion  share err")
    for uri, r in results.items():
        print(
            f"{uri:9s} {r['speakers']:3d} {r['estimated']:3d} {r['found']:5d} "
            f"{100 * r['der_collar']:7.1f}% {100 * r['der']:6.1f}% {r['confusion']:8.1f} s "
            f"{r['share_error']:7.1f}"
        )
    return results


@pytest.mark.parametrize("uri", known("share", SHARE_LIMIT))
def test_two_speaker_recordings_get_two_speakers_and_the_right_balance(diarization_results, uri):
    result = diarization_results[uri]
    assert result["found"] == 2
    assert result["share_error"] < SHARE_LIMIT[uri]


@pytest.mark.parametrize("uri", BUILT)
def test_resegmentation_tightens_the_turns_on_real_voices(diarization_results, uri):
    """Real voices in a room with noise, overlaps and backchannels: the frame-level pass lowers
    the error without collar (the turn edges) and the share error; what is left is mostly the
    overlapped speech one voice per frame cannot cover. Limits are the figures reached, rounded up."""
    result, first = diarization_results[uri], diarization_results[uri]["first_pass"]
    assert result["share_error"] < first["share_error"]
    # skranke (12 dB SNR, RT60 0.5 s, the second voice 6 dB down): edges won, weak onsets lost.
    assert result["der"] < first["der"] + 0.01
    assert result["der"] < 0.17 and result["der_collar"] < 0.07
    assert result["confusion"] < 2.0


@pytest.mark.parametrize("uri", known("interruption", BUILT))
def test_one_microphone_finds_an_interruption_and_no_false_one(diarization_results, uri):
    """Two voices at once are found (transcribe.overlap) and given to both, so feedback's
    interruption rule fires with one microphone: samtale and skranke have one each in their
    reference."""
    found, false = diarization_results[uri]["interruptions"]
    assert found >= 1 and false == 0


@pytest.mark.parametrize("uri", ("dialog1", "dialog2", "dialog3"))
def test_one_microphone_finds_every_interruption_of_the_synthetic_dialogues(diarization_results, uri):
    """dialog2 has three interruptions (dialog1 and dialog3 none). The one at 14.4 s is a 1.8 s
    turn almost wholly under the other voice, inside its speech with no pause: the first pass's
    windows never see it, and it is found only because the resegmentation's last decoding may
    overrule the first pass there at a price (reseg_far_cost)."""
    found, false = diarization_results[uri]["interruptions"]
    assert found == diarization_results[uri]["reference_interruptions"] and false == 0


def test_resegmentation_lowers_the_error_without_collar_on_the_built_dialogues(diarization_results):
    refined = [diarization_results[uri]["der"] for uri in BUILT]
    first = [diarization_results[uri]["first_pass"]["der"] for uri in BUILT]
    assert sum(refined) < sum(first) - 0.02


def test_dialogues_have_little_confusion(diarization_results):
    """Clean synthetic voices: the errors left are VAD padding (false alarm), not confusion."""
    for uri in ("dialog1", "dialog2", "dialog3"):
        assert diarization_results[uri]["confusion_collar"] < 1.0
        assert diarization_results[uri]["der_collar"] < 0.10


def test_four_speaker_recordings_are_attributed_without_error(diarization_results):
    # tst00/tst01 have four AMI speakers (tst01 only 6 s of reference speech): reported, and
    # must run through; their quality is not a product requirement (meetings have 2-3 voices).
    for uri in ("tst00", "tst01"):
        assert 1 <= diarization_results[uri]["found"] <= 4


