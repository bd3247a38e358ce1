"""News from the network: a consent of its own, never needed for job alerts and always needed
for a campaign. Given when signing up for alerts, when registering for an open event (handed
over by outreach, with the event's target groups as the interest), or in the preference
centre; withdrawn there or by a campaign mail's one-click link. Plain Python."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from myndnet_schemas.clock import STOCKHOLM


@dataclass(frozen=True)
class Interest:
    """What an address without a saved search to go by said it is interested in: the target
    groups (and fields and municipalities) of what it registered for."""

    target_groups: tuple[str, ...] = ()
    occupation_fields: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()


# -- campaigns ----------------------------------------------------------------------------------

DEFAULT_CAP = 2  # campaign mails a person may get in CAP_DAYS, across the whole network
CAP_DAYS = 30


@dataclass(frozen=True)
class CampaignWindow:
    first_day: date
    last_day: date
    from_hour: int
    to_hour: int
    weekdays_only: bool

    def open_at(self, moment: datetime) -> bool:
        """Whether mail may go at `moment`: a day of the window (a weekday unless said), from
        `from_hour` up to `to_hour`, Swedish time."""
        local = moment.astimezone(STOCKHOLM)
        if not self.first_day <= local.date() <= self.last_day:
            return False
        if self.weekdays_only and local.weekday() >= 5:
            return False
        return self.from_hour <= local.hour < self.to_hour

    def closes_at(self, moment: datetime) -> datetime:
        """The end of the window on `moment`'s day: a letter not sent by then is not sent."""
        local = moment.astimezone(STOCKHOLM)
        if self.to_hour >= 24:
            return datetime.combine(local.date() + timedelta(days=1), time(), STOCKHOLM)
        return datetime.combine(local.date(), time(self.to_hour), STOCKHOLM)

    def over_at(self, moment: datetime) -> bool:
        return moment.astimezone(STOCKHOLM).date() > self.last_day


@dataclass(frozen=True)
class Pending:
    """A person in a campaign's audience not yet decided: whether they can still be mailed
    (a yes to news, not suppressed) and how many campaign mails they got in the cap's days."""

    subscriber_id: str
    reachable: bool
    given: int


SENT, SKIPPED_CAP, CANCELLED = "sent", "skipped_cap", "cancelled"


def decide(pending: list[Pending], cap: int) -> dict[str, str]:
    """What becomes of each: mailed while under the cap; skipped by it (counted, never mailed
    later); dropped when the yes to news was withdrawn or the address bounced."""
    decided = {}
    for person in pending:
        if not person.reachable:
            decided[person.subscriber_id] = CANCELLED
        elif person.given >= cap:
            decided[person.subscriber_id] = SKIPPED_CAP
        else:
            decided[person.subscriber_id] = SENT
    return decided


def campaign_reason(
    known: bool, reachable: bool, send_before: str | None, now: datetime
) -> str | None:
    """Why a queued campaign letter is no longer sent (None: it is): the person was erased,
    withdrew the yes to news or bounced, or the window closed before it could go."""
    if not known:
        return "the subscriber was erased"
    if not reachable:
        return "the address no longer takes news (withdrawn, or suppressed after a bounce)"
    if send_before is not None and now >= datetime.fromisoformat(send_before):
        return "the campaign's window closed before the letter could go"
    return None
