"""How long trainings keeps a participant's name and address: until they ask it to forget
them, or 24 months after their last session. Their registrations stay, anonymous, so that the
figures (seats used and attended per agency and course kind) do not change."""

from datetime import date

ERASED_AFTER_MONTHS = 24


def erasure_cutoff(today: date) -> date:
    """People whose last session ended before this day are erased on `today`."""
    months = today.year * 12 + today.month - 1 - ERASED_AFTER_MONTHS
    year, month = divmod(months, 12)
    month += 1
    for day in (today.day, 30, 29, 28):  # the same day of the month, or that month's last
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")
