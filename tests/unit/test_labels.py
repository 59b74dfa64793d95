"""The Danish formatting every surface shares (feedback/labels.py): the CLI, `medlyt show`, the
dashboard and the report write a time in a meeting the same way."""

from dashboard import format as dashboard_format
from feedback.labels import clock, evidence_lines, metric_value, number, percent, speaker_value
from medlyt import summary


def test_a_time_in_a_meeting_is_minutes_and_seconds_and_hours_from_an_hour_on():
    assert [clock(s) for s in (0, 9.4, 59.6, 754, 3599.4, 3725)] == \
        ["00:00", "00:09", "01:00", "12:34", "59:59", "1:02:05"]
    assert dashboard_format.clock is clock and summary.clock is clock
    assert evidence_lines("bookmark", {"at_s": 3725.2, "by": "olga"}) == ["Bogmærket blev sat ved 1:02:05 af olga."]


def test_numbers_have_a_decimal_comma_and_shares_are_whole_percent_everywhere():
    assert (number(2.25, 1), number(131.4), percent(0.375), percent(None)) == ("2,2", "131", "38 %", "–")
    assert dashboard_format.percent is percent
    assert [metric_value(k, v) for k, v in [("interactivity_per_min", 1.84), ("longest_silence_s", 2.8),
                                            ("interruptions", 0), ("response_pause_s", None)]] == \
        ["1,8/min", "2,8 s", "0", "–"]
    caseworker = {"questions_open": 1, "questions_closed": 0, "open_question_share": 1.0, "words_per_min": 207.2,
                  "loudness_db": -26.4}
    assert [speaker_value(k, caseworker) for k in ("questions", "words_per_min", "loudness_db")] == \
        ["1 åbne/0 lukkede (100 % åbne)", "207 ord/min", "-26 dBFS"]
