"""Registrations for open events: a person asks with a name and an address, confirms the
address from the mail (double opt-in), and only then holds a seat or a place on the waiting
list; a cancellation gives the seat to the first who waits. Each step returns the letters it
causes, which the handlers write to the letter outbox in the same transaction. Plain Python.

A registration keeps the person's name and address only while it is live: a cancelled one
keeps neither, and every registration is erased `ERASED_AFTER` the event ended.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from myndnet_kit.notify_requests import Letter
from myndnet_schemas.clock import STOCKHOLM

from myndnet_outreach.domain.open_events import OpenEvent, OutreachError, Status

# How long the confirmation link works (never beyond the event's start).
CONFIRM_WITHIN = timedelta(days=7)
ERASED_AFTER = timedelta(days=30)


class Closed(OutreachError):
    """The event takes no more registrations (cancelled, past its deadline, or started), or the
    registration is over."""

    code = "closed"


class RegistrationStatus(StrEnum):
    UNCONFIRMED = "unconfirmed"  # the address not yet confirmed: holds nothing
    CONFIRMED = "confirmed"  # holds a seat (or the event has no limit)
    WAITING = "waiting"  # on the waiting list, in the order of confirmation
    CANCELLED = "cancelled"

    @property
    def live(self) -> bool:
        return self is not RegistrationStatus.CANCELLED


@dataclass(frozen=True)
class Registration:
    registration_id: str
    event_id: str
    name: str | None  # None once cancelled or erased
    email: str | None
    language: str
    news: bool  # the person said yes to news from the network
    status: RegistrationStatus
    requested_at: datetime
    confirmed_at: datetime | None = None  # the waiting list's order
    reminded: bool = False


def new_registration_id() -> str:
    return f"reg-{uuid.uuid4().hex[:16]}"


def recipient_ref(registration_id: str) -> str:
    return f"outreach/{registration_id}"


def local(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def event_day(event: OpenEvent) -> date:
    return event.starts_at.astimezone(STOCKHOLM).date()


def confirm_by(registration: Registration, event: OpenEvent) -> date:
    asked = registration.requested_at.astimezone(STOCKHOLM).date()
    return min(asked + CONFIRM_WITHIN, event_day(event))


def letter(kind: str, registration: Registration, event: OpenEvent, **extra: Any) -> Letter:
    """A letter about `event` to the person `registration` is for, in their language."""
    assert registration.email is not None and registration.name is not None, "erased"
    language = registration.language
    title = event.title.get(language) or event.title["sv"]
    context = {
        "language": language,
        "recipient": {"name": registration.name},
        "registration_id": registration.registration_id,
        "event": {
            "event_id": event.event_id,
            "title": title,
            "place": event.place,
            "online_url": event.online_url,
        },
        "starts": local(event.starts_at),
        "ends": local(event.ends_at),
        "event_day": event_day(event).isoformat(),
        "confirm_by": confirm_by(registration, event).isoformat(),
        **extra,
    }
    return Letter(
        key=f"{registration.registration_id}:{kind}",
        kind=kind,
        to=registration.email,
        language=language,
        recipient_ref=recipient_ref(registration.registration_id),
        context=context,
    )


def open_to(event: OpenEvent, now: datetime) -> None:
    """Closed unless the event still takes registrations at `now`."""
    if event.status is Status.CANCELLED:
        raise Closed("the event is cancelled")
    if now >= event.starts_at or now.astimezone(STOCKHOLM).date() > event.registration_deadline:
        raise Closed("registration for this event has closed")


def request(
    event: OpenEvent,
    name: str,
    email: str,
    language: str,
    news: bool,
    existing: Sequence[Registration],
    now: datetime,
) -> tuple[Registration | None, list[Letter]]:
    """A new registration and its confirmation letter; nothing when the address holds a live
    registration for the event already (its first letter is still the one to follow, so the
    form cannot be used to fill someone's inbox)."""
    open_to(event, now)
    if any(r.status.live and (r.email or "").lower() == email.lower() for r in existing):
        return None, []
    registration = Registration(
        new_registration_id(),
        event.event_id,
        name,
        email,
        language,
        news,
        RegistrationStatus.UNCONFIRMED,
        now,
    )
    return registration, [letter("event_confirm", registration, event)]


def seats_taken(registrations: Sequence[Registration]) -> int:
    return sum(r.status is RegistrationStatus.CONFIRMED for r in registrations)


def waiting(registrations: Sequence[Registration]) -> list[Registration]:
    """The waiting list, first in line first."""
    found = [r for r in registrations if r.status is RegistrationStatus.WAITING]
    return sorted(found, key=lambda r: (r.confirmed_at or r.requested_at, r.registration_id))


def place_in_line(registration: Registration, registrations: Sequence[Registration]) -> int | None:
    for n, r in enumerate(waiting(registrations), 1):
        if r.registration_id == registration.registration_id:
            return n
    return None


def confirm(
    event: OpenEvent,
    registration: Registration,
    registrations: Sequence[Registration],
    now: datetime,
) -> tuple[Registration, list[Letter]]:
    """The address confirmed: a seat when one is free, else the waiting list. A second
    confirmation changes nothing and sends nothing."""
    if registration.status is RegistrationStatus.CANCELLED:
        raise Closed("this registration was cancelled")
    if registration.status is not RegistrationStatus.UNCONFIRMED:
        return registration, []
    if event.status is Status.CANCELLED:
        raise Closed("the event is cancelled")
    if now >= event.starts_at:
        raise Closed("the event has begun")
    if event.seats is None or seats_taken(registrations) < event.seats:
        confirmed = replace(registration, status=RegistrationStatus.CONFIRMED, confirmed_at=now)
        return confirmed, [letter("event_confirmed", confirmed, event)]
    queued = replace(registration, status=RegistrationStatus.WAITING, confirmed_at=now)
    place = len(waiting(registrations)) + 1
    return queued, [letter("event_waitlisted", queued, event, place=place)]


def promote(
    event: OpenEvent, registrations: Sequence[Registration], now: datetime
) -> tuple[list[Registration], list[Letter]]:
    """Whoever waits, first in line first, into the seats that are free (none once the event
    has begun or is cancelled)."""
    if event.status is Status.CANCELLED or now >= event.starts_at:
        return [], []
    free = (
        len(registrations)
        if event.seats is None
        else max(0, event.seats - seats_taken(registrations))
    )
    promoted = [
        replace(r, status=RegistrationStatus.CONFIRMED) for r in waiting(registrations)[:free]
    ]
    return promoted, [letter("event_promoted", r, event) for r in promoted]


def cancel(
    event: OpenEvent,
    registration: Registration,
    registrations: Sequence[Registration],
    now: datetime,
    because: str = "person",
) -> tuple[list[Registration], list[Letter]]:
    """The registration cancelled (by the person, or `because` the event was cancelled); the
    seat it held goes to the first who waits. The cancelled one keeps no name or address.
    Cancelling again changes nothing."""
    if registration.status is RegistrationStatus.CANCELLED:
        return [], []
    letters = [letter("event_cancelled", registration, event, because=because)]
    cancelled = replace(registration, status=RegistrationStatus.CANCELLED, name=None, email=None)
    others = [r for r in registrations if r.registration_id != registration.registration_id]
    promoted, promotions = promote(event, others, now)
    return [cancelled, *promoted], letters + promotions


def cancel_event(
    event: OpenEvent, registrations: Sequence[Registration], now: datetime
) -> tuple[list[Registration], list[Letter]]:
    """The event was cancelled: every live registration ends, each told why."""
    changed: list[Registration] = []
    letters: list[Letter] = []
    for r in registrations:
        if r.status.live:
            done, told = cancel(event, r, [], now, because="event")
            changed += done
            letters += told
    return changed, letters


def reminders(
    event: OpenEvent, registrations: Sequence[Registration], today: date
) -> tuple[list[Registration], list[Letter]]:
    """The day before the event (in Stockholm), a reminder to each who holds a seat, once."""
    if event.status is Status.CANCELLED or event_day(event) - today != timedelta(days=1):
        return [], []
    due = [
        replace(r, reminded=True)
        for r in registrations
        if r.status is RegistrationStatus.CONFIRMED and not r.reminded
    ]
    return due, [letter("event_reminder", r, event) for r in due]


def erasable(event: OpenEvent, now: datetime) -> bool:
    return now - event.ends_at >= ERASED_AFTER


def news_consent(registration: Registration, event: OpenEvent) -> dict[str, Any] | None:
    """A yes to news, for notify, once the address it was given with is confirmed."""
    if not registration.news or registration.email is None:
        return None
    return {
        "email": registration.email,
        "language": registration.language,
        "source": f"outreach/{event.event_id}",
        "target_groups": [g.value for g in event.target_groups],
    }
