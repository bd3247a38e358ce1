"""What happens when someone registers, confirms their address or cancels, and how a session's
seat changes are saved and announced. Each call locks the session's row, loads its seats, lets
the rules decide, saves the changes in bulk and announces them through the outbox, all in the
caller's transaction."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from myndnet_kit.outbox import publish_events
from myndnet_schemas import Event
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.events import AgencyState, EventData
from myndnet_schemas.events.trainings import (
    CancelledBecause,
    PromotedBecause,
    Registrant,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationPromoted,
    RegistrationRequested,
    RegistrationWaitlisted,
    TrainingSession,
)
from myndnet_schemas.topics import TRAININGS_REGISTRATIONS, service_source
from prometheus_client import Counter

from myndnet_trainings.adapters import trainings as repository
from myndnet_trainings.domain import seats as rules
from myndnet_trainings.domain.seats import AlreadyRegistered, Change, Registration, Seating, Status
from myndnet_trainings.domain.sessions import (
    Conflict,
    NotFound,
    RegistrationClosed,
    check_open,
    work_address,
)

SOURCE = service_source("trainings")
# An unconfirmed request asked again sooner than this sends no second confirmation.
RESEND_AFTER = timedelta(minutes=10)
ANNOUNCED = Counter("myndnet_trainings_events_total", "Training events announced", ["type"])


def now() -> datetime:
    return datetime.now(STOCKHOLM)


@dataclass(frozen=True)
class Loaded:
    """A session as its seats are decided: its row (with its course), its seats, its people."""

    row: asyncpg.Record
    seating: Seating
    people: dict[str, asyncpg.Record]

    @property
    def facts(self) -> TrainingSession:
        return session_facts(self.row)


def session_facts(row: asyncpg.Record) -> TrainingSession:
    return TrainingSession(
        session_id=row["session_id"],
        course_code=row["course_code"],
        course_title=row["course_title"],
        kind=row["kind"],
        host_agency=row["host_agency"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        place=row["place"],
        online=row["online"],
        language=row["language"],
    )


async def load(conn: asyncpg.Connection, session_id: str) -> Loaded:
    """The session, locked until the transaction ends."""
    row = await repository.session(conn, session_id, lock=True)
    if row is None:
        raise NotFound(f"no session {session_id!r}")
    quotas = (await repository.seats(conn, [session_id]))[session_id]
    people = await repository.registrations(conn, session_id)
    return Loaded(
        row,
        repository.seating(row, quotas, people),
        {p["registration_id"]: p for p in people},
    )


async def load_for_registration(conn: asyncpg.Connection, registration_id: str) -> Loaded:
    found = await repository.registration(conn, registration_id)
    if found is None or found["erased_at"] is not None:
        raise NotFound("this registration is not known (it may have been removed)")
    return await load(conn, found["session_id"])


async def announce(
    conn: asyncpg.Connection, payloads: Sequence[EventData], topic: str = TRAININGS_REGISTRATIONS
) -> None:
    await publish_events(conn, topic, [Event.new(p, source=SOURCE) for p in payloads])
    for payload in payloads:
        ANNOUNCED.labels(payload.event_type).inc()


def registrant(person: asyncpg.Record) -> Registrant:
    return Registrant(
        agency=person["agency"],
        name=person["name"],
        email=person["email"],
        language=person["language"],
    )


def change_event(loaded: Loaded, after: Seating, change: Change, at: datetime) -> EventData:
    fields: dict[str, Any] = {
        "registration_id": change.registration_id,
        "session": loaded.facts,
        "person": registrant(loaded.people[change.registration_id]),
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
    conn: asyncpg.Connection,
    loaded: Loaded,
    changes: Sequence[Change],
    at: datetime,
    seating: Seating | None = None,
    topic: str = TRAININGS_REGISTRATIONS,
) -> Seating:
    """Save the changes and announce each; the seating after them."""
    after = (seating or loaded.seating).after(changes)
    await repository.save_changes(conn, changes, at)
    await announce(conn, [change_event(loaded, after, c, at) for c in changes], topic)
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
    conn: asyncpg.Connection,
    request: Request,
    agency: AgencyState | None,
    at: datetime,
    topic: str = TRAININGS_REGISTRATIONS,
) -> dict[str, Any]:
    """A person asks for a place: checked, kept unconfirmed, and a confirmation mail asked for.
    Asking again before confirming sends the confirmation again, at most every ten minutes."""
    email = work_address(request.email, request.agency, agency)
    async with conn.transaction():
        loaded = await load(conn, request.session_id)
        row = loaded.row
        check_open(row["status"], row["registration_deadline"], row["starts_at"], at.date(), at)
        registration_id = f"r-{secrets.token_hex(8)}"
        try:
            rules.add_request(
                loaded.seating,
                Registration(registration_id, request.agency, email, Status.UNCONFIRMED),
            )
        except AlreadyRegistered as exc:
            if exc.registration.status is not Status.UNCONFIRMED:
                raise Conflict(
                    f"{email} is already {exc.registration.status.value} on this session; "
                    "the link in the mail we sent can cancel it",
                    "already_registered",
                ) from None
            registration_id = exc.registration.id
            person = loaded.people[registration_id]
            if at - person["requested_at"] < RESEND_AFTER:
                # The confirmation is on its way: asking again sends nothing more, so the
                # form cannot be used to flood someone's inbox.
                return {"registration_id": registration_id, "status": Status.UNCONFIRMED.value}
            await repository.requested_again(conn, registration_id, at)
        else:
            await repository.add_registration(
                conn,
                registration_id,
                request.session_id,
                request.agency,
                request.name,
                email,
                request.language,
            )
            person = await repository.registration(conn, registration_id)
        await announce(
            conn,
            [
                RegistrationRequested(
                    registration_id=registration_id,
                    session=loaded.facts,
                    person=registrant(person),
                    at=at,
                    confirm_by=row["registration_deadline"],
                )
            ],
            topic,
        )
    return {"registration_id": registration_id, "status": Status.UNCONFIRMED.value}


async def confirm_registration(
    conn: asyncpg.Connection,
    registration_id: str,
    at: datetime,
    topic: str = TRAININGS_REGISTRATIONS,
) -> dict[str, Any]:
    """The address is confirmed: a seat or a place on the waitlist. Again: nothing changes."""
    async with conn.transaction():
        loaded = await load_for_registration(conn, registration_id)
        current = loaded.seating.get(registration_id)
        if current.status is Status.UNCONFIRMED:
            row = loaded.row
            check_open(row["status"], row["registration_deadline"], row["starts_at"], at.date(), at)
            changes = rules.confirm(
                loaded.seating, registration_id, await repository.next_order(conn)
            )
            after = await apply(conn, loaded, changes, at, topic=topic)
            return view(loaded, after, registration_id)
        if current.status is Status.CANCELLED:
            raise Conflict("this registration was cancelled; register again on the session's page")
    return view(loaded, loaded.seating, registration_id)


async def cancel_registration(
    conn: asyncpg.Connection,
    registration_id: str,
    at: datetime,
    topic: str = TRAININGS_REGISTRATIONS,
) -> dict[str, Any]:
    """The person cancels; a seat they held goes to the first waiting. Again: nothing."""
    async with conn.transaction():
        loaded = await load_for_registration(conn, registration_id)
        if at >= loaded.row["starts_at"] and (
            loaded.seating.get(registration_id).status is not Status.CANCELLED
        ):
            raise RegistrationClosed("the session has already started; it cannot be cancelled")
        changes = rules.cancel(loaded.seating, registration_id, CancelledBecause.PERSON.value)
        after = await apply(conn, loaded, changes, at, topic=topic)
    return view(loaded, after, registration_id)


async def show_registration(conn: asyncpg.Connection, registration_id: str) -> dict[str, Any]:
    async with conn.transaction():
        loaded = await load_for_registration(conn, registration_id)
    return view(loaded, loaded.seating, registration_id)


def view(loaded: Loaded, seating: Seating, registration_id: str) -> dict[str, Any]:
    """What a person's own link shows of their registration."""
    person = loaded.people[registration_id]
    status = seating.get(registration_id).status
    return {
        "registration_id": registration_id,
        "status": status.value,
        "place": seating.place(registration_id),
        "name": person["name"],
        "email": person["email"],
        "agency": person["agency"],
        "language": person["language"],
        "session": loaded.facts.model_dump(mode="json"),
        "registration_deadline": loaded.row["registration_deadline"].isoformat(),
        "session_status": loaded.row["status"],
    }
