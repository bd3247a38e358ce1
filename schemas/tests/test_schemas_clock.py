"""The network's days in Swedish time, for periods a report asks for."""

from datetime import UTC, date, datetime

from myndnet_schemas.clock import STOCKHOLM, stockholm_days


def test_a_period_runs_from_the_first_day_s_start_to_the_start_of_the_day_after_the_last():
    start, after = stockholm_days(date(2027, 3, 1), date(2027, 3, 31))
    assert start == datetime(2027, 3, 1, tzinfo=STOCKHOLM)
    assert after == datetime(2027, 4, 1, tzinfo=STOCKHOLM)
    assert after.astimezone(UTC) == datetime(2027, 3, 31, 22, tzinfo=UTC)  # summer time


def test_the_calendar_s_ends_stay_representable():
    start, after = stockholm_days(date.min, date.max)
    assert start == datetime(1, 1, 2, tzinfo=STOCKHOLM)
    assert after == datetime.max.replace(tzinfo=UTC)
    assert start.astimezone(UTC) < after
