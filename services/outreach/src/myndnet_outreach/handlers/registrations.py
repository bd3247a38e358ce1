"""A person's registration for an open event: asked for, confirmed from the mail, cancelled
from the mail; the day-before reminders; erasure. Each loads the event (locked: one change of
an event's seats at a time), lets the rules decide, saves, and writes the letters to notify's
requests in the same transaction."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from myndnet_outreach.adapters.store import OutreachStore
from myndnet_outreach.domain import registrations as rules
from myndnet_outreach.domain.open_events import NotFound, OpenEvent
from myndnet_outreach.domain.registrations import Closed, Registration


@dataclass(frozen=True)
class RegistrationView:
    """What a person's own link shows: their registration and its event."""

    registration: Registration
    event: OpenEvent
    place: int | None  # on the waiting list


async def _event(store: OutreachStore, event_id: str) -> OpenEvent:
    event = await store.open_event(event_id, for_update=True)
    if event is None:
        raise NotFound(f"no open event {event_id!r}")
    return event


async def _registration(store: OutreachStore, registration_id: str) -> Registration:
    registration = await store.registration(registration_id)
    if registration is None:
        raise Closed("this registration is no longer kept")
    return registration


async def request_registration(
    store: OutreachStore,
    event_id: str,
    name: str,
    email: str,
    language: str,
    news: bool,
    now: datetime,
) -> None:
    async with store.transaction():
        event = await _event(store, event_id)
        existing = await store.registrations_for(event_id)
        registration, letters = rules.request(event, name, email, language, news, existing, now)
        if registration is not None:
            await store.add_registration(registration)
        await store.queue_letters(letters)


async def show(store: OutreachStore, registration_id: str) -> RegistrationView:
    registration = await _registration(store, registration_id)
    event = await store.open_event(registration.event_id)
    assert event is not None
    everyone = await store.registrations_for(event.event_id)
    return RegistrationView(registration, event, rules.place_in_line(registration, everyone))


async def confirm(store: OutreachStore, registration_id: str, now: datetime) -> RegistrationView:
    async with store.transaction():
        registration = await _registration(store, registration_id)
        event = await _event(store, registration.event_id)
        everyone = await store.registrations_for(event.event_id)
        # read again under the event's lock: a second click waits for the first
        registration = next(r for r in everyone if r.registration_id == registration_id)
        confirmed, letters = rules.confirm(event, registration, everyone, now)
        if letters:
            await store.save_registrations([confirmed])
            await store.queue_letters(letters)
            consent = rules.news_consent(confirmed, event)
            if consent is not None:
                await store.queue_news_consent(consent)
    return await show(store, registration_id)


async def cancel(store: OutreachStore, registration_id: str, now: datetime) -> RegistrationView:
    async with store.transaction():
        registration = await _registration(store, registration_id)
        event = await _event(store, registration.event_id)
        everyone = await store.registrations_for(event.event_id)
        registration = next(r for r in everyone if r.registration_id == registration_id)
        changed, letters = rules.cancel(event, registration, everyone, now)
        await store.save_registrations(changed)
        await store.queue_letters(letters)
    return await show(store, registration_id)


async def event_cancelled(store: OutreachStore, event: OpenEvent, now: datetime) -> None:
    """Inside the cancellation's transaction: everyone registered is told."""
    changed, letters = rules.cancel_event(event, await store.registrations_for(event.event_id), now)
    await store.save_registrations(changed)
    await store.queue_letters(letters)


async def seats_changed(store: OutreachStore, event: OpenEvent, now: datetime) -> None:
    """Inside a change's transaction: more seats give the waiting theirs."""
    promoted, letters = rules.promote(event, await store.registrations_for(event.event_id), now)
    await store.save_registrations(promoted)
    await store.queue_letters(letters)


@dataclass(frozen=True)
class ScheduleRun:
    reminded: int
    erased: int


async def run_schedule(
    store: OutreachStore, events: Sequence[OpenEvent], today: date, now: datetime
) -> ScheduleRun:
    """The reminders due `today` (for the events given: those not over), and the erasure of
    registrations whose event ended long enough ago."""
    reminded = 0
    for upcoming in events:
        async with store.transaction():
            event = await _event(store, upcoming.event_id)
            due, letters = rules.reminders(
                event, await store.registrations_for(event.event_id), today
            )
            await store.save_registrations(due)
            await store.queue_letters(letters)
            reminded += len(letters)
    erased = 0
    for ended in await store.ended_with_registrations(now - rules.ERASED_AFTER):
        async with store.transaction():
            ids = [
                r.registration_id
                for r in await store.registrations_for(ended.event_id)
                if r.name is not None or r.email is not None
            ]
            await store.forget_registrations(ids)
            await store.queue_forget([rules.recipient_ref(i) for i in ids])
            erased += len(ids)
    return ScheduleRun(reminded, erased)


async def erase_address(store: OutreachStore, email: str, now: datetime) -> int:
    """Everything outreach keeps of an address, on the person's request: live registrations
    cancelled (their seats given on, no letter to the address), then erased, in outreach and
    in notify. How many registrations there were."""
    erased = 0
    for registration in await store.registrations_by_email(email):
        async with store.transaction():
            event = await _event(store, registration.event_id)
            everyone = await store.registrations_for(event.event_id)
            others = [r for r in everyone if r.registration_id != registration.registration_id]
            if registration.status is rules.RegistrationStatus.CONFIRMED:
                promoted, letters = rules.promote(event, others, now)
                await store.save_registrations(promoted)
                await store.queue_letters(letters)
            if registration.status.live and now < event.starts_at:  # its seat is given on
                await store.save_registrations(
                    [replace(registration, status=rules.RegistrationStatus.CANCELLED)]
                )
            await store.forget_registrations([registration.registration_id])
            await store.queue_forget([rules.recipient_ref(registration.registration_id)])
            erased += 1
    return erased
