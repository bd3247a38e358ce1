"""What happens on leadership events, in matching rounds and on answers. Every transition is
announced on `mentoring.matches` through the outbox, with both people's names and work e-mail
so that notify can tell them."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from myndnet_kit.classify import Incoming
from myndnet_kit.logging import get_logger
from myndnet_schemas import Event
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.events import (
    AgencyState,
    EventData,
    ManagerAppointed,
    MatchAccepted,
    MatchDeclined,
    MatchEnded,
    MatchProposed,
    MentorVolunteered,
    MentorWithdrawn,
)
from myndnet_schemas.events.mentoring import DeclinedBy, EndReason
from myndnet_schemas.topics import service_source

from myndnet_mentoring.adapters.store import MentoringStore
from myndnet_mentoring.domain.match import (
    Actor,
    ManagerStatus,
    MatchNotFound,
    MatchStatus,
    Pairing,
    manager_after_end,
    propose,
)
from myndnet_mentoring.domain.matching import Key, Round, Weights, match_round
from myndnet_mentoring.domain.people import appointed, volunteered

log = get_logger(__name__)
SOURCE = service_source("mentoring")


@dataclass(frozen=True)
class Programme:
    weights: Weights
    months: int = 12
    respond_days: int = 14


@dataclass(frozen=True)
class RoundDone:
    """What a round did: who was proposed, and why the others still wait."""

    waiting_before: int
    mentor_places: int
    proposed: list[Pairing]
    result: Round


def now() -> datetime:
    return datetime.now(STOCKHOLM)


async def announce(store: MentoringStore, payloads: Sequence[EventData]) -> None:
    await store.announce(store.matches_topic, [Event.new(p, source=SOURCE) for p in payloads])


async def end_match(
    store: MentoringStore, pairing: Pairing, reason: EndReason, at: datetime, manager_leaves: bool
) -> EventData:
    """A live match ends; the manager waits for a new mentor unless they are the one leaving."""
    ended = pairing.match.end(reason.value, at)
    await store.save_match(ended)
    await store.set_manager_status(ended.manager, manager_after_end(manager_leaves))
    return MatchEnded(
        match_id=ended.match_id,
        **pairing.people(),
        at=at,
        reason=reason,
    )


async def decline(
    store: MentoringStore, pairing: Pairing, by: DeclinedBy, at: datetime
) -> EventData:
    """Declined (or expired): the pair is never proposed again, the manager waits again."""
    declined = pairing.match.decline(by.value, at)
    await store.save_match(declined)
    await store.exclude_pair(declined.manager, declined.mentor)
    await store.set_manager_status(declined.manager, ManagerStatus.WAITING)
    return MatchDeclined(
        match_id=declined.match_id,
        **pairing.people(),
        at=at,
        declined_by=by,
    )


# -- leadership events -------------------------------------------------------------------------


async def apply_leadership_events(store: MentoringStore, events: list[Incoming]) -> None:
    for incoming in events:
        agency, data = incoming.agency or "", incoming.event.data
        if isinstance(data, ManagerAppointed):
            await store.save_manager(appointed(agency, data))
        elif isinstance(data, MentorVolunteered):
            await store.save_volunteer(volunteered(agency, data))
        elif isinstance(data, MentorWithdrawn):
            await withdraw_mentor(store, (agency, data.person_id), now())


async def withdraw_mentor(store: MentoringStore, mentor: Key, at: datetime) -> None:
    """The mentor steps down: their live matches end and their mentees wait again."""
    if not await store.withdraw_volunteer(mentor):
        log.info("withdrawal of an unknown mentor ignored", mentor=f"{mentor[0]}/{mentor[1]}")
        return
    live = await store.live_pairings_of("mentor", mentor)
    await announce(
        store, [await end_match(store, p, EndReason.MENTOR_WITHDRAWN, at, False) for p in live]
    )


async def agency_changed(
    store: MentoringStore, before: AgencyState | None, after: AgencyState
) -> None:
    """An agency left: its mentors step down, its managers leave the programme."""
    if after.participates:
        return
    at = now()
    ended = []
    for pairing in await store.live_pairings_of_agency(after.code):
        manager_leaves = pairing.match.manager[0] == after.code
        ended.append(await end_match(store, pairing, EndReason.AGENCY_LEFT, at, manager_leaves))
    await store.agency_left(after.code)
    await announce(store, ended)


# -- matching rounds ---------------------------------------------------------------------------


async def run_round(
    store: MentoringStore, programme: Programme, at: datetime | None = None
) -> RoundDone:
    """One round over the whole waiting pool, one at a time across replicas."""
    at = at or now()
    async with store.transaction():
        await store.one_round_at_a_time()
        candidates = await store.candidates(at)
        mentors = await store.mentors_with_places()
        result = match_round(candidates, mentors, programme.weights, await store.rules())
        respond_by = at.date() + timedelta(days=programme.respond_days)
        proposed = []
        for proposal in result.proposals:
            match = propose(
                f"m-{uuid.uuid4().hex[:16]}",
                proposal.manager,
                proposal.mentor,
                proposal.score,
                proposal.reasons,
                at,
                respond_by,
            )
            await store.add_match(match)
            await store.set_manager_status(match.manager, ManagerStatus.PROPOSED, clear_reason=True)
            pairing = await store.pairing(match.match_id)
            assert pairing is not None
            proposed.append(pairing)
        await store.record_unmatched(result.unmatched)
        await announce(
            store,
            [
                MatchProposed(
                    match_id=p.match_id,
                    **p.people(),
                    at=at,
                    score=p.match.score,
                    reasons=list(p.match.reasons),
                    respond_by=respond_by,
                )
                for p in proposed
            ],
        )
    if proposed or result.unmatched:
        log.info("matching round", proposed=len(proposed), still_waiting=len(result.unmatched))
    return RoundDone(len(candidates), sum(m.free_slots for m in mentors), proposed, result)


# -- answers -----------------------------------------------------------------------------------


async def _live_match(store: MentoringStore, match_id: str) -> Pairing:
    found = await store.pairing(match_id, for_update=True)
    if found is None:
        raise MatchNotFound(f"no match {match_id!r}")
    return found


async def accept_match(
    store: MentoringStore,
    match_id: str,
    by: Actor,
    programme: Programme,
    at: datetime | None = None,
) -> Pairing:
    """`by` accepts (an operator for both); once both have, the programme starts."""
    at = at or now()
    async with store.transaction():
        pairing = await _live_match(store, match_id)
        after = pairing.match.accept(by, at, programme.months)
        if after != pairing.match:
            await store.save_match(after)
        if after.status is MatchStatus.ACCEPTED:
            assert after.ends_on is not None
            await store.set_manager_status(after.manager, ManagerStatus.MATCHED)
            await announce(
                store,
                [
                    MatchAccepted(
                        match_id=match_id,
                        **pairing.people(),
                        at=at,
                        ends_on=after.ends_on,
                    )
                ],
            )
    return Pairing(after, pairing.manager, pairing.mentor)


async def decline_match(
    store: MentoringStore, match_id: str, by: Actor, at: datetime | None = None
) -> Pairing:
    at = at or now()
    async with store.transaction():
        pairing = await _live_match(store, match_id)
        await announce(store, [await decline(store, pairing, DeclinedBy(by.value), at)])
        after = await store.pairing(match_id)
    assert after is not None
    return after


# -- as time passes ----------------------------------------------------------------------------


async def expire_proposals(store: MentoringStore, today: date, at: datetime | None = None) -> int:
    """Proposals nobody answered by their date expire; the manager is rematched."""
    at = at or now()
    async with store.transaction():
        due = await store.unanswered_proposals(today)
        await announce(store, [await decline(store, p, DeclinedBy.EXPIRY, at) for p in due])
    return len(due)


async def end_programmes(store: MentoringStore, today: date, at: datetime | None = None) -> int:
    """Programmes whose twelve months are over are completed."""
    at = at or now()
    async with store.transaction():
        due = await store.programmes_ending(today)
        await announce(
            store, [await end_match(store, p, EndReason.COMPLETED, at, True) for p in due]
        )
    return len(due)
