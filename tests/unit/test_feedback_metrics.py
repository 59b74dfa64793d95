"""Interval metrics on hand-made segment lists: talk, turns, balance, interruptions, pauses."""

import random

import pytest

from feedback.metrics import (
    Talk,
    Turn,
    balance,
    conversation_turns,
    interruptions,
    response_pauses,
    silences,
    speaker_changes,
    talks,
    turns,
    window_shares,
)
from meetings.intervals import union
from meetings.records import Segment


def seg(speaker, start, end, text="") -> Segment:
    return Segment(start=start, end=end, text=text, speaker=speaker)


def test_talk_within_matches_a_brute_force_count():
    rng = random.Random(3)
    spans = [(a, a + rng.uniform(0, 4)) for a in (rng.uniform(0, 100) for _ in range(60))]
    talk = Talk(spans)
    merged = union(spans)
    for _ in range(200):
        a = rng.uniform(-5, 110)
        b = a + rng.uniform(0, 30)
        expected = sum(max(0.0, min(e, b) - max(s, a)) for s, e in merged)
        assert talk.within(a, b) == pytest.approx(expected, abs=1e-9)
    assert talk.total == pytest.approx(sum(e - s for s, e in merged))
    assert Talk([]).within(0, 10) == 0.0


def test_turns_join_own_short_pauses_and_ignore_others_backchannels():
    segments = [
        seg("S1", 0, 5), seg("S1", 5.6, 10),  # a 0.6 s pause stays inside the turn
        seg("S2", 5.1, 5.4),  # "mm" from the other in that pause
        seg("S2", 11, 14),
        seg("S1", 15.5, 17),
    ]
    result = turns(list(reversed(segments)), gap_s=1.0)  # unsorted input
    assert [(t.speaker, t.start, t.end) for t in result] == [
        ("S1", 0, 10), ("S2", 5.1, 5.4), ("S2", 11, 14), ("S1", 15.5, 17)]
    floor = conversation_turns(result, backchannel_s=1.0)
    assert [(t.speaker, t.start) for t in floor] == [("S1", 0), ("S2", 11), ("S1", 15.5)]
    assert speaker_changes(floor) == 2


def test_balance_of_an_empty_meeting_is_empty():
    assert balance([], gap_s=1.0) == {}
    assert balance([seg(None, 0, 3), seg("S1", 2, 2)], gap_s=1.0) == {}  # no speaker, zero length


def test_balance_of_one_speaker():
    result = balance([seg("S1", 0, 4), seg("S1", 3, 6)], gap_s=1.0)  # overlapping segments
    assert result == {"S1": {"talk_s": 6.0, "share": 1.0, "turns": 1, "longest_turn_s": 6.0}}


def test_balance_counts_talk_at_the_same_time_for_both():
    result = balance([seg("S1", 0, 10), seg("S2", 8, 12), seg("S10", 13, 14)], gap_s=1.0)
    assert list(result) == ["S1", "S2", "S10"]
    assert result["S1"]["talk_s"] == 10 and result["S2"]["talk_s"] == 4
    assert sum(b["share"] for b in result.values()) == pytest.approx(1.0, abs=1e-3)


def test_interruption_needs_real_overlap_and_more_than_a_backchannel():
    segments = [
        seg("S1", 0, 10),
        seg("S2", 8.0, 12.0),  # starts 2 s before S1 ends: an interruption
        seg("S1", 20, 30),
        seg("S2", 25, 25.6),  # "mm": a backchannel, not an interruption
        seg("S2", 29.8, 33),  # only 0.2 s overlap
        seg("S1", 40, 45), seg("S2", 45, 47),  # taking over exactly at the end
    ]
    all_turns = turns(segments, 1.0)
    found = interruptions(all_turns, talks(segments), min_overlap_s=0.5, backchannel_s=1.0)
    assert [(i.turn.speaker, i.turn.start, i.interrupted, i.overlap_s) for i in found] == [("S2", 8.0, "S1", 2.0)]


def test_interruption_overlap_counts_speech_not_pauses():
    # S1 pauses 0.8 s (still one turn); S2 starts in the pause; S1 speaks 0.3 s more then stops.
    segments = [seg("S1", 0, 5), seg("S1", 5.8, 6.1), seg("S2", 5.1, 9)]
    found = interruptions(turns(segments, 1.0), talks(segments), 0.5, 1.0)
    assert found == []  # only 0.3 s of S1's speech under S2's turn


def test_silences_between_speech_only():
    segments = [seg("S1", 3, 5), seg("S2", 16, 18), seg("S1", 17, 19), seg("S2", 25, 26)]
    assert silences(segments, 10.0) == [(5, 16)]
    assert silences(segments, 5.0) == [(5, 16), (19, 25)]
    assert silences([], 10.0) == []


def test_response_pauses_only_where_the_caseworker_answers_the_citizen():
    floor = [Turn("B", 0, 5), Turn("C", 5.5, 8), Turn("B", 9, 12), Turn("C", 11.5, 14), Turn("C", 20, 21),
             Turn("B", 22, 23)]
    assert response_pauses(floor, citizens={"B"}, caseworkers={"C"}) == [0.5, 0.0]


def test_window_shares_follow_the_talk():
    segments = [seg("C", 0, 300), seg("B", 300, 600)]
    windows = window_shares(talks(segments), "C", duration_s=600, window_s=300, step_s=150)
    assert [(start, round(share, 3)) for start, _end, share, _talk in windows] == [(0, 1.0), (150, 0.5), (300, 0.0)]
    assert window_shares(talks(segments), "C", duration_s=200, window_s=300, step_s=30) == []
