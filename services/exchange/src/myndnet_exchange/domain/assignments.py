"""Assignments and the interest in them: what an HR event does to an assignment, and the three
steps from interest to agreement. Plain Python: a decision returns the new state, the events to
announce and the letters to send; the handlers load and save.

The steps, in order: the host's coordinator picks one interested person (`host`), the person's
own agency approves (`home`), the person confirms (`person`). Each is answered through a link
in one letter; a step answered, or an interest ended, refuses the link again. Any of the three
can decline, which ends that interest only: the host may pick another while the assignment is
open. One interest at a time is past the host's step.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from holidays.countries import Sweden
from myndnet_kit.notify_requests import Letter
from myndnet_schemas.events import (
    AssignmentAgreed,
    AssignmentApproved,
    AssignmentDeclined,
    AssignmentPosted,
    AssignmentWithdrawn,
    EventData,
    InterestRecorded,
)
from myndnet_schemas.events.exchange import Step
from myndnet_schemas.vocabulary import AssignmentKind, RemoteWork


class AssignmentState(StrEnum):
    OPEN = "open"
    AGREED = "agreed"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"  # its answer date passed without an agreement


class InterestState(StrEnum):
    INTERESTED = "interested"  # waits for the host's coordinator
    PICKED = "picked"  # waits for the home agency
    APPROVED = "approved"  # waits for the person
    AGREED = "agreed"
    DECLINED = "declined"
    CLOSED = "closed"  # the assignment was withdrawn, closed or agreed with someone else


PENDING_STEP = {
    InterestState.INTERESTED: Step.HOST,
    InterestState.PICKED: Step.HOME,
    InterestState.APPROVED: Step.PERSON,
}
AFTER_YES = {
    Step.HOST: InterestState.PICKED,
    Step.HOME: InterestState.APPROVED,
    Step.PERSON: InterestState.AGREED,
}


class Refused(Exception):
    """A request the assignment's state does not allow; `code` says which for a program."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Assignment:
    host: str
    assignment_id: str
    revision: int
    title: str
    description: str
    skills: tuple[str, ...]
    percent: int
    first_day: date
    last_day: date
    municipality: str
    remote: RemoteWork
    kind: AssignmentKind
    answer_by: date
    state: AssignmentState = AssignmentState.OPEN
    posted_at: datetime | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.host, self.assignment_id)


@dataclass(frozen=True)
class Interest:
    interest_id: str
    host: str
    assignment_id: str
    email: str  # the person's work address
    home: str  # the person's own agency
    note: str
    language: str
    state: InterestState
    step_since: date  # when the pending step began waiting
    reminded: bool = False
    declined_step: Step | None = None

    @property
    def pending(self) -> Step | None:
        return PENDING_STEP.get(self.state)


@dataclass
class Outcome:
    assignment: Assignment | None = None
    interests: list[Interest] = field(default_factory=list)  # changed ones
    events: list[EventData] = field(default_factory=list)
    letters: list[Letter] = field(default_factory=list)


def new_interest_id() -> str:
    return f"int-{uuid.uuid4().hex[:16]}"


def person_ref(interest_id: str) -> str:
    return f"interest/{interest_id}"


def coordinator_ref(agency: str) -> str:
    return f"coordinators/{agency}"


# -- what an agency's HR event does ------------------------------------------------------------


def from_posted(host: str, data: AssignmentPosted, at: datetime) -> Assignment:
    return Assignment(
        host=host,
        assignment_id=data.assignment_id,
        revision=data.revision,
        title=data.title,
        description=data.description,
        skills=tuple(data.skills),
        percent=data.percent,
        first_day=data.first_day,
        last_day=data.last_day,
        municipality=data.municipality,
        remote=data.remote,
        kind=data.kind,
        answer_by=data.answer_by,
        posted_at=at,
    )


def apply_hr_event(
    current: Assignment | None,
    host: str,
    data: AssignmentPosted | AssignmentWithdrawn,
    at: datetime,
) -> Assignment | None:
    """The assignment after the event, or None when the event changes nothing: an older or the
    same revision (a replay, or events out of order), or a withdrawal of one never posted. An
    agreed or closed assignment is not reopened by a later posting."""
    if current is not None and data.revision <= current.revision:
        return None
    if isinstance(data, AssignmentWithdrawn):
        if current is None or current.state is not AssignmentState.OPEN:
            return None
        return replace(current, revision=data.revision, state=AssignmentState.WITHDRAWN)
    posted = from_posted(host, data, current.posted_at if current and current.posted_at else at)
    if current is not None and current.state in (AssignmentState.AGREED, AssignmentState.CLOSED):
        return replace(posted, state=current.state)
    return posted


# -- the people's steps --------------------------------------------------------------------------


@dataclass(frozen=True)
class Parties:
    """Who answers for each agency: its coordinators' work addresses, and its name."""

    host_name: str
    host_coordinators: tuple[str, ...]
    home_name: str
    home_coordinators: tuple[str, ...]


def _step_event(cls: type[EventData], interest: Interest, **more: object) -> EventData:
    return cls(
        assignment_id=interest.assignment_id,
        host=interest.host,
        home=interest.home,
        interest_id=interest.interest_id,
        **more,
    )


def _context(a: Assignment, interest: Interest, parties: Parties, **more: object) -> dict:
    return {
        "interest_id": interest.interest_id,
        "answer_by": a.answer_by.isoformat(),
        "assignment": {
            "host": a.host,
            "host_name": parties.host_name,
            "assignment_id": a.assignment_id,
            "title": a.title,
            "kind": a.kind.value,
            "first_day": a.first_day.isoformat(),
            "last_day": a.last_day.isoformat(),
            "percent": a.percent,
        },
        "person": {"email": interest.email, "home_name": parties.home_name},
        "note": interest.note,
        **more,
    }


def _to_coordinators(
    kind: str,
    agency: str,
    addresses: tuple[str, ...],
    a: Assignment,
    interest: Interest,
    parties: Parties,
    key: str,
    **more: object,
) -> list[Letter]:
    return [
        Letter(
            f"{key}:{agency}:{index}",
            kind,
            address,
            "sv",
            coordinator_ref(agency),
            _context(a, interest, parties, **more),
        )
        for index, address in enumerate(addresses)
    ]


def _to_person(
    kind: str, a: Assignment, interest: Interest, parties: Parties, key: str, **more: object
) -> Letter:
    return Letter(
        key,
        kind,
        interest.email,
        interest.language,
        person_ref(interest.interest_id),
        _context(a, interest, parties, **more),
    )


def record_interest(
    a: Assignment,
    earlier: list[Interest],
    email: str,
    home: str,
    note: str,
    language: str,
    parties: Parties,
    today: date,
) -> Outcome:
    """A member of staff says they are interested: the host's coordinators get a letter with
    the link that picks them (or declines)."""
    if a.state is not AssignmentState.OPEN or a.answer_by < today:
        raise Refused("closed", "the assignment takes no more interest")
    if home == a.host:
        raise Refused("own_agency", "the assignment is your own agency's")
    if any(i.email == email for i in earlier):
        raise Refused("already_interested", "you have said you are interested already")
    if not parties.host_coordinators:
        raise Refused("no_coordinator", "the host agency has no coordinator to answer yet")
    interest = Interest(
        new_interest_id(),
        a.host,
        a.assignment_id,
        email,
        home,
        note,
        language,
        InterestState.INTERESTED,
        today,
    )
    return Outcome(
        interests=[interest],
        events=[_step_event(InterestRecorded, interest)],
        letters=_to_coordinators(
            "exchange_pick",
            a.host,
            parties.host_coordinators,
            a,
            interest,
            parties,
            f"exchange:{interest.interest_id}:pick",
            step=Step.HOST.value,
        ),
    )


def answer(
    a: Assignment,
    interest: Interest,
    others: list[Interest],
    step: Step,
    yes: bool,
    parties: Parties,
    today: date,
) -> Outcome:
    """One party answers its step: yes moves the interest on (and, at the last step, agrees the
    assignment); no ends the interest with a letter to the others already involved."""
    if interest.state is InterestState.CLOSED:
        raise Refused("closed", "the assignment was closed, withdrawn or went to another")
    if interest.pending is not step:
        raise Refused("answered", "this step has been answered; the link cannot be used again")
    if a.state is not AssignmentState.OPEN:
        raise Refused("closed", "the assignment is no longer open")
    base = f"exchange:{interest.interest_id}"
    if not yes:
        return _declined(a, interest, step, parties, today, base)
    if step is Step.HOST and any(
        o.state in (InterestState.PICKED, InterestState.APPROVED) for o in others
    ):
        raise Refused("taken", "another person is being agreed with; decline them first")
    moved = replace(interest, state=AFTER_YES[step], step_since=today, reminded=False)
    if step is Step.HOST:
        if not parties.home_coordinators:
            raise Refused("no_coordinator", "the person's agency has no coordinator to approve")
        return Outcome(
            interests=[moved],
            events=[_step_event(AssignmentApproved, moved, step=step)],
            letters=_to_coordinators(
                "exchange_approve",
                moved.home,
                parties.home_coordinators,
                a,
                moved,
                parties,
                f"{base}:approve",
                step=Step.HOME.value,
            ),
        )
    if step is Step.HOME:
        return Outcome(
            interests=[moved],
            events=[_step_event(AssignmentApproved, moved, step=step)],
            letters=[
                _to_person("exchange_confirm", a, moved, parties, f"{base}:confirm", step="person")
            ],
        )
    agreed = replace(a, state=AssignmentState.AGREED)
    letters = [_to_person("exchange_agreed", a, moved, parties, f"{base}:agreed")]
    letters += _to_coordinators(
        "exchange_agreed", a.host, parties.host_coordinators, a, moved, parties, f"{base}:agreed"
    )
    letters += _to_coordinators(
        "exchange_agreed",
        moved.home,
        parties.home_coordinators,
        a,
        moved,
        parties,
        f"{base}:agreed",
    )
    closed = []
    for other in others:
        if other.pending is None:
            continue
        closed.append(replace(other, state=InterestState.CLOSED))
        letters.append(
            _to_person(
                "exchange_closed",
                a,
                other,
                parties,
                f"exchange:{other.interest_id}:closed",
                because="filled",
            )
        )
    event = _step_event(
        AssignmentAgreed,
        moved,
        email=moved.email,
        kind=a.kind,
        first_day=a.first_day,
        last_day=a.last_day,
        percent=a.percent,
    )
    return Outcome(assignment=agreed, interests=[moved, *closed], events=[event], letters=letters)


def _declined(
    a: Assignment, interest: Interest, step: Step, parties: Parties, today: date, base: str
) -> Outcome:
    ended = replace(interest, state=InterestState.DECLINED, declined_step=step, step_since=today)
    letters: list[Letter] = []
    key = f"{base}:declined"
    if step is not Step.PERSON:
        letters.append(_to_person("exchange_declined", a, ended, parties, key, by=step.value))
    if step is not Step.HOST:
        letters += _to_coordinators(
            "exchange_declined",
            a.host,
            parties.host_coordinators,
            a,
            ended,
            parties,
            key,
            by=step.value,
        )
    if step is Step.PERSON:
        letters += _to_coordinators(
            "exchange_declined",
            ended.home,
            parties.home_coordinators,
            a,
            ended,
            parties,
            key,
            by=step.value,
        )
    return Outcome(
        interests=[ended],
        events=[_step_event(AssignmentDeclined, ended, step=step)],
        letters=letters,
    )


# -- as time passes -----------------------------------------------------------------------------


def close(
    a: Assignment,
    interests: list[Interest],
    parties_of: Callable[[Interest], Parties],
    because: str,
) -> Outcome:
    """The assignment was withdrawn or its answer date passed: every interest still waiting
    ends, with a letter to its person (`parties_of` names the agencies of each)."""
    state = AssignmentState.WITHDRAWN if because == "withdrawn" else AssignmentState.CLOSED
    outcome = Outcome(assignment=replace(a, state=state))
    for interest in interests:
        if interest.pending is None:
            continue
        outcome.interests.append(replace(interest, state=InterestState.CLOSED))
        outcome.letters.append(
            _to_person(
                "exchange_closed",
                a,
                interest,
                parties_of(interest),
                f"exchange:{interest.interest_id}:closed",
                because=because,
            )
        )
    return outcome


def remind(a: Assignment, interest: Interest, parties: Parties) -> Outcome:
    """The pending step has waited five working days: its party gets the link once more."""
    step = interest.pending
    assert step is not None
    reminded = replace(interest, reminded=True)
    key = f"exchange:{interest.interest_id}:{step.value}:reminder"
    if step is Step.PERSON:
        letters = [_to_person("exchange_reminder", a, interest, parties, key, step=step.value)]
    else:
        agency = a.host if step is Step.HOST else interest.home
        coordinators = parties.host_coordinators if step is Step.HOST else parties.home_coordinators
        letters = _to_coordinators(
            "exchange_reminder", agency, coordinators, a, interest, parties, key, step=step.value
        )
    return Outcome(interests=[reminded], letters=letters)


REMINDER_AFTER_WORKING_DAYS = 5


def days_off(years: range) -> set[date]:
    """Swedish public holidays, and the eves the state's staff have off by agreement
    (midsommarafton, julafton, nyårsafton)."""
    off = set(Sweden(years=years))
    for year in years:
        off |= {date(year, 12, 24), date(year, 12, 31)}
        midsummer = next(d for d in off if d.year == year and d.month == 6 and d.weekday() == 5)
        off.add(midsummer - timedelta(days=1))
    return off


def working_days_between(first: date, last: date) -> int:
    """Working days after `first` up to and including `last`."""
    if last <= first:
        return 0
    off = days_off(range(first.year, last.year + 1))
    return sum(
        1
        for n in range(1, (last - first).days + 1)
        if (day := first + timedelta(days=n)).weekday() < 5 and day not in off
    )


def reminder_due(interest: Interest, today: date) -> bool:
    return (
        interest.pending is not None
        and not interest.reminded
        and working_days_between(interest.step_since, today) >= REMINDER_AFTER_WORKING_DAYS
    )
