"""The diarization scoring helpers, the shared reference files and the shipped synthetic dialogues."""

import itertools
import json
from pathlib import Path

import av
import numpy as np
import pytest

from tests.conftest import DIARIZATION, REPO
from tests.diarization_eval import (
    der,
    read_rttm,
    read_uem,
    share_error_points,
    speaker_count,
)

DIALOGUES = REPO / "tests" / "fixtures" / "dialogues"
DIALOGUE_URIS = ["dialog1", "dialog1_stereo", "dialog2", "dialog3"]
SAMPLE_RATE = 16000

A, B = "A", "B"


# --- hand-made cases -----------------------------------------------------------------------------


def test_perfect_hypothesis_scores_zero():
    reference = [(0.0, 10.0, A), (10.5, 20.0, B), (21.0, 25.0, A)]
    result = der(reference, reference)
    assert result["der"] == 0.0
    assert result["total"] == pytest.approx(23.5)
    assert share_error_points(reference, reference) == 0.0


def test_swapped_labels_score_zero():
    reference = [(0.0, 10.0, A), (10.5, 20.0, B)]
    hypothesis = [(0.0, 10.0, "spk1"), (10.5, 20.0, "spk0")]
    assert der(reference, hypothesis)["der"] == 0.0
    assert share_error_points(reference, hypothesis) == 0.0


def test_one_speaker_for_everything():
    reference = [(0.0, 15.0, A), (15.0, 20.0, B)]
    hypothesis = [(0.0, 20.0, "X")]
    result = der(reference, hypothesis)
    assert result["der"] == pytest.approx(0.25)  # B's 5 s are confused, out of 20 s
    assert result["confusion"] == pytest.approx(5.0)
    assert result["missed"] == result["false_alarm"] == 0.0
    assert share_error_points(reference, hypothesis) == pytest.approx(25.0)  # A: 75% -> 100%
    assert speaker_count(hypothesis) == 1


def test_missed_and_false_alarm():
    reference = [(0.0, 10.0, A)]
    hypothesis = [(0.0, 8.0, A), (12.0, 14.0, A)]
    result = der(reference, hypothesis)
    assert result["missed"] == pytest.approx(2.0)
    assert result["false_alarm"] == pytest.approx(2.0)
    assert result["der"] == pytest.approx(0.4)


def test_overlap_is_scored_per_speaker():
    reference = [(0.0, 10.0, A), (8.0, 12.0, B)]
    hypothesis = [(0.0, 10.0, A), (10.0, 12.0, B)]
    result = der(reference, hypothesis)
    assert result["total"] == pytest.approx(14.0)
    assert result["missed"] == pytest.approx(2.0)
    assert result["der"] == pytest.approx(2.0 / 14.0)


def test_a_speakers_own_overlapping_turns_count_once():
    reference = [(0.0, 10.0, A)]
    hypothesis = [(0.0, 6.0, "x"), (4.0, 10.0, "x")]
    assert der(reference, hypothesis)["der"] == 0.0
    assert share_error_points(reference, hypothesis) == 0.0


def test_uem_limits_scoring():
    reference = [(0.0, 10.0, A), (10.0, 20.0, B)]
    hypothesis = [(0.0, 20.0, A)]
    result = der(reference, hypothesis, uem=[(0.0, 10.0)])
    assert result["total"] == pytest.approx(10.0)
    assert result["der"] == 0.0


def test_collar_half_second_means_a_quarter_second_each_side():
    reference = [(0.0, 10.0, A), (10.0, 20.0, B)]
    late_by_0_2 = [(0.0, 10.2, A), (10.2, 20.0, B)]
    late_by_0_3 = [(0.0, 10.3, A), (10.3, 20.0, B)]
    assert der(reference, late_by_0_2)["der"] == pytest.approx(0.2 / 20)
    assert der(reference, late_by_0_2, collar=0.5)["der"] == 0.0
    # 0.05 s of the 0.3 s shift lies outside the ±0.25 s collar; collars at 0, 10 and 20 s leave 19 s scored.
    assert der(reference, late_by_0_3, collar=0.5)["confusion"] == pytest.approx(0.05)
    assert der(reference, late_by_0_3, collar=0.5)["total"] == pytest.approx(19.0)


def test_share_error_with_an_extra_hypothesis_speaker():
    reference = [(0.0, 10.0, A), (10.0, 20.0, B)]
    hypothesis = [(0.0, 10.0, "s1"), (10.0, 15.0, "s2"), (15.0, 20.0, "s3")]
    # s1 -> A (50%), s2 -> B (25% instead of 50%), s3 unmapped.
    assert share_error_points(reference, hypothesis) == pytest.approx(25.0)
    assert speaker_count(hypothesis) == 3


def test_share_error_with_no_hypothesis_speech():
    reference = [(0.0, 6.0, A), (6.0, 10.0, B)]
    assert share_error_points(reference, []) == pytest.approx(60.0)
    assert speaker_count([]) == 0


def test_readers_parse_rttm_and_uem(tmp_path):
    rttm = tmp_path / "x.rttm"
    rttm.write_text(
        "SPEAKER m1 1 2.500 1.000 <NA> <NA> b <NA> <NA>\n"
        "SPEAKER m1 1 0.000 2.000 <NA> <NA> a <NA> <NA>\n"
        "SPEAKER m2 1 1.000 0.500 <NA> <NA> c <NA> <NA>\n"
    )
    assert read_rttm(rttm) == {"m1": [(0.0, 2.0, "a"), (2.5, 3.5, "b")], "m2": [(1.0, 1.5, "c")]}
    uem = tmp_path / "x.uem"
    uem.write_text("m1 NA 0.000 30.000\n")
    assert read_uem(uem) == [(0.0, 30.0)]
    rttm.write_text("not an rttm line\n")
    with pytest.raises(ValueError):
        read_rttm(rttm)


# --- the shared real recordings ------------------------------------------------------------------


def frame_der(reference, hypothesis, step=0.001):
    """Independent frame-based DER (no collar, overlap scored) with a brute-force optimal mapping."""
    end = max(e for _, e, _ in reference + hypothesis)
    n = int(np.ceil(end / step)) + 1

    def activity(turns):
        labels = sorted({s for _, _, s in turns})
        act = np.zeros((len(labels), n), dtype=bool)
        for start, stop, speaker in turns:
            act[labels.index(speaker), int(round(start / step)) : int(round(stop / step))] = True
        return act

    ref, hyp = activity(reference), activity(hypothesis)
    n_ref, n_hyp = ref.sum(axis=0), hyp.sum(axis=0)
    best = 0
    k = max(len(ref), len(hyp))
    ref_pad = np.vstack([ref, np.zeros((k - len(ref), n), dtype=bool)])
    hyp_pad = np.vstack([hyp, np.zeros((k - len(hyp), n), dtype=bool)])
    for perm in itertools.permutations(range(k)):
        best = max(best, sum(int((ref_pad[i] & hyp_pad[j]).sum()) for i, j in enumerate(perm)))
    errors = np.maximum(n_ref, n_hyp).sum() - best
    return errors / n_ref.sum()


@pytest.fixture(scope="module")
def shared_diarization():
    if not (DIARIZATION / "dev00.rttm").exists():
        pytest.fail(f"shared test data missing at {DIARIZATION}; set MEDLYT_SHARED_DATA")
    return DIARIZATION


@pytest.mark.parametrize("uri, speakers", [("dev00", 2), ("dev01", 2), ("tst00", 4), ("tst01", None)])
def test_shared_references_read(shared_diarization, uri, speakers):
    turns = read_rttm(shared_diarization / f"{uri}.rttm")
    assert list(turns) == [uri]
    reference = turns[uri]
    if speakers is not None:
        assert speaker_count(reference) == speakers
    assert read_uem(shared_diarization / f"{uri}.uem") == [(0.0, 30.0)]
    assert all(0 <= start < end <= 30.0 for start, end, _ in reference)
    assert der(reference, reference, uem=[(0.0, 30.0)])["der"] == 0.0


@pytest.mark.parametrize("uri", ["dev00", "tst00"])
def test_der_agrees_with_a_frame_based_count(shared_diarization, uri):
    reference = read_rttm(shared_diarization / f"{uri}.rttm")[uri]
    labels = sorted({s for _, _, s in reference})
    rename = {label: f"h{(i + 1) % len(labels)}" for i, label in enumerate(labels)}
    # Shift everything 0.3 s late, and give the first speaker's last turn to the second speaker.
    hypothesis = [(s + 0.3, e + 0.3, rename[spk]) for s, e, spk in reference]
    last_first = max(i for i, t in enumerate(hypothesis) if t[2] == rename[labels[0]])
    s, e, _ = hypothesis[last_first]
    hypothesis[last_first] = (s, e, rename[labels[1]])
    ours = der(reference, hypothesis)["der"]
    assert ours > 0.02
    # The reassigned turn may overlap its new speaker's own turn: that speaker still speaks once.
    assert ours == pytest.approx(frame_der(reference, hypothesis), abs=2e-3)


# --- the shipped synthetic dialogues -------------------------------------------------------------


def decode(path: Path) -> np.ndarray:
    """(channels, samples) int16."""
    chunks = []
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert stream.rate == SAMPLE_RATE
        channels = stream.codec_context.channels
        for frame in container.decode(stream):
            data = frame.to_ndarray()
            chunks.append(data if frame.format.is_planar else data.reshape(-1, channels).T)
    return np.concatenate(chunks, axis=1)


@pytest.fixture(scope="module", params=DIALOGUE_URIS)
def dialogue(request):
    uri = request.param
    script = json.loads((DIALOGUES / f"{uri}.json").read_text())
    return {
        "uri": uri,
        "script": script,
        "reference": read_rttm(DIALOGUES / f"{uri}.rttm"),
        "uem": read_uem(DIALOGUES / f"{uri}.uem"),
        "audio": decode(DIALOGUES / f"{uri}.flac"),
    }


def test_dialogue_reference_matches_script_and_audio(dialogue):
    uri, script, audio = dialogue["uri"], dialogue["script"], dialogue["audio"]
    assert list(dialogue["reference"]) == [uri]
    reference = dialogue["reference"][uri]
    turns = script["turns"]
    assert len(reference) == len(turns) >= 18
    script_turns = sorted((t["start"], t["end"], t["role"]) for t in turns)
    for (start, end, speaker), (s_start, s_end, s_role) in zip(reference, script_turns):
        assert (start, end, speaker) == (pytest.approx(s_start, abs=1e-6), pytest.approx(s_end, abs=1e-6), s_role)
    assert speaker_count(reference) == 2
    assert {t["role"] for t in turns} == {"sagsbehandler", "borger"}
    assert all(t["text"].strip() for t in turns)
    duration = audio.shape[1] / SAMPLE_RATE
    assert 60 <= duration <= 120
    assert duration == pytest.approx(script["duration_s"], abs=1e-3)
    assert dialogue["uem"] == [(0.0, pytest.approx(duration, abs=1e-3))]
    assert all(0 < start < end < duration for start, end, _ in reference)
    assert audio.shape[0] == (2 if uri.endswith("_stereo") else 1)
    longest_citizen = max(e - s for s, e, spk in reference if spk == "borger")
    assert 20 <= longest_citizen <= 30


def test_dialogue_reference_marks_the_actual_speech(dialogue):
    """Clean files are digital silence outside the reference; every turn sounds at both its ends."""
    uri, audio = dialogue["uri"], dialogue["audio"].astype(np.float64)
    reference = dialogue["reference"][uri]
    mono = np.abs(audio).sum(axis=0)
    speech = np.zeros(mono.shape[0], dtype=bool)
    edge = int(0.01 * SAMPLE_RATE)
    for start, end, _ in reference:
        a, b = round(start * SAMPLE_RATE), round(end * SAMPLE_RATE)
        speech[a:b] = True
        if dialogue["script"]["noise"] is None:
            # The generator keeps from the first to the last 5 ms frame within 40 dB of the loudest.
            floor = mono[a:b].max() * 0.005
            assert mono[a : a + edge].max() > floor and mono[b - edge : b].max() > floor, (start, end)
    if dialogue["script"]["noise"] is None:
        assert mono[~speech].max() == 0
    else:
        # Pink noise at 15 dB SNR: speech+noise power over noise-only power is about 15 dB.
        power = (audio[0] ** 2)
        ratio_db = 10 * np.log10(power[speech].mean() / power[~speech].mean())
        assert ratio_db == pytest.approx(10 * np.log10(10**1.5 + 1), abs=1.0)


def test_dialogue_overlaps():
    overlaps = {}
    for uri in ["dialog1", "dialog2", "dialog3"]:
        reference = read_rttm(DIALOGUES / f"{uri}.rttm")[uri]
        overlaps[uri] = [
            min(e1, e2) - max(s1, s2)
            for (s1, e1, _), (s2, e2, _) in itertools.combinations(reference, 2)
            if min(e1, e2) > max(s1, s2)
        ]
    assert overlaps["dialog1"] == overlaps["dialog3"] == []
    timed = [o for o in overlaps["dialog2"] if o >= 0.5 - 1e-6]
    assert len(timed) >= 2 and all(o <= 1.0 + 1e-6 for o in timed)


def test_stereo_dialogue_has_one_speaker_per_channel():
    audio = decode(DIALOGUES / "dialog1_stereo.flac").astype(np.float64)
    mono = decode(DIALOGUES / "dialog1.flac").astype(np.float64)
    assert audio.shape[1] == mono.shape[1]
    assert json.loads((DIALOGUES / "dialog1_stereo.json").read_text())["channels"] == {
        "0": "sagsbehandler",
        "1": "borger",
    }
    for start, end, speaker in read_rttm(DIALOGUES / "dialog1_stereo.rttm")["dialog1_stereo"]:
        a, b = round(start * SAMPLE_RATE), round(end * SAMPLE_RATE)
        own, other = (0, 1) if speaker == "sagsbehandler" else (1, 0)
        assert np.abs(audio[own, a:b]).max() > 0 and np.abs(audio[other, a:b]).max() == 0
    assert np.abs(audio.sum(axis=0) - mono).max() <= 1  # the mono file is the channels' sum
