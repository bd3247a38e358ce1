"""A match's life: proposed → accepted (by both people, or by an operator) → ended; or declined,
or expired when nobody answered in time. Plain Python: each transition returns the match as it
is after it, or refuses with `MatchConflict`."""

import calendar
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from myndnet_schemas.events import MatchParty

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
    score: float = 0.0
    reasons: tuple[str, ...] = ()
    proposed_at: datetime | None = None
    reminded_on: date | None = None
    checkins_announced: tuple[int, ...] = ()

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

    def accepted_by(self, role: str) -> bool:
        return (
            self.manager_accepted_at if role == "manager" else self.mentor_accepted_at
        ) is not None

    @property
    def waiting_for(self) -> list[str]:
        """Who has not accepted the proposal yet: manager, mentor or both."""
        return [role for role in ("manager", "mentor") if not self.accepted_by(role)]


def propose(
    match_id: str,
    manager: Key,
    mentor: Key,
    score: float,
    reasons: tuple[str, ...],
    at: datetime,
    respond_by: date,
) -> Match:
    return Match(
        match_id,
        manager,
        mentor,
        MatchStatus.PROPOSED,
        respond_by,
        score=score,
        reasons=reasons,
        proposed_at=at,
    )


class ManagerStatus(StrEnum):
    """Where a new manager stands in the programme."""

    WAITING = "waiting"  # for a mentor
    PROPOSED = "proposed"
    MATCHED = "matched"
    COMPLETED = "completed"  # the programme is over for them, or they left it


def manager_after_end(manager_leaves: bool) -> ManagerStatus:
    """A match ended early or on time: the manager waits for a new mentor, unless it is the
    manager who leaves (their agency left, they were erased) or the programme is complete."""
    return ManagerStatus.COMPLETED if manager_leaves else ManagerStatus.WAITING


@dataclass(frozen=True)
class Party:
    """One of the two people in a match (empty names once they are erased)."""

    agency: str
    person_id: str
    name: str
    email: str
    title: str
    language: str  # of their mail

    def for_event(self) -> MatchParty:
        return MatchParty(
            agency=self.agency,
            person_id=self.person_id,
            name=self.name,
            email=self.email,
            title=self.title,
            language=self.language,
        )


@dataclass(frozen=True)
class Pairing:
    """A match and the two people in it."""

    match: Match
    manager: Party
    mentor: Party

    def people(self) -> dict[str, MatchParty]:
        """Both people as the match's events tell them (a live match's people are never
        erased: erasure ends the match first)."""
        return {"manager": self.manager.for_event(), "mentor": self.mentor.for_event()}

    @property
    def match_id(self) -> str:
        return self.match.match_id

    def party(self, role: str) -> Party:
        return self.manager if role == "manager" else self.mentor

    def other(self, role: str) -> Party:
        return self.mentor if role == "manager" else self.manager


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
