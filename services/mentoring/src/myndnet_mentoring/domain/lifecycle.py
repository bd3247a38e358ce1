"""A match's life: proposed → accepted (by both people, or by an operator) → ended; or declined,
or expired when nobody answered in time. Plain Python."""

import calendar
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


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


@dataclass(frozen=True)
class Acceptance:
    manager: bool
    mentor: bool

    @property
    def complete(self) -> bool:
        return self.manager and self.mentor


def accept(status: str, so_far: Acceptance, by: Actor) -> Acceptance:
    """Who has accepted after `by` accepts; an operator accepts for both."""
    if status != "proposed":
        raise MatchConflict(f"the match is {status}; only a proposed match can be accepted")
    if by is Actor.OPERATOR:
        return Acceptance(True, True)
    if by is Actor.MANAGER:
        return Acceptance(True, so_far.mentor)
    return Acceptance(so_far.manager, True)


def check_declinable(status: str) -> None:
    if status != "proposed":
        raise MatchConflict(f"the match is {status}; only a proposed match can be declined")


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cohort_of(start_date: date) -> str:
    """Managers are grouped by the half-year they start in: `2026-H1`, `2026-H2`."""
    return f"{start_date.year}-H{1 if start_date.month <= 6 else 2}"
