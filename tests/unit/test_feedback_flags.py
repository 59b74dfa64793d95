"""The whole analysis (`feedback.analysis.analyse`) on small hand-made meetings: every flag kind
with a complete explanation, meetings without roles, the metrics, odd input and the
organisation's configuration. Each rule has its own file (test_flags_talk.py, _questions,
_voice, _lexicon); the pure interval functions are tested in test_feedback_metrics.py.
"""

import json
import math
import random
from dataclasses import replace

import pytest

from feedback.config import load_config
from feedback.labels import FLAG_KINDS
from meetings.records import Segment, Speaker
from tests.flag_meetings import (
    CIT,
    CONFIG,
    CW,
    NO_ROLES,
    ROLE_KINDS,
    TH,
    bare,
    check_flag_shape,
    filler,
    of,
    qa,
    raised,
    run,
    seg,
    talk,
)


# --- every flag, and a meeting that shows them all ------------------------------------------


def full_meeting() -> list[Segment]:
    segments = [
        seg(CW, 0, 3, "Hvad tænker du om det?"),
        talk(CIT, 3.5, 40),  # story after an open question
        talk(CW, 41, 105),  # monologue
        talk(CIT, 103, 108),  # interruption
        *qa(["Har du et arbejde?", "Er du syg?", "Kan du komme på mandag?"], start=110),  # streak
        seg(CW, 130, 137, "Du kan få en sanktion hvis du udebliver.", prob=0.4),  # lexicon, unsure
        seg(CW, 150, 160, filler(25), db=-32.0),
        *raised(loud_words=5, above_db=10, start=161),  # loud 176-178.5
        seg(CW, 180, 185, filler(10), db=-32.0),  # calm response
        talk(CIT, 200, 205),  # after a long silence
        talk(CW, 210, 330),  # the caseworker holds the floor: dominance
    ]
    return segments


def test_every_flag_kind_appears_with_a_complete_explanation():
    a = run(full_meeting())
    kinds = {f.kind for f in a.flags}
    assert kinds == set(FLAG_KINDS) - {"bookmark"}
    for flag in a.flags:
        check_flag_shape(flag)
        if flag.speaker is not None:
            assert flag.speaker in (CW, CIT)
    assert a.flags == sorted(a.flags, key=lambda f: (f.start, f.end, f.kind))
    lexicon = [f for f in of(a, "lexicon") if f.evidence["category"] == "rettigheder"]
    assert lexicon and "usikker" in lexicon[0].message
    json.dumps(a.metrics)
    json.dumps([f.evidence for f in a.flags])


def test_danish_messages_per_kind():
    expected = {
        "caseworker_dominance": "taletiden",
        "long_monologue": "i træk",
        "interruption": "begyndte at tale",
        "closed_question_streak": "lukkede spørgsmål",
        "raised_voice": "hævet stemme",
        "calm_response": "roligt",
        "long_silence": "Ingen talte",
        "lexicon": "sagde",
        "open_question": "åbent spørgsmål",
        "citizen_story": "fortalte",
    }
    a = run(full_meeting())
    seen = {f.kind: f.message for f in a.flags}
    assert set(seen) == set(expected)
    for kind, phrase in expected.items():
        assert phrase in seen[kind], (kind, seen[kind])


# --- roles unknown --------------------------------------------------------------------------


@pytest.mark.parametrize("speakers", [NO_ROLES, []], ids=["no-roles", "no-speakers"])
def test_without_roles_only_role_free_flags(speakers):
    a = run(full_meeting(), speakers=speakers)
    kinds = {f.kind for f in a.flags}
    assert not kinds & ROLE_KINDS
    assert {"long_silence", "interruption", "raised_voice"} <= kinds
    assert a.metrics["roles_known"] is False
    assert a.metrics["longest_monologue_s"] is None
    assert a.metrics["longest_citizen_story_s"] is None
    assert a.metrics["response_pause_s"] is None
    assert a.metrics["interruptions"] >= 1
    assert set(a.metrics["speakers"]) == {CW, CIT}
    # the labels come from the speaker records, or the id when there is none
    [interruption] = of(a, "interruption")
    assert (speakers[1].label if speakers else CIT) in interruption.message


def test_one_role_known_is_not_enough():
    a = run([talk(CW, 0, 70), talk(CIT, 71, 80)], speakers=[Speaker(CW, "Sagsbehandler", "sagsbehandler")])
    assert a.metrics["roles_known"] is False
    assert len(of(a, "long_monologue")) == 1  # the caseworker is known, so this is still said


# --- metrics --------------------------------------------------------------------------------


def test_metrics_of_a_small_dialogue():
    segments = [
        seg(CW, 0, 4, "Hvad laver du til daglig?"),  # open, 5 words
        seg(CIT, 5, 20, filler(30), db=-25.0),
        seg(CW, 22, 25, "Har du et arbejde?"),  # closed, 4 words
        seg(CIT, 25.5, 30, filler(9), db=-25.0),
        seg(CW, 42, 50, filler(16)),  # after 12 s of silence
    ]
    a = run(segments, duration_s=60)
    m = a.metrics
    assert m["duration_s"] == 60 and m["speech_s"] == 34.5
    assert m["interactivity_per_min"] == 4.0  # 4 changes of speaker in one minute
    assert m["response_pause_s"] == 7.0  # median of 2 s and 12 s
    assert m["longest_monologue_s"] == 8.0
    assert m["longest_citizen_story_s"] == 15.0
    assert m["longest_silence_s"] == 12.0
    assert m["interruptions"] == 0
    assert m["roles_known"] is True
    assert list(m["speakers"]) == [CW, CIT]
    assert m["speakers"][CW] == {
        "questions_open": 1, "questions_closed": 1, "open_question_share": 0.5,
        "interruptions": 0, "interrupted": 0,
        "words_per_min": 100.0,  # 25 words in 15 s
        "loudness_db": -30.0,
    }
    assert m["speakers"][CIT]["words_per_min"] == 120.0  # 39 words in 19.5 s
    assert m["speakers"][CIT]["loudness_db"] == -25.0
    assert m["speakers"][CIT]["questions_open"] == 0 and m["speakers"][CIT]["open_question_share"] is None
    assert a.balance[CW]["talk_s"] == 15.0 and a.balance[CIT]["talk_s"] == 19.5
    assert a.balance[CW]["turns"] == 3 and a.balance[CIT]["turns"] == 2
    assert [f.kind for f in a.flags] == ["long_silence"]
    json.dumps(m)


def test_duration_is_at_least_the_last_speech():
    a = run([talk(CW, 0, 30), talk(CIT, 31, 60)], duration_s=10)
    assert a.metrics["duration_s"] == 60.0
    assert a.metrics["interactivity_per_min"] == 1.0


# --- edge cases -----------------------------------------------------------------------------


def test_empty_meeting():
    a = run([], duration_s=0.0)
    assert a.balance == {} and a.flags == []
    m = a.metrics
    assert m["speakers"] == {} and m["interruptions"] == 0
    assert m["interactivity_per_min"] == 0.0 and m["speech_s"] == 0.0
    assert m["longest_silence_s"] == 0.0
    assert m["longest_monologue_s"] is None and m["response_pause_s"] is None
    assert a.config == CONFIG.values and a.config_source == "standard" and a.computed_at
    json.dumps(m)


def test_meeting_with_only_unusable_segments_is_empty():
    segments = [seg(None, 0, 5, "Du kan få en sanktion."), seg(CW, 5, 5, "Du kan få en sanktion."),
                Segment(10, 8, "Jeg er vred.", [], CIT)]  # no speaker, zero length, reversed
    a = run(segments)
    assert a.balance == {} and a.flags == [] and a.metrics["speakers"] == {}


def test_one_speaker_only():
    a = run([talk(CW, 0, 30), talk(CW, 45, 80)], duration_s=90)
    assert a.balance == {CW: {"talk_s": 65.0, "share": 1.0, "turns": 2, "longest_turn_s": 35.0}}
    assert a.metrics["roles_known"] is True  # both roles are known; the citizen said nothing
    assert a.metrics["interactivity_per_min"] == 0.0 and a.metrics["interruptions"] == 0
    assert a.metrics["response_pause_s"] is None and a.metrics["longest_citizen_story_s"] is None
    assert {f.kind for f in a.flags} == {"long_silence", "caseworker_dominance"}


def test_overlapping_segments_of_the_same_speaker_count_once():
    a = run([talk(CW, 0, 40), talk(CW, 30, 70), talk(CIT, 71, 90)])
    assert a.balance[CW]["talk_s"] == 70.0 and a.balance[CW]["turns"] == 1
    [flag] = of(a, "long_monologue")
    assert (flag.start, flag.end) == (0, 70)
    assert of(a, "interruption") == []  # one speaker does not interrupt themselves


def test_zero_length_and_reversed_segments_are_ignored():
    base = [talk(CW, 0, 5), talk(CIT, 20, 25)]
    noise = [seg(CW, 10, 10, "Du kan få en sanktion."), Segment(14, 12, "Jeg er vred.", [], CIT)]
    a, b = run(base + noise), run(base)
    assert a.balance == b.balance and a.metrics == b.metrics and a.flags == b.flags
    assert [f.kind for f in a.flags] == ["long_silence"]


def test_unsorted_input_gives_the_same_result():
    segments = full_meeting()
    expected = run(segments)
    rng = random.Random(7)
    for _ in range(5):
        shuffled = segments[:]
        rng.shuffle(shuffled)
        got = run(shuffled)
        assert got.balance == expected.balance
        assert got.metrics == expected.metrics
        assert got.flags == expected.flags


def test_segments_at_the_same_time_give_the_same_result_in_any_order():
    # Two caseworker segments with the same times: which question came "last" before the
    # story, and the order of flags at the same moment, must not follow the input order.
    open_q, closed_q = seg(CW, 0, 4, "Hvad tænker du om det?"), seg(CW, 0, 4, "Har du et arbejde?")
    story = talk(CIT, 4.5, 40)
    first, second = run([open_q, closed_q, story]), run([closed_q, open_q, story])
    assert first.flags == second.flags and first.metrics == second.metrics
    same = [seg(CIT, 0, 6, "Jeg er så vred på jer.", prob=0.3), seg(CW, 0, 6, "Jeg er så vred på jer.")]
    a, b = run(same), run(same[::-1])
    assert a.flags == b.flags
    assert [f.speaker for f in of(a, "lexicon")] == [CW, CIT]


def test_segments_without_words_spread_their_text_over_their_time():
    segments = [
        bare(CW, 0, 2, "Har du et arbejde?"), bare(CIT, 2.5, 4, "Ja."),
        bare(CW, 5, 7, "Er du syg?"), bare(CIT, 7.5, 9, "Nej."),
        bare(CW, 10, 12, "Kan du komme på mandag?"),
        bare(CIT, 13, 19, "Jeg er så vred på jer."),
    ]
    a = run(segments)
    [streak] = of(a, "closed_question_streak")
    assert (streak.start, streak.end) == (0, 12) and streak.evidence["confidence"] is None
    [word] = of(a, "lexicon")
    assert (word.start, word.end) == (16, 17)  # "vred", the fourth of six words over 6 s
    assert word.evidence["confidence"] is None and "usikker" not in word.message
    assert a.metrics["speakers"][CW]["questions_closed"] == 3
    assert a.metrics["speakers"][CW]["words_per_min"] == pytest.approx(12 / 6 * 60)


def test_segment_probability_comes_from_avg_logprob_without_words():
    a = run([bare(CIT, 0, 6, "Jeg er så vred på jer.", avg_logprob=math.log(0.3))])
    [flag] = of(a, "lexicon")
    assert flag.evidence["confidence"] == 0.3 and "usikker" in flag.message


def test_segments_without_loudness():
    segments = [replace(s, loudness_db=None, words=[replace(w, loudness_db=None) for w in s.words])
                for s in full_meeting()]
    a = run(segments)
    kinds = {f.kind for f in a.flags}
    assert "raised_voice" not in kinds and "calm_response" not in kinds
    assert {"long_monologue", "interruption", "closed_question_streak", "citizen_story"} <= kinds
    assert all(s["loudness_db"] is None for s in a.metrics["speakers"].values())


# --- configuration --------------------------------------------------------------------------


def test_organisation_config_changes_a_threshold(tmp_path):
    path = tmp_path / "organisation.toml"
    path.write_text("[thresholds]\nlong_monologue_s = 30.0\n", encoding="utf-8")
    config = load_config(path)
    segments = [talk(CW, 0, 40), talk(CIT, 41, 50)]

    assert of(run(segments), "long_monologue") == []  # the default limit is 60 s
    a = run(segments, config=config)
    [flag] = of(a, "long_monologue")
    assert flag.evidence["threshold_s"] == 30.0 and "grænse 30 s" in flag.message
    assert a.config["thresholds"]["long_monologue_s"] == 30.0
    assert a.config["thresholds"]["long_silence_s"] == TH.long_silence_s  # the rest from the defaults
    assert a.config_source == str(path)
