"""Property-based tests of `feedback.analysis.analyse`: whatever the transcript looks like
(unsorted, overlapping, zero-length or reversed segments, negative times, words or none,
loudness or none, speakers with or without roles), the analysis does not crash, its balance
adds up, its flags are well formed, and the order of the segments does not matter."""

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.analysis import analyse
from feedback.config import load_config
from feedback.labels import FLAG_KINDS
from meetings.records import FLAG_TONES, Segment, Speaker, Word

CONFIG = load_config()
SPEAKER_IDS = ["S1", "S2", "S3", "S4"]
ROLES = [None, "sagsbehandler", "borger", "bisidder"]

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SENTENCES = [
    "Hvad tænker du om det?",
    "Har du et arbejde?",
    "Er du syg?",
    "Kan du komme på mandag?",
    "Fortæl lidt om din dag.",
    "Jeg er så vred på jer.",
    "Du kan få en sanktion hvis du udebliver.",
    "Så skal du i et ressourceforløb efter § 17.",
    "Jeg er god til at lave mad.",
    "Jeg har det skidt og kan ikke sove.",
    "mm",
    "ja",
    "Ja. Nej. Måske?",
    "Det var en lang dag, ikke?",
    "Hvor er det godt!",
    "",
    "   ",
    "?",
    "f.eks. bl.a. osv.",
]

# Finite only, but negative, zero, tiny and large ones too.
coordinate = st.one_of(
    st.floats(min_value=-50.0, max_value=400.0, allow_nan=False, allow_infinity=False),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1e-9, -1e-9, 5e-324, 1e6, -1e6, 3600.0]),
    st.integers(min_value=-10, max_value=600).map(float),
)
length = st.one_of(
    st.floats(min_value=0.0, max_value=120.0, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, 1e-9, 0.4, 1.0, 2.0, 10.5, 30.0, 61.0]),
    st.floats(min_value=-30.0, max_value=0.0, allow_nan=False, allow_infinity=False),  # reversed
)
loudness = st.one_of(
    st.none(),
    st.sampled_from([-30.0, -30.0, -30.0, -31.0, -20.0, -12.0]),  # mostly normal, some raised
    st.floats(min_value=-120.0, max_value=10.0, allow_nan=False, allow_infinity=False),
)
probability = st.floats(min_value=0.0, max_value=1.0, allow_nan=False, allow_infinity=False)
text = st.one_of(st.sampled_from(SENTENCES), st.text(max_size=40))


@st.composite
def segments(draw) -> Segment:
    start = draw(coordinate)
    end = draw(st.one_of(length.map(lambda d: start + d), coordinate))
    said = draw(text)
    words = []
    if draw(st.booleans()):
        tokens = said.split()
        step = (end - start) / len(tokens) if tokens else 0.0
        level = draw(loudness)
        per_word = draw(st.booleans())
        for i, token in enumerate(tokens):
            words.append(Word(start + i * step, start + (i + 1) * step, " " + token, draw(probability),
                              draw(loudness) if per_word else level))
    return Segment(
        start=start, end=end, text=said, words=words,
        speaker=draw(st.sampled_from([*SPEAKER_IDS, None])),
        avg_logprob=draw(st.one_of(st.none(), st.floats(min_value=-5.0, max_value=0.0))),
        loudness_db=draw(loudness),
    )


@st.composite
def speaker_lists(draw) -> list[Speaker]:
    if draw(st.booleans()):
        return []
    result = []
    for who in SPEAKER_IDS:
        if draw(st.booleans()):
            result.append(Speaker(who, f"Taler {who[1:]}", draw(st.sampled_from(ROLES))))
    return result


meetings = st.tuples(
    st.lists(segments(), max_size=25),
    speaker_lists(),
    st.one_of(st.just(0.0), st.floats(min_value=0.0, max_value=2e4, allow_nan=False, allow_infinity=False)),
)


def check(analysis, segments_in):
    talking = any(s.speaker and s.end > s.start for s in segments_in)
    if talking:
        assert math.isclose(sum(b["share"] for b in analysis.balance.values()), 1.0, abs_tol=1e-3)
    else:
        assert analysis.balance == {} and analysis.flags == []
    assert set(analysis.balance) == set(analysis.metrics["speakers"])
    for b in analysis.balance.values():
        assert 0.0 <= b["share"] <= 1.0 and b["talk_s"] >= 0 and b["turns"] >= 1
    for flag in analysis.flags:
        assert flag.kind in FLAG_KINDS
        assert flag.start <= flag.end
        assert flag.tone in FLAG_TONES
        assert isinstance(flag.message, str) and flag.message.strip()
        assert isinstance(flag.evidence, dict)
    json.dumps(analysis.metrics)
    json.dumps(analysis.balance)
    json.dumps([f.evidence for f in analysis.flags])
    assert not any(isinstance(v, float) and math.isnan(v) for v in numbers(analysis.metrics))
    assert not any(isinstance(v, float) and math.isnan(v) for v in numbers(analysis.balance))


def numbers(value):
    """Every leaf value of nested dicts and lists."""
    if isinstance(value, dict):
        for v in value.values():
            yield from numbers(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from numbers(v)
    else:
        yield value


@SETTINGS
@given(meetings)
def test_analyse_never_crashes_and_its_result_is_well_formed(meeting):
    segments_in, speakers, duration_s = meeting
    analysis = analyse(segments_in, speakers, duration_s, CONFIG)
    check(analysis, segments_in)
    assert analysis.metrics["interruptions"] == sum(1 for f in analysis.flags if f.kind == "interruption")
    assert analysis.metrics["duration_s"] >= 0


@SETTINGS
@given(meetings, st.randoms(use_true_random=False))
def test_order_of_segments_does_not_matter(meeting, rng):
    segments_in, speakers, duration_s = meeting
    shuffled = segments_in[:]
    rng.shuffle(shuffled)
    a = analyse(segments_in, speakers, duration_s, CONFIG)
    b = analyse(shuffled, speakers, duration_s, CONFIG)
    assert a.balance == b.balance
    assert a.metrics == b.metrics
    assert a.flags == b.flags
