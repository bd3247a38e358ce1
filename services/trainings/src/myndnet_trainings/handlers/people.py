"""A participant's personal data erased, on request or when it is due: a live registration
for a session still ahead ends first (its seat goes to the first waiting, who is told; the
person is not mailed again), then the name and address go from every registration of theirs,
and `registration.erased` tells notify to erase its copies. All in one transaction."""

from datetime import date, datetime, time

from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.events.trainings import RegistrationErased
from myndnet_schemas.topics import TRAININGS_REGISTRATIONS

from myndnet_trainings.adapters.store import TrainingsStore
from myndnet_trainings.domain import seats as rules
from myndnet_trainings.domain.people import PersonalRegistration, erasure_cutoff
from myndnet_trainings.domain.seats import Change, Status
from myndnet_trainings.handlers.registrations import announce, change_event, load

ERASED = "erased"  # why an erased person's registration for a coming session ended


async def erase_person(
    store: TrainingsStore, email: str, at: datetime, topic: str = TRAININGS_REGISTRATIONS
) -> int:
    """On request: how many registrations were erased (0 when the address has none left)."""
    async with store.transaction():
        return await _erase(store, await store.registrations_of_person(email), at, topic)


async def erase_after_last_session(
    store: TrainingsStore, today: date, topic: str = TRAININGS_REGISTRATIONS
) -> int:
    """Everyone whose last session ended 24 months ago or more."""
    cutoff = datetime.combine(erasure_cutoff(today), time(0), STOCKHOLM)
    at = datetime.combine(today, time(7, 0), STOCKHOLM)
    async with store.transaction():
        due = await store.registrations_last_seen_before(cutoff)
        return await _erase(store, due, at, topic)


async def _erase(
    store: TrainingsStore,
    registrations: list[PersonalRegistration],
    at: datetime,
    topic: str,
) -> int:
    coming = sorted(
        {r.session_id for r in registrations if r.starts_at > at and r.status != "cancelled"}
    )
    erased_ids = {r.registration_id for r in registrations}
    for session_id in coming:
        loaded = await load(store, session_id)
        seating, changes = loaded.seating, list[Change]()
        for registration_id in sorted(erased_ids & set(loaded.people)):
            if seating.get(registration_id).status is Status.CANCELLED:
                continue
            ending = rules.cancel(seating, registration_id, ERASED)
            seating = seating.after(ending)
            changes += ending
        await store.save_changes(changes, at)
        await announce(
            store,
            [
                change_event(loaded, seating, c, at)
                for c in changes
                if c.registration_id not in erased_ids
            ],
            topic,
        )
    await store.erase_registrations(sorted(erased_ids), at)
    await announce(
        store,
        [
            RegistrationErased(registration_id=r.registration_id, session_id=r.session_id, at=at)
            for r in registrations
        ],
        topic,
    )
    return len(registrations)
