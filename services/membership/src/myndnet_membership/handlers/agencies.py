"""What happens when an operator or a coordinator registers, changes or removes an agency, and
at first start.

Every change is saved, kept in the history, announced on `membership.agencies` (through the
outbox) and, when a person made it, written to the audit log, in one transaction.
"""

from collections.abc import Collection
from datetime import date

import asyncpg
from myndnet_kit import audit
from myndnet_kit.logging import get_logger
from myndnet_kit.outbox import pending_for, publish_events
from myndnet_schemas import Event
from myndnet_schemas.events import AgencyLeft, AgencyRegistered, AgencyUpdated
from myndnet_schemas.topics import service_source
from myndnet_schemas.vocabulary import AgencyKind, AgencyRole, AgencyStatus

from myndnet_membership.adapters import agencies as repository
from myndnet_membership.domain import agencies as rules
from myndnet_membership.domain.agencies import Agency, AgencyNotFound
from myndnet_membership.domain.seed import SEED, SEEDED_AS_OF

SOURCE = service_source("membership")
log = get_logger(__name__)
EVENT_FOR = {"registered": AgencyRegistered, "updated": AgencyUpdated, "left": AgencyLeft}


async def _announce(conn: asyncpg.Connection, topic: str, agency: Agency, change: str) -> None:
    await repository.record_change(conn, agency, change)
    payload = EVENT_FOR[change](**agency.state().model_dump())
    await publish_events(conn, topic, [Event.new(payload, source=SOURCE)])


async def register_agency(
    conn: asyncpg.Connection,
    topic: str,
    *,
    code: str,
    name: str,
    kind: AgencyKind,
    role: AgencyRole,
    today: date,
    actor: str = audit.OPERATOR,
    **details: str | None,
) -> Agency:
    async with conn.transaction():
        existing = await repository.get(conn, code, for_update=True)
        if existing is None:
            agency = rules.new_agency(code, name, kind, role, today, **details)
            await repository.add(conn, agency)
        else:
            agency = rules.rejoin(existing, name, kind, role, today, **details)
            await repository.replace(conn, agency)
        await _announce(conn, topic, agency, "registered")
        await audit.record(conn, actor, "agency.registered", code, {"name": name})
    return agency


async def update_agency(
    conn: asyncpg.Connection,
    topic: str,
    code: str,
    changes: dict[str, object],
    actor: str = audit.OPERATOR,
) -> Agency:
    async with conn.transaction():
        existing = await _existing(conn, code)
        agency = rules.update(existing, changes)
        if agency != existing:
            await repository.replace(conn, agency)
            await _announce(conn, topic, agency, "updated")
            await audit.record(conn, actor, "agency.changed", code, rules.changed(existing, agency))
    return agency


async def leave_network(
    conn: asyncpg.Connection, topic: str, code: str, today: date, actor: str = audit.OPERATOR
) -> Agency:
    """The agency leaves: its HTTP keys are revoked with it, in the same announcement."""
    async with conn.transaction():
        agency = rules.leave(await _existing(conn, code), today)
        await repository.replace(conn, agency)
        await repository.revoke_http_keys(conn, code)
        agency = await _existing(conn, code)
        await _announce(conn, topic, agency, "left")
        await audit.record(conn, actor, "agency.left", code)
    return agency


async def issue_http_key(
    conn: asyncpg.Connection, topic: str, code: str, actor: str = audit.OPERATOR
) -> rules.NewHttpKey:
    """A new key for ingest's HTTP door; announced (as its hash) so ingest accepts it."""
    async with conn.transaction():
        issued = rules.new_http_key(await _existing(conn, code))
        await repository.add_http_key(conn, code, issued.key_id, issued.sha256)
        await _announce(conn, topic, await _existing(conn, code), "updated")
        await audit.record(conn, actor, "http_key.issued", code, {"key_id": issued.key_id})
    return issued


async def revoke_http_key(
    conn: asyncpg.Connection, topic: str, code: str, key_id: str, actor: str = audit.OPERATOR
) -> None:
    async with conn.transaction():
        await _existing(conn, code)
        if not await repository.revoke_http_keys(conn, code, key_id):
            raise AgencyNotFound(f"agency {code!r} has no live key {key_id!r}")
        await _announce(conn, topic, await _existing(conn, code), "updated")
        await audit.record(conn, actor, "http_key.revoked", code, {"key_id": key_id})


async def seed_agencies(
    conn: asyncpg.Connection, topic: str, on_topic: Collection[str] | None = None
) -> list[str]:
    """Add the seed organisations that are not there yet, and give those added before the seed
    carried e-mail domains and websites theirs; each change is announced once.

    `on_topic`: the agencies the topic holds a state of. One it holds nothing of (the broker's
    data lost while the database was kept) is announced again first: the other services know
    the network only from the topic."""
    changed = []
    async with conn.transaction():
        # Events still in the outbox: the topic lags only until they are published.
        if on_topic is not None and not await pending_for(conn, topic):
            await republish_agencies(conn, topic, on_topic)
        for seed in SEED:
            agency = rules.seeded(seed, SEEDED_AS_OF)
            if await repository.add_unless_present(conn, agency):
                await _announce(conn, topic, agency, "registered")
                changed.append(seed.code)
                continue
            existing = await repository.get(conn, seed.code, for_update=True)
            completed = existing and rules.with_seed_details(existing, seed)
            if completed:
                await repository.replace(conn, completed)
                await _announce(conn, topic, completed, "updated")
                changed.append(seed.code)
    return changed


async def republish_agencies(
    conn: asyncpg.Connection, topic: str, on_topic: Collection[str]
) -> int:
    """The current state (`updated`, or `left` for one that has left) of every agency the topic
    holds nothing of; nothing changes, so nothing is logged or added to its history. (A state
    on the topic is the latest announced one: compaction keeps the latest record of each key.)"""
    agencies = [a for a in await repository.list_all(conn, None) if a.code not in on_topic]
    events = [
        Event.new(
            EVENT_FOR["left" if a.status is AgencyStatus.LEFT else "updated"](
                **a.state().model_dump()
            ),
            source=SOURCE,
        )
        for a in agencies
    ]
    await publish_events(conn, topic, events)
    if agencies:
        log.warning(
            "the agency topic lacked agencies' states: announced again", count=len(agencies)
        )
    return len(agencies)


async def _existing(conn: asyncpg.Connection, code: str) -> Agency:
    agency = await repository.get(conn, code, for_update=True)
    if agency is None:
        raise AgencyNotFound(f"no agency {code!r} in the network")
    return agency
