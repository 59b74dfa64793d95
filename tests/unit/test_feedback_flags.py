"""Flag rules and metrics of `feedback.analysis.analyse` on small hand-made meetings.

Each meeting is a few segments whose words carry times, probability and loudness; `seg` spreads
a text's words evenly over the segment. The pure interval functions have their own tests in
test_feedback_metrics.py; here the whole analysis is run and its flags and metrics checked.
"""

import json
import math
import random
from dataclasses import replace

import pytest

from feedback.analysis import analyse
from feedback.config import load_config
from feedback.labels import FLAG_KINDS
from meetings.records import FLAG_TONES, Segment, Speaker, Word

CONFIG = load_config()
TH = CONFIG.thresholds

CW = "S1"
CIT = "S2"
ROLES = [Speaker(CW, "Sagsbehandler", "sagsbehandler"), Speaker(CIT, "Borger", "borger")]
NO_ROLES = [Speaker(CW, "Taler 1"), Speaker(CIT, "Taler 2")]

ROLE_KINDS = {"caseworker_dominance", "long_monologue", "closed_question_streak", "citizen_story", "open_question"}


def seg(speaker, start, end, text, db=-30.0, prob=0.9, seg_db="same") -> Segment:
    """A segment whose words are spread evenly over [start, end]. `db` is one loudness for all
    words, a list with one per word, or None (not measured)."""
    texts = text.split()
    step = (end - start) / len(texts)
    levels = db if isinstance(db, list) else [db] * len(texts)
    assert len(levels) == len(texts)
    words = [Word(start + i * step, start + (i + 1) * step, " " + t, prob, level)
             for i, (t, level) in enumerate(zip(texts, levels))]
    segment_db = (db if not isinstance(db, list) else None) if seg_db == "same" else seg_db
    return Segment(start, end, text, words, speaker, loudness_db=segment_db)


def bare(speaker, start, end, text, avg_logprob=None, db=None) -> Segment:
    """A segment with text only: no word times."""
    return Segment(start, end, text, [], speaker, avg_logprob=avg_logprob, loudness_db=db)


def filler(n: int) -> str:
    """n neutral words: no question, no word from the lexicon."""
    return " ".join(["snak"] * n)


def talk(speaker, start, end, db=-30.0, per_s=2.0, prob=0.9) -> Segment:
    return seg(speaker, start, end, filler(max(1, round((end - start) * per_s))), db=db, prob=prob)


def run(segments, speakers=ROLES, duration_s=0.0, config=CONFIG):
    return analyse(segments, speakers, duration_s, config)


def of(analysis, kind):
    return [f for f in analysis.flags if f.kind == kind]


def check_flag_shape(flag):
    assert flag.kind in FLAG_KINDS
    assert isinstance(flag.message, str) and flag.message.strip()
    assert isinstance(flag.evidence, dict) and flag.evidence
    assert flag.tone in FLAG_TONES
    assert flag.start <= flag.end


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


# --- closed_question_streak -----------------------------------------------------------------


def qa(questions, start=0.0, gap=1.0, answer="Ja det gør jeg.", prob=0.9):
    """The caseworker asks each question (2 s), the citizen answers (2 s)."""
    segments, t = [], start
    for question in questions:
        segments.append(seg(CW, t, t + 2, question, prob=prob))
        segments.append(seg(CIT, t + 2.5, t + 4.5, answer))
        t += 4.5 + gap
    return segments


def test_three_closed_questions_in_a_row_fire_once():
    questions = ["Har du et arbejde?", "Er du syg?", "Kan du komme på mandag?"]
    a = run(qa(questions))
    [flag] = of(a, "closed_question_streak")
    assert flag.speaker == CW and flag.tone == "concern"
    assert (flag.start, flag.end) == (0, 2 * 5.5 + 2)
    assert flag.evidence["questions"] == questions
    assert flag.evidence["count"] == 3 and flag.evidence["threshold"] == TH.closed_question_streak
    assert flag.evidence["confidence"] == 0.9
    assert "3 lukkede spørgsmål" in flag.message and "usikker" not in flag.message


def test_a_longer_streak_is_still_one_flag():
    questions = ["Har du et arbejde?", "Er du syg?", "Kan du komme på mandag?", "Bor du i København?"]
    [flag] = of(run(qa(questions)), "closed_question_streak")
    assert flag.evidence["count"] == 4


def test_two_closed_questions_do_not_fire():
    assert of(run(qa(["Har du et arbejde?", "Er du syg?"])), "closed_question_streak") == []


def test_an_open_question_in_between_resets_the_streak():
    questions = ["Har du et arbejde?", "Er du syg?", "Hvad tænker du om det?",
                 "Kan du komme på mandag?", "Bor du i København?"]
    a = run(qa(questions))
    assert of(a, "closed_question_streak") == []
    assert a.metrics["speakers"][CW]["questions_open"] == 1
    assert a.metrics["speakers"][CW]["questions_closed"] == 4
    assert a.metrics["speakers"][CW]["open_question_share"] == 0.2


def test_a_long_gap_resets_the_streak():
    first = qa(["Har du et arbejde?", "Er du syg?"])
    later = qa(["Kan du komme på mandag?"], start=first[-1].end + TH.question_streak_gap_s + 1)
    assert of(run(first + later), "closed_question_streak") == []
    # within the gap it is one streak
    close = qa(["Kan du komme på mandag?"], start=first[-1].end + TH.question_streak_gap_s - 5)
    assert len(of(run(first + close), "closed_question_streak")) == 1


def test_questions_in_one_segment_are_split_into_utterances():
    a = run([seg(CW, 0, 6, "Har du et arbejde? Er du syg? Kan du komme på mandag?"), talk(CIT, 7, 10)])
    [flag] = of(a, "closed_question_streak")
    assert flag.evidence["questions"] == ["Har du et arbejde?", "Er du syg?", "Kan du komme på mandag?"]


def test_citizen_questions_do_not_count_towards_the_streak():
    segments = [seg(CIT, t, t + 2, "Har du et arbejde?") for t in (0, 5, 10, 15)]
    assert of(run(segments), "closed_question_streak") == []


def test_an_uncertain_streak_says_so():
    a = run(qa(["Har du et arbejde?", "Er du syg?", "Kan du komme på mandag?"], prob=0.4))
    [flag] = of(a, "closed_question_streak")
    assert flag.evidence["confidence"] == 0.4
    assert "usikker" in flag.message and "40 %" in flag.message


# --- raised_voice ---------------------------------------------------------------------------


def raised(loud_words: int, above_db: float, normal_words: int = 30, base_db=-30.0, speaker=CIT, start=0.0):
    """`normal_words` words at base level (0.5 s each), then `loud_words` words above it."""
    normal = seg(speaker, start, start + normal_words * 0.5, filler(normal_words), db=base_db)
    loud_start = start + normal_words * 0.5
    loud = seg(speaker, loud_start, loud_start + loud_words * 0.5, filler(loud_words), db=base_db + above_db)
    return [normal, loud]


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


# --- citizen_story + open_question ----------------------------------------------------------


def test_open_question_before_a_story_is_a_strength_too():
    a = run([seg(CW, 0, 3, "Hvad tænker du om det?"), talk(CIT, 3.5, 40)])
    [story] = of(a, "citizen_story")
    [question] = of(a, "open_question")
    assert (story.start, story.end) == (3.5, 40)
    assert (question.start, question.end, question.speaker, question.tone) == (0, 3, CW, "strength")
    assert question.evidence == {"question": "Hvad tænker du om det?", "story_s": 36.5, "confidence": 0.9}
    assert "åbent spørgsmål" in question.message and "usikker" not in question.message


def test_closed_question_before_a_story_gives_only_the_story():
    a = run([seg(CW, 0, 3, "Har du et arbejde?"), talk(CIT, 3.5, 40)])
    assert len(of(a, "citizen_story")) == 1
    assert of(a, "open_question") == []


def test_open_question_that_is_not_the_last_thing_said_does_not_count():
    a = run([seg(CW, 0, 5, "Hvad tænker du om det? Har du et arbejde?"), talk(CIT, 5.5, 40)])
    assert len(of(a, "citizen_story")) == 1
    assert of(a, "open_question") == []


def test_short_citizen_turn_after_an_open_question_is_no_story():
    a = run([seg(CW, 0, 3, "Hvad tænker du om det?"), talk(CIT, 3.5, 29)])
    assert of(a, "citizen_story") == [] and of(a, "open_question") == []


def test_uncertain_open_question_says_so():
    a = run([seg(CW, 0, 3, "Hvad tænker du om det?", prob=0.3), talk(CIT, 3.5, 40)])
    [question] = of(a, "open_question")
    assert "usikker" in question.message and question.evidence["confidence"] == 0.3


# --- lexicon --------------------------------------------------------------------------------


def test_lexicon_flag_for_a_term():
    a = run([seg(CW, 0, 8, "Du kan få en sanktion hvis du udebliver.")])
    [flag] = [f for f in of(a, "lexicon") if f.evidence["category"] == "rettigheder"]
    assert flag.tone == "info" and flag.speaker == CW
    assert (flag.start, flag.end) == (4, 5)  # the word "sanktion", the fifth of eight
    assert flag.evidence["words"] == ["sanktion"] and flag.evidence["terms"] == ["sanktion"]
    assert flag.evidence["category_label"] == "rettigheder, pligter og sanktioner"
    assert flag.evidence["confidence"] == 0.9
    assert flag.message == "Sagsbehandler sagde «sanktion» (rettigheder, pligter og sanktioner)."


def test_lexicon_concern_and_strength_tones():
    a = run([seg(CIT, 0, 6, "Jeg er så vred på jer."), seg(CIT, 10, 16, "Jeg er god til at lave mad.")])
    tones = {f.evidence["category"]: f.tone for f in of(a, "lexicon")}
    assert tones == {"konflikt": "concern", "ressourcer": "strength"}


def test_lexicon_counts_repeated_words_in_one_flag():
    a = run([seg(CIT, 0, 7, "Jeg er vred. Meget vred. Så vred.")])
    [flag] = of(a, "lexicon")
    assert flag.evidence["words"] == ["vred", "vred", "vred"]
    assert "«vred» 3 gange" in flag.message
    assert (flag.start, flag.end) == (2, 7)  # from the first "vred" to the end of the last


def test_a_negated_word_is_not_counted():
    """Issue 20: "styrke" fired on "Jeg er ikke særlig interesseret i" – the opposite."""
    negated = run([seg(CIT, 0, 6, "Jeg er ikke særlig interesseret i det."),
                   seg(CIT, 10, 16, "Jeg er aldrig motiveret om morgenen.")])
    assert [f for f in of(negated, "lexicon") if f.evidence["category"] == "ressourcer"] == []
    # A negation in an earlier clause, or farther back than three words, does not reach it.
    plain = run([seg(CIT, 0, 8, "Ikke i går, men jeg er interesseret i det nu."),
                 seg(CIT, 10, 16, "Det er ikke let, men jeg er god til det.")])
    assert len([f for f in of(plain, "lexicon") if f.evidence["category"] == "ressourcer"]) == 2


def test_low_word_probability_adds_the_uncertainty_note():
    a = run([seg(CIT, 0, 6, "Jeg er så vred på jer.", prob=0.4)])
    [flag] = of(a, "lexicon")
    assert flag.evidence["confidence"] == 0.4
    assert "usikker" in flag.message and "40 %" in flag.message


def test_caseworker_jargon_only_from_the_caseworker():
    text = "Så skal du i et ressourceforløb."
    assert [f.evidence["category"] for f in of(run([seg(CW, 0, 6, text)]), "lexicon")] == ["fagsprog"]
    assert of(run([seg(CIT, 0, 6, text)]), "lexicon") == []


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
