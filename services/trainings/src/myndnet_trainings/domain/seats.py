"""Who gets a seat on a session, in plain Python: quotas per agency, the waitlists, promotion.

Before the registration deadline each agency has its own seats (`quotas`; an agency not listed
has none) and its own waitlist. Once the deadline has passed the seats nobody used are open to
everyone: the waitlists become one queue, in registration order. Registration order is the order
in which people confirmed their address (an unconfirmed request holds no place).

Every function takes a `Seating` and returns the `Change`s it decides; `Seating.after` applies
them. Nothing here reads a clock or a database.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum


class Status(StrEnum):
    UNCONFIRMED = "unconfirmed"
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Step(StrEnum):
    """What a change is announced as (`se.myndnet.training.registration.<step>.v1`)."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    PROMOTED = "promoted"
    CANCELLED = "cancelled"


class SeatingError(Exception):
    """A request the rules refuse; the message says why, `code` says it for clients to map to
    their own words (the site does)."""

    code = "refused"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class UnknownRegistration(SeatingError):
    code = "not_found"


class AlreadyRegistered(SeatingError):
    code = "already_registered"

    def __init__(self, registration: "Registration") -> None:
        super().__init__(f"this address is already on the session ({registration.status.value})")
        self.registration = registration


class QuotaInvalid(SeatingError, ValueError):
    code = "invalid_seats"


@dataclass(frozen=True)
class Registration:
    id: str
    agency: str
    person: str  # the work address, its domain in lower case
    status: Status
    order: int | None = None  # given when the address is confirmed


@dataclass(frozen=True)
class Change:
    registration_id: str
    status: Status
    step: Step
    had: Status
    because: str | None = None  # promoted: seat_freed | deadline; cancelled: the reason
    order: int | None = None  # confirmed or waitlisted: the place in registration order


@dataclass(frozen=True)
class Seating:
    total: int
    quotas: Mapping[str, int]
    deadline_passed: bool = False
    registrations: tuple[Registration, ...] = field(default=())

    # -- what the seating holds ------------------------------------------------------------

    def get(self, registration_id: str) -> Registration:
        for registration in self.registrations:
            if registration.id == registration_id:
                return registration
        raise UnknownRegistration(f"no registration {registration_id!r} on this session")

    def registered(self, agency: str | None = None) -> int:
        return sum(
            1
            for r in self.registrations
            if r.status is Status.REGISTERED and (agency is None or r.agency == agency)
        )

    def waitlist(self, agency: str | None = None) -> list[Registration]:
        """The waiting, first in registration order first."""
        waiting = [
            r
            for r in self.registrations
            if r.status is Status.WAITLISTED and (agency is None or r.agency == agency)
        ]
        return sorted(waiting, key=lambda r: r.order or 0)

    def seats_free_for(self, agency: str) -> int:
        free_in_total = self.total - self.registered()
        if self.deadline_passed:
            return max(0, free_in_total)
        own = self.quotas.get(agency, 0) - self.registered(agency)
        return max(0, min(own, free_in_total))

    def seats_left(self) -> int:
        return max(0, self.total - self.registered())

    def place(self, registration_id: str) -> int | None:
        """A waitlisted person's place in the queue that applies now (their agency's before the
        deadline, everyone's after it); None for anyone not waiting."""
        registration = self.get(registration_id)
        if registration.status is not Status.WAITLISTED:
            return None
        queue = self.waitlist(None if self.deadline_passed else registration.agency)
        return [r.id for r in queue].index(registration_id) + 1

    def after(self, changes: Iterable[Change]) -> "Seating":
        by_id = {c.registration_id: c for c in changes}
        return replace(
            self,
            registrations=tuple(
                replace(r, status=by_id[r.id].status, order=by_id[r.id].order or r.order)
                if r.id in by_id
                else r
                for r in self.registrations
            ),
        )

    def with_registration(self, registration: Registration) -> "Seating":
        others = tuple(r for r in self.registrations if r.id != registration.id)
        return replace(self, registrations=(*others, registration))


def check_quotas(total: int, quotas: Mapping[str, int]) -> None:
    if total < 1:
        raise QuotaInvalid("a session needs at least one seat")
    if any(seats < 0 for seats in quotas.values()):
        raise QuotaInvalid("an agency's seats cannot be fewer than none")
    given = sum(quotas.values())
    if given > total:
        raise QuotaInvalid(
            f"the agencies' seats add up to {given}, more than the session's {total} seats"
        )


def add_request(seating: Seating, registration: Registration) -> Seating:
    """A new request, unconfirmed; one live registration per person and session."""
    for existing in _live(seating.registrations):
        if existing.person.lower() == registration.person.lower():
            raise AlreadyRegistered(existing)
    return seating.with_registration(replace(registration, status=Status.UNCONFIRMED))


def fill_free_seats(seating: Seating, because: str) -> list[Change]:
    """Promote the waiting, in registration order, while a seat is free for them."""
    changes: list[Change] = []
    for waiting in seating.waitlist():
        if seating.seats_free_for(waiting.agency) > 0:
            change = Change(
                waiting.id, Status.REGISTERED, Step.PROMOTED, Status.WAITLISTED, because
            )
            changes.append(change)
            seating = seating.after([change])
    return changes


def confirm(seating: Seating, registration_id: str, order: int) -> list[Change]:
    """The address is confirmed: a seat if one is free for the agency, else the waitlist.
    Confirming again changes nothing."""
    registration = seating.get(registration_id)
    if registration.status is not Status.UNCONFIRMED:
        return []
    if seating.seats_free_for(registration.agency) > 0:
        status, step = Status.REGISTERED, Step.CONFIRMED
    else:
        status, step = Status.WAITLISTED, Step.WAITLISTED
    return [Change(registration_id, status, step, Status.UNCONFIRMED, order=order)]


def cancel(seating: Seating, registration_id: str, because: str) -> list[Change]:
    """A registration ends; a seat it held goes to the first waiting who may take it.
    Cancelling again changes nothing."""
    registration = seating.get(registration_id)
    if registration.status is Status.CANCELLED:
        return []
    change = Change(registration_id, Status.CANCELLED, Step.CANCELLED, registration.status, because)
    if registration.status is not Status.REGISTERED:
        return [change]
    return [change, *fill_free_seats(seating.after([change]), "seat_freed")]


def pass_deadline(seating: Seating) -> tuple[Seating, list[Change]]:
    """The registration deadline has passed: unused seats go to the waitlists, in order."""
    if seating.deadline_passed:
        return seating, []
    opened = replace(seating, deadline_passed=True)
    return opened, fill_free_seats(opened, "deadline")


def cancel_agency(seating: Seating, agency: str, because: str) -> list[Change]:
    """Every live registration of one agency ends (it left the network). Its seats go to
    nobody of its own; after the deadline they go to the others' waiting."""
    ending = [
        Change(r.id, Status.CANCELLED, Step.CANCELLED, r.status, because)
        for r in _live(seating.registrations)
        if r.agency == agency
    ]
    return [*ending, *fill_free_seats(seating.after(ending), "seat_freed")]


def cancel_all(seating: Seating, because: str) -> list[Change]:
    """The session is cancelled: everyone on it is told."""
    return [
        Change(r.id, Status.CANCELLED, Step.CANCELLED, r.status, because)
        for r in _live(seating.registrations)
    ]


def _live(registrations: Sequence[Registration]) -> list[Registration]:
    return [r for r in registrations if r.status is not Status.CANCELLED]
