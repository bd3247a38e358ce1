"""What happens on each batch of agency vacancy events, at each deadline and when an agency
leaves the network. Each runs in the caller's transaction and announces through the outbox."""

from collections.abc import Mapping, Sequence
from datetime import date, datetime

import asyncpg
from myndnet_kit.classify import Incoming
from myndnet_kit.logging import get_logger
from myndnet_kit.outbox import publish_events
from myndnet_kit.schedule import every
from myndnet_schemas import Event
from myndnet_schemas.clock import STOCKHOLM, stockholm_today
from myndnet_schemas.events import AgencyState, EventData
from myndnet_schemas.topics import VACANCIES, service_source
from myndnet_schemas.vocabulary import ClosedReason
from prometheus_client import Counter

from myndnet_vacancies.adapters import register as repository
from myndnet_vacancies.domain import register as rules

log = get_logger(__name__)
SOURCE = service_source("vacancies")
STALE = Counter(
    "myndnet_vacancies_stale_events_total",
    "Vacancy events ignored because a newer revision was already applied",
)
ANNOUNCED = Counter(
    "myndnet_vacancies_lifecycle_events_total", "Lifecycle events announced", ["type"]
)


async def announce(
    conn: asyncpg.Connection,
    payloads: Sequence[EventData],
    topic: str = VACANCIES,
    traces: Mapping[str, str] | None = None,
) -> None:
    """Publish lifecycle events; `traces` gives a vacancy (by its subject, `<code>/<id>`) the
    trace context of the agency's event that caused it."""
    traces = traces or {}
    events = [Event.new(p, source=SOURCE, traceparent=traces.get(p.subject())) for p in payloads]
    await publish_events(conn, topic, events)
    for payload in payloads:
        ANNOUNCED.labels(payload.event_type).inc()


async def apply_vacancy_events(
    conn: asyncpg.Connection,
    events: list[Incoming],
    today: date | None = None,
    topic: str = VACANCIES,
) -> None:
    """A batch of published/updated/withdrawn events, in partition order, in one transaction."""
    batch = [(incoming.agency or "", incoming.event.data) for incoming in events]
    keys = [(agency, payload.subject()) for agency, payload in batch]  # vacancy ids
    current = await repository.load_for_update(conn, keys)
    early = await repository.load_early_withdrawals(conn, keys)
    now = datetime.now(STOCKHOLM)
    outcome = rules.apply(current, early, batch, today or stockholm_today(), now)
    await repository.save(conn, list(outcome.changed.values()))
    await repository.save_early_withdrawals(conn, outcome.early_withdrawals)
    traces = {
        f"{agency}/{payload.subject()}": incoming.event.traceparent
        for (agency, payload), incoming in zip(batch, events, strict=True)
        if incoming.event.traceparent
    }
    await announce(conn, outcome.announcements, topic, traces)
    if outcome.stale:
        STALE.inc(outcome.stale)
        log.debug("ignored events with an old revision", count=outcome.stale)


async def close_expired(
    pool: asyncpg.Pool, today: date, batch: int = 1000, topic: str = VACANCIES
) -> int:
    """Close open vacancies whose application deadline has passed; returns how many."""
    closed_total = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            due = await repository.open_past_deadline(conn, today, batch)
            closed, payloads = rules.close_all(
                due, ClosedReason.DEADLINE_PASSED, datetime.now(STOCKHOLM)
            )
            await repository.save(conn, closed)
            await announce(conn, payloads, topic)
        closed_total += len(closed)
        if len(due) < batch:
            return closed_total


async def close_expired_every(
    pool: asyncpg.Pool, interval: float = 60.0, topic: str = VACANCIES
) -> None:
    """The deadline job: at start-up, then every `interval` seconds."""

    async def close_due() -> None:
        closed = await close_expired(pool, stockholm_today(), topic=topic)
        if closed:
            log.info("closed vacancies past their deadline", count=closed)

    await every(interval, close_due, "the deadline job")


async def close_vacancies_of_departed(
    conn: asyncpg.Connection,
    before: AgencyState | None,
    after: AgencyState,
    topic: str = VACANCIES,
) -> None:
    """Membership changed: an agency that left has all its open vacancies closed."""
    if after.participates:
        return
    open_vacancies = await repository.open_of_agency(conn, after.code)
    closed, payloads = rules.close_all(
        open_vacancies, ClosedReason.AGENCY_LEFT, datetime.now(STOCKHOLM)
    )
    await repository.save(conn, closed)
    await announce(conn, payloads, topic)
    if closed:
        log.info(
            "closed the vacancies of an agency that left", agency=after.code, count=len(closed)
        )
