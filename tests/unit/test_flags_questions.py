"""Flag rules about questions on small hand-made meetings: a streak of closed questions, and an
open question before the citizen's story.
"""
from tests.flag_meetings import CIT, CW, TH, of, qa, run, seg, talk



# --- closed_question_streak -----------------------------------------------------------------


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
