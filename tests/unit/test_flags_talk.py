"""Flag rules about talk time on small hand-made meetings: the caseworker's dominance, long
monologues and the citizen's story, interruptions and long silences.
"""

import copy

import pytest
from feedback.config import Config
from feedback.labels import evidence_lines, minutes
from tests.flag_meetings import CIT, CW, CONFIG, TH, of, run, seg, talk



# --- caseworker_dominance -------------------------------------------------------------------


def test_dominance_over_the_whole_meeting():
    a = run([talk(CW, 0, 70), talk(CIT, 71, 100)])
    [flag] = of(a, "caseworker_dominance")
    assert flag.speaker == CW and flag.tone == "concern"
    assert flag.evidence["scope"] == "møde"
    assert flag.evidence["share"] == pytest.approx(70 / 99, abs=1e-4)
    assert flag.evidence["threshold"] == TH.dominance_share
    assert (flag.start, flag.end) == (0, 100)
    assert "Sagsbehandler" in flag.message and "71 %" in flag.message


def test_no_dominance_when_talk_is_balanced():
    a = run([talk(CW, 0, 50), talk(CIT, 51, 101)])
    assert of(a, "caseworker_dominance") == []


def test_dominance_flag_spans_the_whole_meeting_when_an_early_segment_ends_last():
    # The caseworker's long segment starts first and ends last; a short citizen remark
    # inside it sorts after it but ends earlier.
    a = run([talk(CW, 0, 80), talk(CIT, 20, 30)])
    [flag] = of(a, "caseworker_dominance")
    assert (flag.start, flag.end) == (0, 80)


def test_dominance_in_a_five_minute_window_of_a_longer_meeting():
    segments = [talk(CW, t, t + 30) for t in range(0, 240, 30)]  # 240 s of caseworker
    segments.append(talk(CIT, 240, 260))
    segments += [talk(CIT, t, t + 30) for t in range(300, 900, 30)]  # then 600 s of citizen
    a = run(segments, duration_s=900)
    assert a.balance[CW]["share"] < TH.dominance_share
    [flag] = of(a, "caseworker_dominance")
    assert flag.evidence["scope"] == "vindue"
    assert flag.evidence["window_s"] == TH.dominance_window_s
    # Windows start every 30 s: [0, 300] holds 240 of 260 s, [30, 330] 210 of 260 s;
    # [60, 360] is 180 of 260 s, under 75 %.
    assert flag.start == 0 and flag.end == pytest.approx(330)
    assert flag.evidence["share"] == pytest.approx(240 / 260, abs=1e-4)
    assert "5 minutter" in flag.message


def test_a_one_minute_window_is_named_in_the_singular():
    """An organisation may set the window to a minute: "i 1 minut", not "i 1 minutter"."""
    values = copy.deepcopy(CONFIG.values)
    values["thresholds"].update(dominance_window_s=60, dominance_window_min_speech_s=30)
    segments = [talk(CW, 0, 55), talk(CIT, 56, 60)] + [talk(CIT, t, t + 30) for t in range(120, 600, 30)]
    [flag] = of(run(segments, duration_s=600, config=Config(values)), "caseworker_dominance")
    assert flag.evidence["scope"] == "vindue" and "af taletiden i 1 minut ad gangen" in flag.message
    assert evidence_lines(flag.kind, flag.evidence)[0].startswith("Andel af taletiden i 1 minut ad gangen: ")
    assert [minutes(s) for s in (60, 90, 300)] == ["1 minut", "1,5 minutter", "5 minutter"]


def test_a_window_with_too_little_talk_does_not_count():
    segments = [talk(CW, 0, 50)]  # alone in the first window, but only 50 s of talk there
    segments += [talk(CIT, t, t + 30) for t in range(400, 900, 30)]
    a = run(segments, duration_s=900)
    assert of(a, "caseworker_dominance") == []


def test_same_window_with_enough_talk_counts():
    segments = [talk(CW, 0, 70)]  # 70 s alone in the first window: enough talk to judge
    segments += [talk(CIT, t, t + 30) for t in range(400, 900, 30)]
    a = run(segments, duration_s=900)
    [flag] = of(a, "caseworker_dominance")
    assert flag.evidence["scope"] == "vindue" and flag.evidence["share"] == 1.0


# --- long_monologue / citizen_story ---------------------------------------------------------


def test_long_monologue_fires_above_the_limit():
    a = run([talk(CW, 0, 61), talk(CIT, 62, 100)])
    [flag] = of(a, "long_monologue")
    assert (flag.start, flag.end, flag.speaker) == (0, 61, CW)
    assert flag.evidence == {"turn_s": 61.0, "threshold_s": TH.long_monologue_s}
    assert flag.tone == "concern" and "61 s" in flag.message


def test_no_long_monologue_under_the_limit():
    a = run([talk(CW, 0, 59), talk(CIT, 60, 130)])
    assert of(a, "long_monologue") == []
    assert a.metrics["longest_monologue_s"] == 59.0


def test_monologue_built_from_several_segments_with_short_pauses():
    a = run([talk(CW, 0, 20), talk(CW, 20.5, 40), talk(CW, 40.9, 62), talk(CIT, 65, 80)])
    [flag] = of(a, "long_monologue")
    assert (flag.start, flag.end) == (0, 62)


def test_a_citizens_long_turn_is_a_story_not_a_monologue():
    a = run([talk(CW, 0, 5), talk(CIT, 6, 76)])
    assert of(a, "long_monologue") == []
    [story] = of(a, "citizen_story")
    assert (story.start, story.end, story.speaker, story.tone) == (6, 76, CIT, "strength")
    assert story.evidence == {"turn_s": 70.0, "threshold_s": TH.citizen_story_s}
    assert "Borger" in story.message


# --- interruption ---------------------------------------------------------------------------


def test_interruption_with_real_overlap():
    a = run([talk(CW, 0, 10), talk(CIT, 8, 12)])
    [flag] = of(a, "interruption")
    assert (flag.start, flag.end, flag.speaker) == (8, 12, CIT)
    assert flag.evidence["interrupted"] == CW
    assert flag.evidence["overlap_s"] == 2.0 and flag.evidence["turn_s"] == 4.0
    assert a.metrics["interruptions"] == 1
    assert a.metrics["speakers"][CIT]["interruptions"] == 1 and a.metrics["speakers"][CIT]["interrupted"] == 0
    assert a.metrics["speakers"][CW]["interrupted"] == 1 and a.metrics["speakers"][CW]["interruptions"] == 0


def test_no_interruption_for_a_backchannel_inside_the_others_turn():
    a = run([talk(CW, 0, 10), seg(CIT, 5, 5.4, "mm")])
    assert of(a, "interruption") == []
    assert a.metrics["interruptions"] == 0


def test_no_interruption_for_sequential_turns_or_tiny_overlap():
    assert of(run([talk(CW, 0, 10), talk(CIT, 10.5, 15)]), "interruption") == []
    assert of(run([talk(CW, 0, 10), talk(CIT, 9.6, 15)]), "interruption") == []  # 0.4 s overlap


def test_no_interruption_for_a_short_turn_that_outlasts_the_other():
    # 0.6 s of overlap, but the new turn is only 0.9 s long: a backchannel length
    assert of(run([talk(CW, 0, 10), seg(CIT, 9.4, 10.3, "ja ja")]), "interruption") == []


# --- long_silence ---------------------------------------------------------------------------


def test_long_silence_between_speech():
    a = run([talk(CW, 0, 5), talk(CIT, 16, 20)])
    [flag] = of(a, "long_silence")
    assert (flag.start, flag.end, flag.speaker, flag.tone) == (5, 16, None, "info")
    assert flag.evidence == {"silence_s": 11.0, "threshold_s": TH.long_silence_s}
    assert a.metrics["longest_silence_s"] == 11.0


def test_no_long_silence_at_the_limit():
    a = run([talk(CW, 0, 5), talk(CIT, 15, 20)])
    assert of(a, "long_silence") == []
    assert a.metrics["longest_silence_s"] == 10.0


def test_silence_inside_someone_elses_talk_is_no_silence():
    a = run([talk(CW, 0, 5), talk(CIT, 2, 30), talk(CW, 20, 25)])
    assert of(a, "long_silence") == []
