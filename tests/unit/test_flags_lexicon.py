"""The lexicon's flags on small hand-made meetings: terms, tones, repeats, negation, uncertain
words, and jargon only from the caseworker.
"""
from tests.flag_meetings import CIT, CW, of, run, seg



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
