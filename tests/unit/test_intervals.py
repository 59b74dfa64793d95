"""The one union of time intervals that turns, speech regions and frame spans all use."""

from meetings.intervals import union, union_length


def test_union_joins_overlaps_and_drops_empty_intervals():
    assert union([(5, 6), (0, 2), (1, 3), (4, 4)]) == [(0, 3), (5, 6)]
    assert union([(0, 1), (1.5, 2)], gap_s=1.0) == [(0, 2)]
    assert union([(0, 1), (2.0, 3)], gap_s=1.0) == [(0, 1), (2.0, 3)]  # a gap of exactly 1 s splits
    assert union_length([(0, 2), (1, 3), (3, 3)]) == 3


def test_touching_spans_join_and_whole_frame_numbers_stay_whole():
    assert union([(160, 320), (0, 160), (400, 560)]) == [(0, 320), (400, 560)]
    assert all(isinstance(x, int) for span in union([(3, 9), (1, 4)]) for x in span)
