"""A participant's personal data erased, on request or when it is due: a live registration
for a session still ahead ends first (its seat goes to the first waiting, who is told; the
person is not mailed again), then the name and address go from every registration of theirs,
and `registration.erased` tells notify to erase its copies. All in one transaction."""

from datetime import date, datetime, time

import asyncpg
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.events.trainings import RegistrationErased
from myndnet_schemas.topics import TRAININGS_REGISTRATIONS

from myndnet_trainings.adapters import trainings as repository
from myndnet_trainings.domain import seats as rules
from myndnet_trainings.domain.people import erasure_cutoff
from myndnet_trainings.domain.seats import Status
from myndnet_trainings.handlers.registrations import announce, change_event, load

ERASED = "erased"  # why an erased person's registration for a coming session ended


async def erase_person(
    conn: asyncpg.Connection, email: str, at: datetime, topic: str = TRAININGS_REGISTRATIONS
) -> int:
    """On request: how many registrations were erased (0 when the address has none left)."""
    async with conn.transaction():
        return await _erase(conn, await repository.registrations_of_person(conn, email), at, topic)


async def erase_after_last_session(
    conn: asyncpg.Connection, today: date, topic: str = TRAININGS_REGISTRATIONS
) -> int:
    """Everyone whose last session ended 24 months ago or more."""
    cutoff = datetime.combine(erasure_cutoff(today), time(0), STOCKHOLM)
    at = datetime.combine(today, time(7, 0), STOCKHOLM)
    async with conn.transaction():
        due = await repository.registrations_last_seen_before(conn, cutoff)
        return await _erase(conn, due, at, topic)


async def _erase(
    conn: asyncpg.Connection,
    registrations: list[repository.PersonalRegistration],
    at: datetime,
    topic: str,
) -> int:
    coming = sorted(
        {r.session_id for r in registrations if r.starts_at > at and r.status != "cancelled"}
    )
    erased_ids = {r.registration_id for r in registrations}
    for session_id in coming:
        loaded = await load(conn, session_id)
        seating, changes = loaded.seating, []
        for registration_id in sorted(erased_ids & set(loaded.people)):
            if seating.get(registration_id).status is Status.CANCELLED:
                continue
            ending = rules.cancel(seating, registration_id, ERASED)
            seating = seating.after(ending)
            changes += ending
        await repository.save_changes(conn, changes, at)
        await announce(
            conn,
            [
                change_event(loaded, seating, c, at)
                for c in changes
                if c.registration_id not in erased_ids
            ],
            topic,
        )
    await repository.erase_registrations(conn, sorted(erased_ids), at)
    await announce(
        conn,
        [
            RegistrationErased(registration_id=r.registration_id, session_id=r.session_id, at=at)
            for r in registrations
        ],
        topic,
    )
    return len(registrations)
