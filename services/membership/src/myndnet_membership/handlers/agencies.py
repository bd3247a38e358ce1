"""What happens when an operator registers, changes or removes an agency, and at first start.

Every change is saved, kept in the history and announced on `membership.agencies` (through the
outbox) in one transaction.
"""

from datetime import date

import asyncpg
from myndnet_kit.outbox import publish_events
from myndnet_schemas import Event
from myndnet_schemas.events import AgencyLeft, AgencyRegistered, AgencyUpdated
from myndnet_schemas.topics import service_source
from myndnet_schemas.vocabulary import AgencyKind, AgencyRole

from myndnet_membership.adapters import agencies as repository
from myndnet_membership.domain import agencies as rules
from myndnet_membership.domain.agencies import Agency, AgencyNotFound
from myndnet_membership.domain.seed import SEED, SEEDED_AS_OF

SOURCE = service_source("membership")
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
    return agency


async def update_agency(
    conn: asyncpg.Connection, topic: str, code: str, changes: dict[str, object]
) -> Agency:
    async with conn.transaction():
        existing = await _existing(conn, code)
        agency = rules.update(existing, changes)
        if agency != existing:
            await repository.replace(conn, agency)
            await _announce(conn, topic, agency, "updated")
    return agency


async def leave_network(conn: asyncpg.Connection, topic: str, code: str, today: date) -> Agency:
    async with conn.transaction():
        agency = rules.leave(await _existing(conn, code), today)
        await repository.replace(conn, agency)
        await _announce(conn, topic, agency, "left")
    return agency


async def seed_agencies(conn: asyncpg.Connection, topic: str) -> list[str]:
    """Add the seed organisations that are not there yet; each added one is announced once."""
    added = []
    async with conn.transaction():
        for code, name, kind, role in SEED:
            agency = rules.new_agency(code, name, kind, role, SEEDED_AS_OF)
            if await repository.add_unless_present(conn, agency):
                await _announce(conn, topic, agency, "registered")
                added.append(code)
    return added


async def _existing(conn: asyncpg.Connection, code: str) -> Agency:
    agency = await repository.get(conn, code, for_update=True)
    if agency is None:
        raise AgencyNotFound(f"no agency {code!r} in the network")
    return agency
