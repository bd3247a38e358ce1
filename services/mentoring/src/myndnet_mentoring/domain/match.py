"""A match's life: proposed → accepted (by both people, or by an operator) → ended; or declined,
or expired when nobody answered in time. Plain Python: each transition returns the match as it
is after it, or refuses with `MatchConflict`."""

import calendar
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from myndnet_mentoring.domain.matching import Key


class MatchError(Exception):
    pass


class MatchNotFound(MatchError):
    pass


class MatchConflict(MatchError):
    pass


class Actor(StrEnum):
    MANAGER = "manager"
    MENTOR = "mentor"
    OPERATOR = "operator"


class MatchStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    ENDED = "ended"


LIVE = (MatchStatus.PROPOSED, MatchStatus.ACCEPTED)


@dataclass(frozen=True)
class Match:
    match_id: str
    manager: Key
    mentor: Key
    status: MatchStatus
    respond_by: date
    manager_accepted_at: datetime | None = None
    mentor_accepted_at: datetime | None = None
    accepted_at: datetime | None = None
    ends_on: date | None = None
    closed_at: datetime | None = None
    close_reason: str | None = None

    @property
    def live(self) -> bool:
        return self.status in LIVE

    def accept(self, by: Actor, at: datetime, programme_months: int) -> "Match":
        """`by` accepts (an operator for both); once both have, the programme starts."""
        if self.status is not MatchStatus.PROPOSED:
            raise MatchConflict(
                f"the match is {self.status}; only a proposed match can be accepted"
            )
        manager_at, mentor_at = self.manager_accepted_at, self.mentor_accepted_at
        if by in (Actor.MANAGER, Actor.OPERATOR) and manager_at is None:
            manager_at = at
        if by in (Actor.MENTOR, Actor.OPERATOR) and mentor_at is None:
            mentor_at = at
        accepted = replace(self, manager_accepted_at=manager_at, mentor_accepted_at=mentor_at)
        if manager_at is None or mentor_at is None:
            return accepted
        return replace(
            accepted,
            status=MatchStatus.ACCEPTED,
            accepted_at=at,
            ends_on=add_months(at.date(), programme_months),
        )

    def decline(self, by: str, at: datetime) -> "Match":
        """Declined by a person or an operator; by "expiry" when nobody answered in time."""
        if self.status is not MatchStatus.PROPOSED:
            raise MatchConflict(
                f"the match is {self.status}; only a proposed match can be declined"
            )
        status = MatchStatus.EXPIRED if by == "expiry" else MatchStatus.DECLINED
        return replace(self, status=status, closed_at=at, close_reason=by)

    def end(self, reason: str, at: datetime) -> "Match":
        """The programme is over: completed, a mentor withdrew, an agency left."""
        if not self.live:
            raise MatchConflict(f"the match is {self.status}; only a live match can end")
        return replace(self, status=MatchStatus.ENDED, closed_at=at, close_reason=reason)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cohort_of(start_date: date) -> str:
    """Managers are grouped by the half-year they start in: `2026-H1`, `2026-H2`."""
    return f"{start_date.year}-H{1 if start_date.month <= 6 else 2}"
