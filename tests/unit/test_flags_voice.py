"""Flag rules about the voice on small hand-made meetings: a raised voice and a calm response to it.
"""
from tests.flag_meetings import CIT, CW, TH, bare, filler, of, raised, run, seg



# --- raised_voice ---------------------------------------------------------------------------


def test_raised_voice_for_two_seconds_fires():
    a = run(raised(loud_words=5, above_db=10))  # 2.5 s at +10 dB
    [flag] = of(a, "raised_voice")
    assert (flag.start, flag.end, flag.speaker) == (15, 17.5, CIT)
    assert flag.evidence["median_db"] == -30.0 and flag.evidence["level_db"] == -20.0
    assert flag.evidence["above_db"] == 10.0 and flag.evidence["duration_s"] == 2.5
    assert flag.evidence["threshold_db"] == TH.raised_voice_db
    assert "10 dB" in flag.message and flag.tone == "concern"


def test_raised_voice_of_exactly_the_minimum_length_fires():
    assert len(of(run(raised(loud_words=4, above_db=10)), "raised_voice")) == 1  # 2.0 s


def test_raised_voice_too_short_does_not_fire():
    assert of(run(raised(loud_words=3, above_db=10)), "raised_voice") == []  # 1.5 s


def test_raised_voice_not_loud_enough_does_not_fire():
    assert of(run(raised(loud_words=8, above_db=6)), "raised_voice") == []


def test_raised_voice_needs_enough_measured_words():
    few = TH.raised_voice_min_words - 6
    a = run(raised(loud_words=5, above_db=15, normal_words=few))
    assert of(a, "raised_voice") == []
    assert a.metrics["speakers"][CIT]["loudness_db"] is None


def test_a_pause_breaks_a_loud_run():
    normal = seg(CIT, 0, 15, filler(30))
    first = seg(CIT, 15, 16.5, filler(3), db=-20)
    second = seg(CIT, 18, 19.5, filler(3), db=-20)  # 1.5 s later: a new run, neither is 2 s
    assert of(run([normal, first, second]), "raised_voice") == []


def test_raised_voice_from_segment_loudness_when_words_have_none():
    segments = [bare(CIT, i * 2, i * 2 + 1.5, "snak snak", db=-30.0) for i in range(25)]
    segments.append(bare(CIT, 60, 63, "snak snak snak", db=-15.0))
    [flag] = of(run(segments), "raised_voice")
    assert (flag.start, flag.end) == (60, 63)


# --- calm_response --------------------------------------------------------------------------


def upset_citizen():
    """The caseworker has a normal level of -32 dB; the citizen is loud from 26 to 28.5 s."""
    return [seg(CW, 0, 10, filler(25), db=-32.0), *raised(loud_words=5, above_db=10, start=11)]


def test_calm_response_after_a_raised_voice():
    a = run([*upset_citizen(), seg(CW, 30, 35, filler(10), db=-32.0)])
    assert len(of(a, "raised_voice")) == 1
    [flag] = of(a, "calm_response")
    assert (flag.start, flag.end, flag.speaker, flag.tone) == (30, 35, CW, "strength")
    assert flag.evidence["pause_s"] == 1.5 and flag.evidence["raised_by"] == CIT
    assert flag.evidence["level_db"] == -32.0 and flag.evidence["median_db"] == -32.0
    assert flag.evidence["raised_start"] == 26.0
    assert "roligt" in flag.message


def test_no_calm_response_when_answering_loudly():
    a = run([*upset_citizen(), seg(CW, 30, 35, filler(10), db=-22.0)])
    assert of(a, "calm_response") == []


def test_no_calm_response_when_talking_over_the_raised_voice():
    a = run([*upset_citizen(), seg(CW, 26.5, 32, filler(11), db=-32.0)])
    assert of(a, "calm_response") == []
    assert len(of(a, "interruption")) == 1


def test_no_calm_response_when_answering_too_late():
    late = 28.5 + TH.calm_response_within_s + 0.5
    a = run([*upset_citizen(), seg(CW, late, late + 5, filler(10), db=-32.0)])
    assert of(a, "calm_response") == []


def test_no_calm_response_without_a_measured_normal_level():
    a = run([*raised(loud_words=5, above_db=10, start=11), seg(CW, 30, 35, filler(10), db=-32.0)])
    assert len(of(a, "raised_voice")) == 1
    assert of(a, "calm_response") == []  # only 10 caseworker words: no normal level known
