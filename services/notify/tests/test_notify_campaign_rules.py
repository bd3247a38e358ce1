"""Campaigns' rules without servers: the window in Swedish time, the cap, and why a queued
letter is no longer sent."""

from datetime import UTC, date, datetime

from myndnet_notify.domain.news import (
    CANCELLED,
    SENT,
    SKIPPED_CAP,
    CampaignWindow,
    Pending,
    campaign_reason,
    decide,
)
from myndnet_schemas.clock import STOCKHOLM

# Monday 1 March to Saturday 6 March 2027, nine to five.
WINDOW = CampaignWindow(date(2027, 3, 1), date(2027, 3, 6), 9, 17, weekdays_only=True)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=STOCKHOLM)


def test_the_window_is_its_days_and_local_hours_on_weekdays():
    assert WINDOW.open_at(local(1, 9)) and WINDOW.open_at(local(5, 16, 59))
    assert not WINDOW.open_at(local(1, 8, 59)) and not WINDOW.open_at(local(1, 17))
    assert not WINDOW.open_at(local(1, 21))
    assert not WINDOW.open_at(local(6, 10))  # a Saturday
    assert CampaignWindow(date(2027, 3, 1), date(2027, 3, 6), 9, 17, False).open_at(local(6, 10))
    assert not WINDOW.open_at(datetime(2027, 2, 28, 23, 30, tzinfo=STOCKHOLM))
    # Swedish time, whatever zone the moment is given in: 08:30 UTC is 09:30 in March.
    assert WINDOW.open_at(datetime(2027, 3, 1, 8, 30, tzinfo=UTC))
    assert WINDOW.closes_at(local(2, 10)) == local(2, 17)
    assert not WINDOW.over_at(local(6, 23)) and WINDOW.over_at(local(7, 0))


def test_under_the_cap_a_person_is_mailed_at_it_skipped_and_without_consent_dropped():
    decided = decide(
        [
            Pending("p-1", True, 0),
            Pending("p-2", True, 1),
            Pending("p-3", True, 2),
            Pending("p-4", False, 0),
        ],
        cap=2,
    )
    assert decided == {"p-1": SENT, "p-2": SENT, "p-3": SKIPPED_CAP, "p-4": CANCELLED}
    assert decide([Pending("p-1", True, 0)], cap=0) == {"p-1": SKIPPED_CAP}


def test_a_queued_campaign_letter_is_not_sent_once_its_person_or_its_window_is_gone():
    before, after = local(2, 16, 59), local(2, 17)
    closes = local(2, 17).isoformat()
    assert campaign_reason(True, True, closes, before) is None
    assert "window closed" in campaign_reason(True, True, closes, after)
    assert "erased" in campaign_reason(False, False, closes, before)
    assert "no longer takes news" in campaign_reason(True, False, closes, before)
