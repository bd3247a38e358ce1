"""What happens when someone registers, confirms their address or cancels, and how a session's
seat changes are saved and announced. Each call locks the session, loads its seats, lets the
rules decide, saves the changes in bulk and announces them through the outbox, all in one
transaction of the store."""

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from myndnet_schemas import Event
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.events import AgencyState, EventData
from myndnet_schemas.events.trainings import (
    CancelledBecause,
    PromotedBecause,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationPromoted,
    RegistrationRequested,
    RegistrationWaitlisted,
)
from myndnet_schemas.topics import TRAININGS_REGISTRATIONS, service_source
from prometheus_client import Counter

from myndnet_trainings.adapters.store import TrainingsStore
from myndnet_trainings.domain import seats as rules
from myndnet_trainings.domain.people import Participant, by_id, seating
from myndnet_trainings.domain.seats import AlreadyRegistered, Change, Seating, Status
from myndnet_trainings.domain.sessions import Conflict, NotFound, Session, work_address

SOURCE = service_source("trainings")
ANNOUNCED = Counter("myndnet_trainings_events_total", "Training events announced", ["type"])


def now() -> datetime:
    return datetime.now(STOCKHOLM)


@dataclass(frozen=True)
class Loaded:
    """A session as its seats are decided: the session, its seats, its people."""

    session: Session
    seating: Seating
    people: Mapping[str, Participant]


@dataclass(frozen=True)
class RegistrationState:
    """What a person's own link shows: their registration on its session, as it stands."""

    loaded: Loaded
    seating: Seating
    registration_id: str

    @property
    def participant(self) -> Participant:
        return self.loaded.people[self.registration_id]


async def load(store: TrainingsStore, session_id: str) -> Loaded:
    """The session, locked until the transaction ends."""
    session = await store.session(session_id, lock=True)
    if session is None:
        raise NotFound(f"no session {session_id!r}")
    people = await store.participants(session_id)
    return Loaded(session, seating(session, people), by_id(people))


async def load_for_registration(store: TrainingsStore, registration_id: str) -> Loaded:
    found = await store.participant(registration_id)
    if found is None or found.erased_at is not None:
        raise NotFound("this registration is not known (it may have been removed)")
    return await load(store, found.session_id)


async def announce(
    store: TrainingsStore, payloads: Sequence[EventData], topic: str = TRAININGS_REGISTRATIONS
) -> None:
    await store.announce(topic, [Event.new(p, source=SOURCE) for p in payloads])
    for payload in payloads:
        ANNOUNCED.labels(payload.event_type).inc()


def change_event(loaded: Loaded, after: Seating, change: Change, at: datetime) -> EventData:
    fields: dict[str, Any] = {
        "registration_id": change.registration_id,
        "session": loaded.session.facts,
        "person": loaded.people[change.registration_id].registrant,
        "at": at,
    }
    if change.step is rules.Step.CONFIRMED:
        return RegistrationConfirmed(**fields)
    if change.step is rules.Step.WAITLISTED:
        return RegistrationWaitlisted(**fields, place=after.place(change.registration_id) or 1)
    assert change.because is not None, change  # promotions and cancellations say why
    if change.step is rules.Step.PROMOTED:
        return RegistrationPromoted(**fields, because=PromotedBecause(change.because))
    return RegistrationCancelled(
        **fields, because=CancelledBecause(change.because), had=change.had.value
    )


async def apply(
    store: TrainingsStore,
    loaded: Loaded,
    changes: Sequence[Change],
    at: datetime,
    seating: Seating | None = None,
    topic: str = TRAININGS_REGISTRATIONS,
) -> Seating:
    """Save the changes and announce each; the seating after them."""
    after = (seating or loaded.seating).after(changes)
    await store.save_changes(changes, at)
    await announce(store, [change_event(loaded, after, c, at) for c in changes], topic)
    return after


# -- people --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    session_id: str
    name: str
    email: str
    agency: str
    language: str


async def request_registration(
    store: TrainingsStore,
    request: Request,
    agency: AgencyState | None,
    at: datetime,
    topic: str = TRAININGS_REGISTRATIONS,
) -> str:
    """A person asks for a place: checked, kept unconfirmed, and a confirmation mail asked for.
    Asking again before confirming sends the confirmation again, at most every ten minutes.
    The registration's id."""
    email = work_address(request.email, request.agency, agency)
    async with store.transaction():
        loaded = await load(store, request.session_id)
        loaded.session.check_open(at)
        asked = Participant(
            f"r-{secrets.token_hex(8)}",
            request.session_id,
            request.agency,
            request.name,
            email,
            request.language,
            requested_at=at,
        )
        try:
            rules.add_request(loaded.seating, asked.registration)
        except AlreadyRegistered as exc:
            if exc.registration.status is not Status.UNCONFIRMED:
                raise Conflict(
                    f"{email} is already {exc.registration.status.value} on this session; "
                    "the link in the mail we sent can cancel it",
                    "already_registered",
                ) from None
            asked = loaded.people[exc.registration.id]
            if not asked.confirmation_due_again(at):
                return asked.registration_id  # the confirmation is on its way
            await store.requested_again(asked.registration_id, at)
        else:
            await store.add_participant(asked)
        await announce(
            store,
            [
                RegistrationRequested(
                    registration_id=asked.registration_id,
                    session=loaded.session.facts,
                    person=asked.registrant,
                    at=at,
                    confirm_by=loaded.session.registration_deadline,
                )
            ],
            topic,
        )
    return asked.registration_id


async def confirm_registration(
    store: TrainingsStore,
    registration_id: str,
    at: datetime,
    topic: str = TRAININGS_REGISTRATIONS,
) -> RegistrationState:
    """The address is confirmed: a seat or a place on the waitlist. Again: nothing changes."""
    async with store.transaction():
        loaded = await load_for_registration(store, registration_id)
        current = loaded.seating.get(registration_id)
        if current.status is Status.CANCELLED:
            raise Conflict("this registration was cancelled; register again on the session's page")
        if current.status is not Status.UNCONFIRMED:
            return RegistrationState(loaded, loaded.seating, registration_id)
        loaded.session.check_open(at)
        changes = rules.confirm(loaded.seating, registration_id, await store.next_order())
        after = await apply(store, loaded, changes, at, topic=topic)
    return RegistrationState(loaded, after, registration_id)


async def cancel_registration(
    store: TrainingsStore,
    registration_id: str,
    at: datetime,
    topic: str = TRAININGS_REGISTRATIONS,
) -> RegistrationState:
    """The person cancels; a seat they held goes to the first waiting. Again: nothing."""
    async with store.transaction():
        loaded = await load_for_registration(store, registration_id)
        if loaded.seating.get(registration_id).status is not Status.CANCELLED:
            loaded.session.check_registration_cancellable(at)
        changes = rules.cancel(loaded.seating, registration_id, CancelledBecause.PERSON.value)
        after = await apply(store, loaded, changes, at, topic=topic)
    return RegistrationState(loaded, after, registration_id)


async def show_registration(store: TrainingsStore, registration_id: str) -> RegistrationState:
    async with store.transaction():
        loaded = await load_for_registration(store, registration_id)
    return RegistrationState(loaded, loaded.seating, registration_id)
