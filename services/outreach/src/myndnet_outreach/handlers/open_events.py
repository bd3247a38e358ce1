"""What coordinators and operators do with open events: schedule, change and cancel one, each
announced on `outreach.activities` and logged; and what the public sees of them."""

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from myndnet_schemas import Event
from myndnet_schemas.events.base import EventData
from myndnet_schemas.topics import OUTREACH_ACTIVITIES, service_source

from myndnet_outreach.adapters.store import OutreachStore
from myndnet_outreach.domain import open_events as rules
from myndnet_outreach.domain.open_events import NotFound, OpenEvent
from myndnet_outreach.handlers import registrations

SOURCE = service_source("outreach")


async def _announce(store: OutreachStore, topic: str, payload: EventData) -> None:
    await store.announce(topic, [Event.new(payload, source=SOURCE)])


async def schedule_open_event(
    store: OutreachStore,
    plan: OpenEvent,
    members: Collection[str],
    actor: str,
    topic: str = OUTREACH_ACTIVITIES,
) -> OpenEvent:
    planned, scheduled = rules.schedule(plan, set(members))
    async with store.transaction():
        await store.add_open_event(planned)
        await _announce(store, topic, scheduled)
        await store.record_action(actor, "open_event.scheduled", planned.event_id)
    return planned


async def change_open_event(
    store: OutreachStore,
    event_id: str,
    changes: dict[str, Any],
    members: Collection[str],
    actor: str,
    topic: str = OUTREACH_ACTIVITIES,
) -> OpenEvent:
    async with store.transaction():
        existing = await store.open_event(event_id, for_update=True)
        if existing is None:
            raise NotFound(f"no open event {event_id!r}")
        changed, announced = rules.change(existing, changes, set(members))
        if announced is not None:
            await store.save_open_event(changed)
            if changed.seats != existing.seats:
                await registrations.seats_changed(store, changed, datetime.now(UTC))
            await _announce(store, topic, announced)
            await store.record_action(
                actor, "open_event.changed", event_id, {"fields": sorted(changes)}
            )
    return changed


async def cancel_open_event(
    store: OutreachStore,
    event_id: str,
    reason: str | None,
    actor: str,
    topic: str = OUTREACH_ACTIVITIES,
) -> OpenEvent:
    async with store.transaction():
        existing = await store.open_event(event_id, for_update=True)
        if existing is None:
            raise NotFound(f"no open event {event_id!r}")
        cancelled, announced = rules.cancel(existing, reason)
        await store.save_open_event(cancelled)
        await registrations.event_cancelled(store, cancelled, datetime.now(UTC))
        await _announce(store, topic, announced)
        await store.record_action(actor, "open_event.cancelled", event_id)
    return cancelled


async def upcoming(store: OutreachStore, now: datetime) -> list[OpenEvent]:
    """What the public sees: events not over yet and not cancelled, soonest first."""
    return [e for e in await store.open_events(now) if e.status is rules.Status.SCHEDULED]
