"""Suggestions for who is who: from what a voice says about itself, and from who asks."""

from feedback.config import load_config
from feedback.questions import QuestionRules
from feedback.roles import introduction, suggest_roles
from meetings.records import Segment, Speaker

RULES = QuestionRules.from_config(load_config().values["questions"])
ROLES = {"sagsbehandler", "borger"}


def line(speaker: str, text: str, at: float = 0.0) -> Segment:
    return Segment(at, at + 2, text, speaker=speaker)


def test_a_voice_that_says_who_it_is_is_suggested_with_its_words():
    segments = [line("S1", "Hej, jeg er din sagsbehandler, og jeg hedder Anne."), line("S2", "Hej.")]
    found = suggest_roles(segments, [Speaker("S1", "Taler 1"), Speaker("S2", "Taler 2")], ROLES, RULES)
    assert found["S1"].role == "sagsbehandler" and "jeg er din sagsbehandler" in found["S1"].why


def test_with_a_caseworker_and_a_citizen_the_one_who_asks_is_suggested_as_caseworker():
    segments = [line("S1", "Hvordan går det med jobsøgningen?"), line("S2", "Det går fint."),
                line("S1", "Har du søgt noget i denne uge?"), line("S2", "Ja, to steder."),
                line("S1", "Hvad tænker du om praktik?"), line("S2", "Det vil jeg gerne.")]
    found = suggest_roles(segments, [Speaker("S1", "Taler 1"), Speaker("S2", "Taler 2")], ROLES, RULES)
    assert (found["S1"].role, found["S2"].role) == ("sagsbehandler", "borger")
    assert found["S1"].why == "stiller 3 af mødets 3 spørgsmål"


def test_no_evidence_no_suggestion():
    segments = [line("S1", "Hvordan går det?"), line("S2", "Hvad med dig?")]
    assert suggest_roles(segments, [Speaker("S1", "Taler 1"), Speaker("S2", "Taler 2")], ROLES, RULES) == {}


def test_a_role_already_given_is_not_suggested_again_and_the_last_voice_gets_the_last_role():
    speakers = [Speaker("S1", "Anne", "sagsbehandler"), Speaker("S2", "Taler 2")]
    found = suggest_roles([line("S2", "Jeg er din sagsbehandler.")], speakers, ROLES, RULES)
    assert found["S2"].role == "borger" and "eneste" in found["S2"].why


def test_introductions_in_danish_as_spoken():
    assert introduction("Ja, og jeg er jeres rådgiver i dag") == "sagsbehandler"
    assert introduction("Jeg er med som bisidder.") == "bisidder"
    assert introduction("Jeg er ikke sagsbehandler i din sag") is None
    assert introduction("Har du en sagsbehandler?") is None
