"""Open, closed or no question: the rules of feedback/questions.py on hand-written examples."""

from dataclasses import replace

import pytest

from feedback.config import load_config
from feedback.questions import QuestionRules, classify, classify_text, split_utterances


@pytest.fixture(scope="module")
def rules() -> QuestionRules:
    return QuestionRules.from_config(load_config().values["questions"])


OPEN = [
    # hv-word first
    "Hvad tænker du om det?",
    "Hvordan har du det med at skulle i praktik",
    "Hvorfor stoppede du på uddannelsen",
    "Hvornår kan du starte",
    "Hvem hjælper dig derhjemme",
    "Hvilke jobs har du søgt siden sidst",
    "Hvor bor du nu",
    "Hvor mange timer kan du arbejde om ugen",
    "Hvor meget fylder smerterne i din hverdag",
    "Hvor længe har du været sygemeldt",
    "Hvad med din familie",
    "Hvor gammel er din søn",
    "Hvor godt kender du arbejdsgiveren",
    "Hvor er du født",
    "Hvorfor det?",
    "Hvor er det nemmest for dig at mødes",
    # lead words before the hv-word, "så" included
    "Okay, hvad tænker du om det?",
    "Men hvordan gik det så",
    "Øh, så hvad skete der bagefter",
    "Jamen hvad vil du gerne",
    # imperative invitations
    "Fortæl lidt om dit sidste job.",
    "Beskriv en helt almindelig dag",
    "Prøv at beskrive hvordan en dårlig dag ser ud",
    "Prøv lige at forklare det med bussen",
    "Giv mig et eksempel",
    "Og så fortæl mig om din uddannelse",
    # verb-first with an invitation infinitive
    "Kan du fortælle mig om din praktik?",
    "Vil du prøve at beskrive hvad der skete",
    "Kunne du måske prøve at fortælle lidt mere",
    "Har du lyst til at fortælle om det",
    # first-person wishes
    "Jeg vil gerne høre hvordan det går med jobsøgningen",
    "Jeg kunne godt tænke mig at høre lidt om din baggrund",
    "Så jeg vil gerne lige høre om din uddannelse",
    # an hv-word at the end of a declarative question
    "Og du kom fra hvor?",
]

CLOSED = [
    # finite verb first, subject right after
    "Har du fået brevet?",
    "Har du fået brevet",
    "Kunne du forestille dig at arbejde i et lager",
    "Er det rigtigt forstået",
    "Har I børn",
    "Er der nogen der kan hjælpe dig",
    "Har din mand arbejde",
    "Tror du selv, det kan lade sig gøre",
    "Synes du det går bedre",
    # regular verb forms recognised by their ending
    "Arbejder du stadig på lageret",
    "Søgte du den stilling hos Netto",
    "Passede det med tiderne",
    # lead words before the verb
    "Og har du snakket med din læge",
    "Okay, kan du komme på tirsdag",
    "Så, har du fået brevet?",
    # tags
    "Det var en god praktik, ikke?",
    "Det var en god praktik, ikke",
    "Du kommer på mandag vel",
    "Det går bedre nu, ikke også",
    "Du har været der før, har du ikke?",
    "Du tager bussen, eller hvad",
    "Du kan godt mandag, eller?",
    "Hvad du skal gøre nu, er at ringe til dem, ikke?",
    "Hvor er det dejligt, ikke?",
    # "eller"-choices
    "Vil du have fuldtid eller deltid",
    "Fuldtid eller deltid?",
    # a final question mark on a statement
    "Du har fået brevet?",
    "Så du har snakket med lægen?",
    # a '?' decides a short verb-first with "jeg"
    "Skal jeg skrive under?",
    # a conditional clause, but asked with '?'
    "Har du tid, så kan vi tage det nu?",
]

NONE = [
    # statements and answers
    "Så har du fået brevet",
    "Så har du fået brevet.",
    "Altså har du ret til ledighedsydelse",
    "Jeg har arbejdet på lager i otte år.",
    "Det ved jeg ikke",
    "Det gør jeg ikke",
    "Det er ikke sandt",
    "Jeg har ikke nået at ringe til dem endnu",
    "Ved jeg ikke.",
    "Tror jeg nok",
    "Kan jeg godt",
    "Efter det har du ret til en samtale",
    "Næste gang du kommer, tager vi det op",
    # embedded questions and pseudo-clefts
    "Jeg ved ikke hvad jeg skal",
    "Jeg ved ikke, om det kan lade sig gøre",
    "Hvad du skal gøre nu, er at ringe til a-kassen",
    "Hvor jeg bor, er der ingen busser",
    "Hvis du har spørgsmål, kan du bare ringe",
    # exclamations
    "Hvor er det godt!",
    "Hvor er det godt",
    "Nej, hvor dejligt",
    "Hvor godt du har klaret det",
    "Hvor er du dygtig",
    "Hvilken dejlig nyhed",
    "Er det ikke fantastisk!",
    # imperatives that invite no story
    "Skriv under her",
    "Husk lønsedlerne næste gang",
    "Ring til mig hvis der er noget",
    "Sæt dig bare",
    "Giv mig lige dit CPR-nummer",
    # a verb-first condition
    "Har du spørgsmål, så ring bare",
    # backchannels
    "Ja.",
    "Mm",
    "Okay?",
    "Nå, ja",
    "Ja tak",
]


@pytest.mark.parametrize("text", OPEN)
def test_open(text, rules):
    assert classify_text(text, rules) == "open"


@pytest.mark.parametrize("text", CLOSED)
def test_closed(text, rules):
    assert classify_text(text, rules) == "closed"


@pytest.mark.parametrize("text", NONE)
def test_not_a_question(text, rules):
    assert classify_text(text, rules) is None


def test_whisper_tokens(rules):
    assert classify([" Okay,", " hvad", " tænker", " du", " om", " det?"], rules) == "open"
    assert classify([" Har", " du", " fået", " brevet"], rules) == "closed"
    assert classify([" Det", " var", " godt,", " ikke", "?"], rules) == "closed"
    assert classify([" Så", " har", " du", " fået", " brevet."], rules) is None


def test_punctuation_as_own_tokens(rules):
    assert classify(["Det", "var", "godt", ",", "ikke"], rules) == "closed"
    assert classify(["Du", "har", "fået", "brevet", "?"], rules) == "closed"


def test_empty_and_punctuation_only(rules):
    assert classify([], rules) is None
    assert classify([" ", ""], rules) is None
    assert classify(["?"], rules) is None
    assert classify(["...", "!"], rules) is None
    assert classify_text("", rules) is None


def test_case_does_not_matter(rules):
    assert classify_text("HVAD TÆNKER DU OM DET", rules) == "open"
    assert classify_text("HAR DU FÅET BREVET", rules) == "closed"
    assert classify_text("fortæl lidt om dig selv", rules) == "open"
    assert classify_text("FORTÆL lidt om dig selv", rules) == "open"


def test_pronoun_i_and_preposition_i(rules):
    assert classify_text("Bor I stadig i Aarhus", rules) == "closed"
    assert classify_text("Bor i Aarhus.", rules) is None  # an answer, the subject dropped
    # lower-case text says nothing about case: "i" may be the pronoun
    assert classify_text("har i børn", rules) == "closed"


def test_invitation_survives_an_exclamation_mark(rules):
    assert classify_text("Fortæl!", rules) == "open"
    assert classify_text("Hvad!", rules) is None


def test_question_mark_overrides_the_exclamation_reading(rules):
    assert classify_text("Hvor er det svært for dig?", rules) == "open"


def test_bare_ikke_needs_a_comma_or_question_mark(rules):
    assert classify_text("Det tror jeg ikke", rules) is None
    assert classify_text("Det tror du, ikke", rules) == "closed"
    assert classify_text("Det tror du ikke?", rules) == "closed"


def test_a_tag_needs_something_before_it(rules):
    assert classify_text("Ikke", rules) is None
    assert classify_text("Ja, ikke", rules) is None
    assert classify_text("Ikke?", rules) == "closed"  # a check on its own, by its '?'


def test_rules_from_config_normalises_entries():
    table = {
        "open_words": [" Hvad "], "invite_words": ["Fortæl"], "invite_infinitives": ["FORTÆLLE"],
        "closed_verbs": ["Har"], "subject_words": ["Du", "I"], "tag_endings": [", Ikke", "vel"],
        "lead_words": ["Okay,"],
    }
    rules = QuestionRules.from_config(table)
    assert rules.open_words == frozenset({"hvad"})
    assert rules.subject_words == frozenset({"du", "I"})
    assert rules.tag_endings == (",ikke", "vel")
    assert rules.lead_words == frozenset({"okay"})
    assert rules.first_person == frozenset()  # optional keys default to off
    assert classify_text("okay, har du tid", rules) == "closed"


def test_rules_from_config_rejects_bad_tables():
    with pytest.raises(ValueError):
        QuestionRules.from_config({"open_words": ["hvad"]})
    table = {key: [] for key in ("open_words", "invite_words", "invite_infinitives",
                                 "closed_verbs", "subject_words", "tag_endings", "lead_words")}
    table["open_words"] = "hvad"
    with pytest.raises(ValueError):
        QuestionRules.from_config(table)


def test_optional_rules_can_be_switched_off(rules):
    # Without inverting_leads "så" is skipped like any marker, so V2 reads as a question.
    plain = replace(rules, inverting_leads=frozenset())
    assert classify_text("Så har du fået brevet", rules) is None
    assert classify_text("Så har du fået brevet", plain) == "closed"


def test_split_utterances():
    tokens = [" Okay.", " Hvad", " tænker", " du?", " Fortæl", " lidt", " om", " det!", " Og"]
    assert split_utterances(tokens) == [(0, 1), (1, 4), (4, 8), (8, 9)]


def test_split_utterances_edges():
    assert split_utterances([]) == []
    assert split_utterances(["ja"]) == [(0, 1)]
    assert split_utterances(["Ja.", "Nej."]) == [(0, 1), (1, 2)]
    assert split_utterances(["Hvad", "?", "Ja"]) == [(0, 2), (2, 3)]
    assert split_utterances(['"Hvorfor?"', "sagde", "hun."]) == [(0, 1), (1, 3)]


def test_split_utterances_keeps_abbreviations_inside():
    tokens = ["Du", "kan", "f.eks.", "ringe", "i", "morgen."]
    assert split_utterances(tokens) == [(0, 6)]


def test_split_then_classify(rules):
    tokens = [" Okay.", " Har", " du", " fået", " brevet?", " Fortæl", " lidt", " om", " det."]
    labels = [classify(tokens[i:j], rules) for i, j in split_utterances(tokens)]
    assert labels == [None, "closed", "open"]
