"""The Danish formatting every surface shares (feedback/labels.py): the CLI, `medlyt show`, the
dashboard and the report write a time in a meeting the same way."""

from dashboard import format as dashboard_format
from feedback.labels import clock
from medlyt import summary


def test_a_time_in_a_meeting_is_minutes_and_seconds_and_hours_from_an_hour_on():
    assert [clock(s) for s in (0, 9.4, 59.6, 754, 3599.4, 3725)] == \
        ["00:00", "00:09", "01:00", "12:34", "59:59", "1:02:05"]
    assert dashboard_format.clock is clock and summary.clock is clock
