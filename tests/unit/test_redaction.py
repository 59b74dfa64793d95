"""CPR numbers, phone numbers and e-mail addresses masked in transcripts (meetings/redaction.py),
while years, amounts, times and other ordinary numbers stay as they were."""

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meetings.records import Flag, Segment, Word, review_key
from meetings.redaction import (
    CPR_PATTERN,
    CPR_PLACEHOLDER,
    EMAIL_PATTERN,
    EMAIL_PLACEHOLDER,
    PHONE_PATTERN,
    PHONE_PLACEHOLDER,
    redact,
    redact_flag,
    redact_segment,
    redact_segments,
    redact_value,
)

CPR = [
    "010203-1234",
    "0102031234",
    "010203 1234",
    "01 02 03-1234",  # as Whisper may write a number said in pairs
    "01 02 03 1234",
    "01 02 03 12 34",
    "010203 - 1234",
    "311299-4321",
    "290200\u20131234",  # en dash
    "01.02.03-1234",  # typed in a note with a dotted date
    "01.02.03 1234",
]

PHONE = [
    "12345678",
    "12 34 56 78",
    "12-34-56-78",
    "1234 5678",
    "+45 12 34 56 78",
    "+45 12345678",
    "+4512345678",
    "0045 12345678",
    "004512345678",
    "0045 12 34 56 78",
    "45 12 34 56 78",
    "20 12 34 56",  # a mobile number in the 20 series
    "12 345 678",  # two, three, three
    "1234-5678",  # typed with a hyphen
    "1234\u20135678",
]

EMAIL = [
    "borger@example.com",
    "søren.ø@kommune.dk",
    "æble.åge@gmail.com",
    "jens.hansen@jobcenter.aarhus.dk",
    "a.b-c+tag@mail.sub.kommune.dk",
    "kontakt@københavn.dk",
    "12345678@firma.dk",  # digits in the local part make it an address, not a phone number
]


@pytest.mark.parametrize("cpr", CPR)
def test_cpr_numbers_are_masked(cpr):
    assert redact(cpr) == CPR_PLACEHOLDER
    assert redact(f"Mit CPR-nummer er {cpr}.") == f"Mit CPR-nummer er {CPR_PLACEHOLDER}."


@pytest.mark.parametrize("phone", PHONE)
def test_phone_numbers_are_masked(phone):
    assert redact(phone) == PHONE_PLACEHOLDER
    assert redact(f"Du kan ringe på {phone}, hvis der er noget.") == (
        f"Du kan ringe på {PHONE_PLACEHOLDER}, hvis der er noget.")


@pytest.mark.parametrize("email", EMAIL)
def test_email_addresses_are_masked(email):
    assert redact(email) == EMAIL_PLACEHOLDER
    # the full stop ending the sentence is not part of the address
    assert redact(f"Skriv til {email}.") == f"Skriv til {EMAIL_PLACEHOLDER}."


@pytest.mark.parametrize("said, shown", [
    ("mit cpr-nummer er 010203-1234 og mit nummer er 12 34 56 78",
     "mit cpr-nummer er [CPR-nummer] og mit nummer er [telefonnummer]"),
    ("Ja, det er 0102031234, og mailen er søren.ø@kommune.dk.",
     "Ja, det er [CPR-nummer], og mailen er [e-mail]."),
    ("Ring på +45 12 34 56 78 eller 87654321 efter kl. 10.30",
     "Ring på [telefonnummer] eller [telefonnummer] efter kl. 10.30"),
    ("Jeg fik 12.500 kr. i 2024, mit nummer er 1234 5678",
     "Jeg fik 12.500 kr. i 2024, mit nummer er [telefonnummer]"),
    ("CPR 010203-1234, tlf. 12345678, mail a@b.dk",
     "CPR [CPR-nummer], tlf. [telefonnummer], mail [e-mail]"),
    # An address holds no hyphenated pair of fours, so one next to it is the phone number.
    ("Hun bor på Vestergade 12, 1. sal, 8000 Aarhus C, og har nummer 1234-5678.",
     "Hun bor på Vestergade 12, 1. sal, 8000 Aarhus C, og har nummer [telefonnummer]."),
    ("Noten: borgerens CPR er 01.02.03-1234 og mobil 12 345 678",
     "Noten: borgerens CPR er [CPR-nummer] og mobil [telefonnummer]"),
])
def test_personal_data_inside_danish_sentences(said, shown):
    assert redact(said) == shown


@pytest.mark.parametrize("text", [
    "Jeg blev færdig i 2024",
    "fra 2023 til 2024",
    "i 2023 2024 boede jeg i Vejle",  # two years in a row are not a phone number
    "fra 2023-2024",
    "Du får 12.500 kr. om måneden",
    "Ydelsen er 12.500 kr",
    "Det kostede 1.234.567 kroner",
    "Huslejen er 6.250,50 kr.",
    "Vi ses kl. 14.30",
    "kl. 10.30 den 1. marts",
    "mødet den 12-03-2024",
    "den 12.03.2024",
    "Jeg har 2 børn",
    "Det er 100 procent sikkert",
    "det er 37,5 timer om ugen",
    "9999991234",  # ten digits, but the first six are not a date
    "sagsnummer 9999991234",
    "8000 Aarhus",
    "Jeg bor på Vestergade 12, 8000 Aarhus C",
    "1000-2000 kr",
    "mellem 1500-2500 kr. om måneden",  # round hundreds: a range, not a phone number
    "i perioden 2019-2021",  # two years
    "123456789",  # eight digits inside a longer run
    "kontonummer 1234567890123",
    "reg.nr. 1234 kontonr. 12345678901",
    "ca. 20 30 personer",
    "Hej, hvordan går det?",
    "",
])
def test_ordinary_numbers_and_text_are_left_alone(text):
    assert redact(text) == text


def test_eight_digits_inside_a_longer_run_are_not_a_phone_number():
    assert redact("1234567890123") == "1234567890123"
    assert redact("tlf 12345678 konto 123456789") == "tlf [telefonnummer] konto 123456789"


def test_redacting_twice_changes_nothing():
    once = redact("cpr 010203-1234, tlf +45 12 34 56 78, mail søren.ø@kommune.dk")
    assert redact(once) == once


# Words as the store keeps them (stripped) and as Whisper gives them (leading space).
def words(texts: list[str], start: float = 10.0, step: float = 0.4) -> list[Word]:
    return [Word(round(start + i * step, 3), round(start + (i + 1) * step, 3), t, 0.9, -30.0)
            for i, t in enumerate(texts)]


def segment_of(texts: list[str], text: str | None = None) -> Segment:
    ws = words(texts)
    said = text if text is not None else " ".join(t.strip() for t in texts)
    return Segment(ws[0].start, ws[-1].end, said, ws, speaker="S2", avg_logprob=-0.2, loudness_db=-28.0)


def test_phone_number_split_over_words_is_masked_in_the_first_word():
    segment = segment_of(["Mit", "nummer", "er", "12", "34", "56", "78."])
    redacted = redact_segment(segment)
    assert redacted.text == "Mit nummer er [telefonnummer]."
    assert [w.text for w in redacted.words] == ["Mit", "nummer", "er", PHONE_PLACEHOLDER, "", "", "."]


def test_word_times_and_count_are_unchanged():
    segment = segment_of([" ring", " på", " +45", " 12", " 34", " 56", " 78", " tak"])
    redacted = redact_segment(segment)
    assert [(w.start, w.end) for w in redacted.words] == [(w.start, w.end) for w in segment.words]
    assert [w.probability for w in redacted.words] == [w.probability for w in segment.words]
    assert (redacted.start, redacted.end) == (segment.start, segment.end)
    # Whisper-style words keep their leading space; words left with nothing become ""
    assert [w.text for w in redacted.words] == [" ring", " på", f" {PHONE_PLACEHOLDER}", "", "", "", "", " tak"]


def test_everything_but_text_and_words_is_kept():
    segment = segment_of(["cpr", "010203-1234"])
    redacted = redact_segment(segment)
    assert replace(redacted, text=segment.text, words=segment.words) == segment


def test_the_input_segment_is_not_changed():
    segment = segment_of(["tlf", "1234", "5678"])
    before = replace(segment, words=list(segment.words))
    redact_segment(segment)
    assert segment == before


def test_cpr_split_over_words():
    segment = segment_of(["det", "er", "01", "02", "03-1234", "ikke?"])
    redacted = redact_segment(segment)
    assert [w.text for w in redacted.words] == ["det", "er", CPR_PLACEHOLDER, "", "", "ikke?"]
    assert redacted.text == "det er [CPR-nummer] ikke?"


def test_cpr_and_phone_in_one_word_each():
    segment = segment_of(["cpr", "0102031234,", "tlf", "12345678"])
    redacted = redact_segment(segment)
    assert [w.text for w in redacted.words] == ["cpr", f"{CPR_PLACEHOLDER},", "tlf", PHONE_PLACEHOLDER]


def test_email_in_a_word_keeps_its_punctuation():
    segment = segment_of(["skriv", "til", "søren.ø@kommune.dk."])
    redacted = redact_segment(segment)
    assert [w.text for w in redacted.words] == ["skriv", "til", f"{EMAIL_PLACEHOLDER}."]


def test_a_match_ending_inside_a_word_keeps_the_rest_of_it():
    # the comma after the number is not personal data and stays with its word
    segment = segment_of(["12", "34", "56", "78,", "ikke", "2024"])
    redacted = redact_segment(segment)
    assert [w.text for w in redacted.words] == [PHONE_PLACEHOLDER, "", "", ",", "ikke", "2024"]


def test_words_without_personal_data_are_untouched():
    segment = segment_of(["Jeg", "fik", "12.500", "kr.", "i", "2024"])
    assert redact_segment(segment) == segment


def test_empty_words_do_not_break_a_number_apart():
    segment = segment_of(["12", "", "34", " ", "56", "78"])
    redacted = redact_segment(segment)
    assert [w.text for w in redacted.words] == [PHONE_PLACEHOLDER, "", "", " ", "", ""]


def test_segment_without_words():
    segment = Segment(0.0, 2.0, "Mit nummer er 12 34 56 78")
    redacted = redact_segment(segment)
    assert redacted.text == "Mit nummer er [telefonnummer]"
    assert redacted.words == []


def test_redact_segments_redacts_each_segment():
    segments = [segment_of(["tlf", "12345678"]), segment_of(["hej"]), segment_of(["a@b.dk"])]
    redacted = redact_segments(segments)
    assert [s.text for s in redacted] == [f"tlf {PHONE_PLACEHOLDER}", "hej", EMAIL_PLACEHOLDER]
    assert redact_segments([]) == []


def test_redact_value_masks_every_string_and_nothing_else():
    value = {"questions": ["Er dit nummer 12345678?", "Har du mailen a@b.dk?"], "count": 2,
             "pair": ("010203-1234", 0.5), "nested": {"note": "tlf 12 34 56 78", "at_s": 12345678.0},
             "010203-1234": None}
    assert redact_value(value) == {
        "questions": [f"Er dit nummer {PHONE_PLACEHOLDER}?", f"Har du mailen {EMAIL_PLACEHOLDER}?"], "count": 2,
        "pair": (CPR_PLACEHOLDER, 0.5), "nested": {"note": f"tlf {PHONE_PLACEHOLDER}", "at_s": 12345678.0},
        "010203-1234": None}  # keys are names the code chose, not what was said


def test_redact_flag_masks_message_and_evidence_and_keeps_its_review_key():
    flag = Flag("bookmark", 1.5, 3.0, None, "Observatøren satte et bogmærke her: ring 12345678",
                {"at_s": 3.0, "note": "ring 12345678"}, "info")
    masked = redact_flag(flag)
    assert masked.message.endswith(f"ring {PHONE_PLACEHOLDER}") and masked.evidence["note"] == f"ring {PHONE_PLACEHOLDER}"
    assert review_key(masked) == review_key(flag) and (masked.end, masked.tone) == (flag.end, flag.tone)
    assert flag.message.endswith("12345678")  # the input is not changed


# Text made to hit the patterns' edges: digits, separators, prefixes and address characters,
# mixed with known personal data, ordinary numbers and arbitrary text.
FRAGMENTS = ["010203", "1234", "12", "34", "-", " ", " - ", "+45", "0045", "45", "@", ".", "dk",
             "søren", "ø", "2024", "12.500", "kl. 10.30", "12345678", "0102031234", "\u00a0", "\u2013",
             "a@b.dk", "x", ",", "9"]
tricky = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet="0123456789 -+@.aøkd", max_size=6)),
                  max_size=20).map("".join)
any_text = st.one_of(tricky, st.text(max_size=60))


def leaves_nothing(text: str) -> bool:
    return not any(p.search(text) for p in (CPR_PATTERN, PHONE_PATTERN, EMAIL_PATTERN))


@settings(max_examples=400, deadline=None)
@given(any_text)
def test_redact_is_idempotent_and_leaves_no_personal_data(text):
    once = redact(text)
    assert redact(once) == once
    assert leaves_nothing(once)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet="0123456789 -+@.aø", max_size=4)),
                min_size=1, max_size=12),
       st.booleans())
def test_redacted_words_leave_no_personal_data(texts, whisper_style):
    texts = [(" " + t) if whisper_style else t for t in texts]
    segment = segment_of(texts, text="".join(texts))
    redacted = redact_segment(segment)
    assert [(w.start, w.end) for w in redacted.words] == [(w.start, w.end) for w in segment.words]
    assert leaves_nothing(" ".join(w.text.strip() for w in redacted.words if w.text.strip()))
    assert leaves_nothing(redacted.text)
    assert redact_segment(redacted) == redacted
