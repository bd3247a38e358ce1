"""The network's clock: its days are Stockholm's days, whatever zone a machine runs in. Here,
with the contract, so that an agency's tools judge deadlines by the same day as the services."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def stockholm_today() -> date:
    """Today in Sundsvall: deadlines, check-ins and erasure are counted in these days."""
    return datetime.now(STOCKHOLM).date()


def stockholm_days(first: date, last: date) -> tuple[datetime, datetime]:
    """The moments of the days `first` to `last`, both included, Swedish time: from the start of
    the first up to (not including) the start of the day after the last. The calendar's ends
    stay representable (a day after 9999-12-30 is the end of time)."""
    start = datetime.combine(max(first, date(1, 1, 2)), time(), STOCKHOLM)
    if last >= date(9999, 12, 30):
        return start, datetime.max.replace(tzinfo=UTC)
    return start, datetime.combine(last + timedelta(days=1), time(), STOCKHOLM)
