"""Open events: what a plan must hold, what a change may change, and what each announces.
Plain Python."""

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from myndnet_schemas.events.outreach import (
    Bilingual,
    BilingualText,
    OpenEventCancelled,
    OpenEventChanged,
    OpenEventKind,
    OpenEventScheduled,
)
from myndnet_schemas.vocabulary import TargetGroup


class OutreachError(Exception):
    code = "invalid"


class NotFound(OutreachError):
    code = "not_found"


class Conflict(OutreachError):
    code = "conflict"


class PlanInvalid(OutreachError):
    code = "invalid"


class Status(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


CHANGEABLE = (
    "title",
    "text",
    "kind",
    "starts_at",
    "ends_at",
    "place",
    "online_url",
    "hosts",
    "target_groups",
    "seats",
    "registration_deadline",
)


@dataclass(frozen=True)
class OpenEvent:
    event_id: str
    revision: int
    title: dict[str, str | None]  # sv, en
    text: dict[str, str | None]
    kind: OpenEventKind
    starts_at: datetime
    ends_at: datetime
    place: str | None
    online_url: str | None
    hosts: tuple[str, ...]
    target_groups: tuple[TargetGroup, ...]
    seats: int | None
    registration_deadline: date
    status: Status = Status.SCHEDULED
    cancel_reason: str | None = None

    def data(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "revision": self.revision,
            "title": Bilingual(**self.title),
            "text": BilingualText(**self.text),
            "kind": self.kind,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "place": self.place,
            "online_url": self.online_url,
            "hosts": list(self.hosts),
            "target_groups": list(self.target_groups),
            "seats": self.seats,
            "registration_deadline": self.registration_deadline,
        }

    def open_for_registration(self, today: date) -> bool:
        return self.status is Status.SCHEDULED and today <= self.registration_deadline


def new_event_id() -> str:
    return f"oe-{uuid.uuid4().hex[:16]}"


def check(event: OpenEvent, members: set[str]) -> OpenEvent:
    """The event as planned, or PlanInvalid saying what is wrong."""
    if event.starts_at.tzinfo is None or event.ends_at.tzinfo is None:
        raise PlanInvalid("starts_at and ends_at need a time zone (an RFC 3339 time)")
    if event.ends_at <= event.starts_at:
        raise PlanInvalid("the event must end after it starts")
    if event.place is None and event.online_url is None:
        raise PlanInvalid("give a place, an online_url, or both")
    if event.registration_deadline > event.starts_at.date():
        raise PlanInvalid("the registration deadline is after the event starts")
    strangers = sorted(set(event.hosts) - members)
    if strangers:
        raise PlanInvalid(f"not current members of the network: {', '.join(strangers)}")
    if len(set(event.hosts)) != len(event.hosts):
        raise PlanInvalid("a host agency is named twice")
    # Validated as the event will carry it: the texts' lengths and characters.
    OpenEventScheduled(**event.data())
    return event


def schedule(event: OpenEvent, members: set[str]) -> tuple[OpenEvent, OpenEventScheduled]:
    planned = check(event, members)
    return planned, OpenEventScheduled(**planned.data())


def change(
    existing: OpenEvent, changes: dict[str, Any], members: set[str]
) -> tuple[OpenEvent, OpenEventChanged | None]:
    """The event with `changes`; no event to announce when nothing changed."""
    if existing.status is Status.CANCELLED:
        raise Conflict(f"open event {existing.event_id!r} is cancelled")
    unknown = set(changes) - set(CHANGEABLE)
    if unknown:
        raise PlanInvalid(f"these fields cannot be changed: {', '.join(sorted(unknown))}")
    changed = replace(existing, **changes)
    if changed == existing:
        return existing, None
    # Hosts that have since left stay on an event planned with them; new ones must be members.
    planned = check(replace(changed, revision=existing.revision + 1), members | set(existing.hosts))
    return planned, OpenEventChanged(**planned.data())


def cancel(existing: OpenEvent, reason: str | None) -> tuple[OpenEvent, OpenEventCancelled]:
    if existing.status is Status.CANCELLED:
        raise Conflict(f"open event {existing.event_id!r} is cancelled already")
    cancelled = replace(
        existing, status=Status.CANCELLED, cancel_reason=reason, revision=existing.revision + 1
    )
    return cancelled, OpenEventCancelled(**cancelled.data(), reason=reason)
