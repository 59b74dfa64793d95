"""The Danish word lists: inflected forms through Snowball, phrases, patterns, roles."""

import re

import pytest

from feedback.config import ConfigError, load_config
from feedback.lexicon import Category, Lexicon, LexiconMatch


@pytest.fixture(scope="module")
def table() -> dict:
    return load_config().values["lexicon"]


@pytest.fixture(scope="module")
def lexicon(table) -> Lexicon:
    return Lexicon.from_config(table)


def words(text: str) -> list[str]:
    """Tokens as Whisper gives them: a leading space, punctuation kept."""
    return [" " + word for word in text.split()]


def found(lexicon: Lexicon, text: str, role: str | None = None) -> list[tuple[str, str, str]]:
    return [(m.category, m.term, m.matched) for m in lexicon.find(words(text), role)]


def terms_in(lexicon: Lexicon, text: str, category: str, role: str | None = None) -> list[str]:
    return [m.term for m in lexicon.find(words(text), role) if m.category == category]


def tiny(*terms: str, patterns: tuple[str, ...] = (), speakers: tuple[str, ...] = ()) -> Lexicon:
    return Lexicon([Category("x", "x", "info", speakers, terms, patterns)])


def test_default_categories_and_sizes(lexicon):
    names = [c.name for c in lexicon.categories]
    assert names == ["konflikt", "mistrivsel", "rettigheder", "fagsprog", "ressourcer"]
    tones = {c.name: c.tone for c in lexicon.categories}
    assert tones == {"konflikt": "concern", "mistrivsel": "concern", "rettigheder": "info",
                     "fagsprog": "concern", "ressourcer": "strength"}
    for category in lexicon.categories:
        assert 20 <= len(category.terms) <= 45, category.name
        assert len(set(category.terms)) == len(category.terms), category.name
        assert category.label
    assert {c.name: c.speakers for c in lexicon.categories}["fagsprog"] == ("sagsbehandler",)


@pytest.mark.parametrize("text, category, term", [
    ("Du får en sanktionen", "rettigheder", "sanktion"),
    ("Der kommer sanktioner", "rettigheder", "sanktion"),
    ("Det giver sanktionerne", "rettigheder", "sanktion"),
    ("Jeg bliver vred", "konflikt", "vred"),
    ("Jeg er vrede", "konflikt", "vred"),
    ("Jeg føler vrede over det", "konflikt", "vred"),
    ("Du skal i ressourceforløbet", "fagsprog", "ressourceforløb"),
    ("Efter jobafklaringsforløbet", "fagsprog", "jobafklaringsforløb"),
    ("Angsten fylder meget", "mistrivsel", "angst"),
    ("Det har konsekvenser", "rettigheder", "konsekvens"),  # Snowball: konsekv / konsekvens
    ("Jeg klagede til dem", "konflikt", "klage"),  # a past tense Snowball does not know
    ("Han truede mig", "konflikt", "true"),
    ("Jeg har erfaringer med lager", "ressourcer", "erfaring"),
    ("Vi sender afgørelsen i dag", "rettigheder", "afgørelse"),
])
def test_inflected_forms_match(lexicon, text, category, term):
    assert term in terms_in(lexicon, text, category)


def test_a_word_is_not_looked_for_inside_a_compound(lexicon):
    assert terms_in(lexicon, "Se sanktionsvejledningen", "rettigheder") == []
    assert terms_in(lexicon, "Se sanktionsvejledningen", "fagsprog") == ["sanktionsvejledning"]


def test_multiword_terms(lexicon):
    assert found(lexicon, "Jeg er så ked af det hele") == [("mistrivsel", "ked af det", "ked af det")]
    assert terms_in(lexicon, "De er kede af det", "mistrivsel") == ["ked af det"]
    assert terms_in(lexicon, "Så må vi trække i ydelsen", "rettigheder") == ["trække i ydelsen"]
    # The words must be consecutive.
    assert terms_in(lexicon, "Jeg er ked af at det", "mistrivsel") == []
    match = tiny("prøv at").find(words("Prøv at fortælle mig mere"))
    assert match == [LexiconMatch("x", "prøv at", 0, 2, "Prøv at")]


def test_a_phrase_at_the_end_of_the_tokens_is_not_read_past_it():
    assert tiny("ked af det").find(words("jeg er ked af")) == []


def test_longest_term_wins_and_a_token_counts_once_per_category(lexicon):
    matches = lexicon.find(words("Vi bruger det fælles datagrundlag"), "sagsbehandler")
    assert [(m.term, m.first, m.end) for m in matches] == [("det fælles datagrundlag", 2, 5)]
    assert tiny("gider ikke", "jeg gider ikke").find(words("jeg gider ikke")) == [
        LexiconMatch("x", "jeg gider ikke", 0, 3, "jeg gider ikke")]
    assert tiny("ikke", "gider ikke").find(words("gider ikke")) == [
        LexiconMatch("x", "gider ikke", 0, 2, "gider ikke")]
    # Of two one-word terms, the one the token is spelt from.
    assert terms_in(lexicon, "Der kommer sanktioner", "rettigheder") == ["sanktion"]
    assert terms_in(lexicon, "Du bliver sanktioneret", "rettigheder") == ["sanktionere"]


def test_a_token_can_count_in_several_categories(lexicon):
    matches = lexicon.find(words("Du kan klage over afgørelsen"))
    assert [(m.category, m.term, m.first, m.end) for m in matches] == [
        ("konflikt", "klage", 2, 3), ("rettigheder", "klage over afgørelsen", 2, 5)]


def test_punctuation_and_case(lexicon):
    tokens = [" Du", " får", " en", " SANKTION,", " hvis", " du", " ikke", " kommer."]
    assert lexicon.find(tokens) == [LexiconMatch("rettigheder", "sanktion", 3, 4, "SANKTION")]
    tokens = [' "Ked', " af", ' det!"', " sagde", " hun"]
    assert lexicon.find(tokens) == [LexiconMatch("mistrivsel", "ked af det", 0, 3, "Ked af det")]
    said = "Hold nu op, det er løgn!"
    assert lexicon.find(said.split()) == [
        LexiconMatch("konflikt", "hold nu op", 0, 3, "Hold nu op"),
        LexiconMatch("konflikt", "det er løgn", 3, 6, "det er løgn"),
    ]
    # A token that is only punctuation breaks no phrase's count but matches nothing itself.
    assert lexicon.find([" –", " ...", " ,"]) == []


def test_guard_against_short_stems(lexicon):
    # Snowball stems "rådighed" to "råd" (advice).
    for text in ("Du skal stå til rådighed", "rådigheden skal være der", "rådighedens krav"):
        assert terms_in(lexicon, text, "fagsprog") == ["rådighed"], text
    for text in ("Jeg vil give dig et godt råd", "Rådet siger", "min rådgiver", "rådgivning hjælper"):
        assert terms_in(lexicon, text, "fagsprog") == [], text
    # And the other way round: a term "råd" finds its inflections, not "rådighed".
    advice = tiny("råd")
    assert [bool(advice.find([w])) for w in ("råd", "rådet", "rådene", "rådighed", "rådgiver")] == [
        True, True, True, False, False]
    # "klaret" (managed) stems to "klar" (ready).
    managed = tiny("klaret")
    assert [bool(managed.find([w])) for w in ("klaret", "klarede", "klar", "klart")] == [True, True, False, False]
    assert terms_in(lexicon, "Jeg er klar", "ressourcer") == []
    assert terms_in(lexicon, "Jeg har klaret det", "ressourcer") == ["har klaret"]
    assert terms_in(lexicon, "Jeg klarede det selv", "ressourcer") == ["klarede"]
    assert terms_in(lexicon, "Hvor mange timer kan du klare?", "ressourcer") == []
    # "afgørelse" stems to "afgør" (to decide).
    assert terms_in(lexicon, "Det må du selv afgøre", "rettigheder") == []


@pytest.mark.parametrize("text, matched", [
    ("Det står i § 17 i loven", "§ 17"),
    ("Det står i §17.", "§17"),
    ("efter paragraf 17 i loven", "paragraf 17"),
    ("Det er paragraf 13 stk. 7", "paragraf 13"),
    ("efter § 42a, stk. 2", "§ 42a"),
    ("se paragraffen 3", "paragraffen 3"),
])
def test_paragraph_patterns(lexicon, text, matched):
    matches = [m for m in lexicon.find(words(text), "sagsbehandler") if m.category == "fagsprog"]
    assert [m.matched for m in matches] == [matched]
    tokens = words(text)
    only = matches[0]
    assert " ".join(t.strip(" .,") for t in tokens[only.first:only.end]) == matched


def test_paragraph_span_covers_its_tokens(lexicon):
    tokens = [" Det", " er", " paragraf", " 13", " stk.", " 7"]
    assert lexicon.find(tokens, "sagsbehandler") == [
        LexiconMatch("fagsprog", r"paragraf(?:fen|fer|ferne)?\s+\d+[a-z]?\b", 2, 4, "paragraf 13")]


@pytest.mark.parametrize("text", [
    "Mit CPR-nummer er 010203-1234",
    "010203 1234",
    "Jeg har 17 timer om ugen og 225 kroner",
    "Ring på 12 34 56 78 den 13. maj",
])
def test_numbers_match_nothing(lexicon, text):
    assert lexicon.find(words(text)) == []


def test_a_token_with_digits_never_matches_a_term():
    assert tiny("sanktion").find(["sanktion2", "2sanktion", "sanktion"]) == [
        LexiconMatch("x", "sanktion", 2, 3, "sanktion")]


def test_speaker_restriction(lexicon):
    text = "Du er i et ressourceforløb og jobparat"
    assert terms_in(lexicon, text, "fagsprog", "sagsbehandler") == ["ressourceforløb", "jobparat"]
    assert terms_in(lexicon, text, "fagsprog", "borger") == []
    assert terms_in(lexicon, text, "fagsprog", None) == ["ressourceforløb", "jobparat"]
    assert terms_in(lexicon, "Det står i § 17", "fagsprog", "borger") == []
    # Categories for anyone count for every role.
    assert terms_in(lexicon, "Jeg er vred", "konflikt", "borger") == ["vred"]
    assert terms_in(lexicon, "Jeg er vred", "konflikt", "sagsbehandler") == ["vred"]
    only_citizen = tiny("vred", speakers=("borger",))
    assert only_citizen.find(["vred"], "sagsbehandler") == []
    assert only_citizen.find(["vred"], "bisidder") == []
    assert len(only_citizen.find(["vred"], "borger")) == 1


NEUTRAL = [
    "Godmorgen og velkommen, hvordan går det med dig i dag?",
    "Vi skal lige kigge på din kalender for de næste par uger.",
    "Kan du fortælle lidt om dit sidste arbejde på lageret?",
    "Jeg sender dig et brev i e-Boks i morgen eftermiddag.",
    "Hvad tænker du selv om at søge job inden for rengøring?",
    "Du har været hos lægen i sidste uge, ikke?",
    "Vi ses igen om fire uger, samme tid og sted.",
    "Har du haft tid til at kigge på de opslag, jeg sendte?",
    "Jeg skriver det ned, så vi begge kan huske det.",
    "Min datter går i skole, og jeg henter hende klokken to.",
    "Det lyder godt, så aftaler vi det sådan.",
    "Vil du have en kop kaffe, inden vi går i gang?",
]


@pytest.mark.parametrize("text", NEUTRAL)
def test_ordinary_sentences_match_nothing_of_concern(lexicon, text):
    matches = lexicon.find(words(text), "sagsbehandler") + lexicon.find(words(text), "borger")
    assert [(m.category, m.term) for m in matches if m.category in ("konflikt", "mistrivsel", "fagsprog")] == []


def test_matches_come_in_token_order(lexicon):
    text = "Jeg er motiveret men bange for en sanktion og vred"
    matches = lexicon.find(words(text))
    assert [m.first for m in matches] == sorted(m.first for m in matches)
    assert [(m.category, m.term) for m in matches] == [
        ("ressourcer", "motiveret"), ("mistrivsel", "bange"), ("rettigheder", "sanktion"), ("konflikt", "vred")]


def test_split_text_tokens_work_too(lexicon):
    said = "Jeg er ked af det."
    spoken = lexicon.find(said.split())
    shouted = lexicon.find(words("jeg er KED AF DET"))
    assert [(m.term, m.first, m.end) for m in spoken] == [(m.term, m.first, m.end) for m in shouted]
    assert (spoken[0].matched, shouted[0].matched) == ("ked af det", "KED AF DET")


def test_empty_input(lexicon):
    assert lexicon.find([]) == []
    assert lexicon.find([""]) == []
    assert lexicon.find(["  ", " ."], "borger") == []
    assert Lexicon([]).find(words("Jeg er vred")) == []
    assert Lexicon.from_config({}).categories == ()


def test_from_config_defaults_and_errors():
    lexicon = Lexicon.from_config({"egen": {"label": "Egen liste", "tone": "info", "terms": ["kaffe"]}})
    assert lexicon.categories == (Category("egen", "Egen liste", "info", (), ("kaffe",), ()),)
    assert [m.term for m in lexicon.find(words("En kop kaffe"))] == ["kaffe"]
    bad = [
        {"x": {"label": "x", "tone": "angry", "terms": []}},
        {"x": {"label": "x", "tone": "info", "speakers": ["chef"], "terms": []}},
        {"x": {"label": "x", "tone": "info", "terms": "vred"}},
        {"x": {"label": "x", "tone": "info", "terms": ["", "vred"]}},
        {"x": {"label": "x", "tone": "info", "terms": ["225 timer"]}},
        {"x": {"label": "x", "tone": "info", "terms": [], "patterns": ["("]}},
        {"x": {"label": "x", "tone": "info", "terms": [], "patterns": ["a*"]}},
        {"x": {"label": "x", "tone": "info", "terms": [], "colour": "red"}},
        {"x": ["vred"]},
    ]
    for table in bad:
        with pytest.raises(ConfigError):
            Lexicon.from_config(table)


def test_default_patterns_compile_and_terms_have_no_digits(table):
    for spec in table.values():
        for pattern in spec["patterns"]:
            re.compile(pattern)
        assert not any(ch.isdigit() for term in spec["terms"] for ch in term)
