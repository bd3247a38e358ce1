"""What happens on leadership events, in matching rounds, on people's answers, and as time
passes. Every transition is announced on `mentoring.matches` through the outbox, with both
people's names and work e-mail so that notify can tell them."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
from myndnet_kit.classify import Incoming
from myndnet_kit.logging import get_logger
from myndnet_kit.outbox import publish_events
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
from myndnet_schemas.topics import MENTORING_MATCHES, service_source

from myndnet_mentoring.adapters import programme as repository
from myndnet_mentoring.domain.match import Actor, MatchNotFound, MatchStatus
from myndnet_mentoring.domain.matching import Key, Weights, match_round

log = get_logger(__name__)
SOURCE = service_source("mentoring")


@dataclass(frozen=True)
class Programme:
    weights: Weights
    months: int = 12
    respond_days: int = 14


def now() -> datetime:
    return datetime.now(STOCKHOLM)


async def announce(conn: asyncpg.Connection, payloads: Sequence[EventData]) -> None:
    await publish_events(conn, MENTORING_MATCHES, [Event.new(p, source=SOURCE) for p in payloads])


async def _end(
    conn: asyncpg.Connection,
    row: asyncpg.Record,
    reason: EndReason,
    at: datetime,
    manager_status: str,
) -> EventData:
    ended = repository.match_of(row).end(reason.value, at)
    await repository.save_match(conn, ended)
    await repository.set_manager_status(conn, ended.manager, manager_status)
    manager, mentor = repository.parties(row)
    return MatchEnded(
        match_id=row["match_id"], manager=manager, mentor=mentor, at=at, reason=reason
    )


# -- leadership events -------------------------------------------------------------------------


async def apply_leadership_events(conn: asyncpg.Connection, events: list[Incoming]) -> None:
    for incoming in events:
        agency, data = incoming.agency or "", incoming.event.data
        if isinstance(data, ManagerAppointed):
            await repository.save_manager(conn, agency, data)
        elif isinstance(data, MentorVolunteered):
            await repository.save_mentor(conn, agency, data)
        elif isinstance(data, MentorWithdrawn):
            await withdraw_mentor(conn, (agency, data.person_id), now())


async def withdraw_mentor(conn: asyncpg.Connection, mentor: Key, at: datetime) -> None:
    """The mentor steps down: their live matches end and their mentees wait again."""
    if not await repository.withdraw_mentor(conn, mentor):
        log.info("withdrawal of an unknown mentor ignored", mentor=f"{mentor[0]}/{mentor[1]}")
        return
    live = await repository.live_matches_of_mentor(conn, mentor)
    await announce(
        conn, [await _end(conn, row, EndReason.MENTOR_WITHDRAWN, at, "waiting") for row in live]
    )


async def agency_changed(
    conn: asyncpg.Connection, before: AgencyState | None, after: AgencyState
) -> None:
    """An agency left: its mentors step down, its managers leave the programme."""
    if after.participates:
        return
    at = now()
    live = await repository.live_matches_of_agency(conn, after.code)
    ended = []
    for row in live:
        manager_leaves = row["manager_agency"] == after.code
        ended.append(
            await _end(
                conn, row, EndReason.AGENCY_LEFT, at, "completed" if manager_leaves else "waiting"
            )
        )
    await repository.agency_left(conn, after.code)
    await announce(conn, ended)


# -- matching rounds ---------------------------------------------------------------------------


async def run_round(
    pool: asyncpg.Pool, programme: Programme, at: datetime | None = None
) -> dict[str, Any]:
    """One round over the whole waiting pool; returns what it did and why others wait."""
    at = at or now()
    async with pool.acquire() as conn, conn.transaction():
        await repository.one_round_at_a_time(conn)
        candidates = await repository.candidates(conn, at)
        mentors = await repository.mentors_with_places(conn)
        result = match_round(candidates, mentors, programme.weights, await repository.rules(conn))
        respond_by = at.date() + timedelta(days=programme.respond_days)
        proposed = []
        for proposal in result.proposals:
            match_id = f"m-{uuid.uuid4().hex[:16]}"
            await repository.add_match(
                conn,
                match_id,
                proposal.manager,
                proposal.mentor,
                proposal.score,
                proposal.reasons,
                at,
                respond_by,
            )
            row = await repository.match(conn, match_id)
            assert row is not None
            manager, mentor = repository.parties(row)
            proposed.append(
                MatchProposed(
                    match_id=match_id,
                    manager=manager,
                    mentor=mentor,
                    at=at,
                    score=proposal.score,
                    reasons=list(proposal.reasons),
                    respond_by=respond_by,
                )
            )
        await repository.record_unmatched(conn, result.unmatched)
        await announce(conn, proposed)
    summary = {
        "waiting_before": len(candidates),
        "mentor_places": sum(m.free_slots for m in mentors),
        "proposed": [
            {
                "match_id": p.match_id,
                "manager": f"{p.manager.agency}/{p.manager.person_id}",
                "mentor": f"{p.mentor.agency}/{p.mentor.person_id}",
                "score": p.score,
                "reasons": p.reasons,
            }
            for p in proposed
        ],
        "still_waiting": {
            f"{k[0]}/{k[1]}": reason for k, reason in sorted(result.unmatched.items())
        },
        "total_score": round(result.total_score, 6),
    }
    if proposed or result.unmatched:
        log.info("matching round", proposed=len(proposed), still_waiting=len(result.unmatched))
    return summary


# -- answers -----------------------------------------------------------------------------------


async def _live_match(conn: asyncpg.Connection, match_id: str) -> asyncpg.Record:
    row = await repository.match(conn, match_id, for_update=True)
    if row is None:
        raise MatchNotFound(f"no match {match_id!r}")
    return row


async def accept_match(
    conn: asyncpg.Connection,
    match_id: str,
    by: Actor,
    programme: Programme,
    at: datetime | None = None,
) -> asyncpg.Record:
    at = at or now()
    async with conn.transaction():
        row = await _live_match(conn, match_id)
        before = repository.match_of(row)
        after = before.accept(by, at, programme.months)
        if after != before:
            await repository.save_match(conn, after)
        if after.status is MatchStatus.ACCEPTED:
            assert after.ends_on is not None
            await repository.set_manager_status(conn, after.manager, "matched")
            manager, mentor = repository.parties(row)
            await announce(
                conn,
                [
                    MatchAccepted(
                        match_id=match_id,
                        manager=manager,
                        mentor=mentor,
                        at=at,
                        ends_on=after.ends_on,
                    )
                ],
            )
        updated = await repository.match(conn, match_id)
    assert updated is not None
    return updated


async def _decline(
    conn: asyncpg.Connection, row: asyncpg.Record, by: DeclinedBy, at: datetime
) -> EventData:
    declined = repository.match_of(row).decline(by.value, at)
    await repository.save_match(conn, declined)
    await repository.exclude_pair(conn, declined.manager, declined.mentor)
    await repository.set_manager_status(conn, declined.manager, "waiting")
    manager, mentor = repository.parties(row)
    return MatchDeclined(
        match_id=row["match_id"], manager=manager, mentor=mentor, at=at, declined_by=by
    )


async def decline_match(
    conn: asyncpg.Connection, match_id: str, by: Actor, at: datetime | None = None
) -> asyncpg.Record:
    at = at or now()
    async with conn.transaction():
        row = await _live_match(conn, match_id)
        await announce(conn, [await _decline(conn, row, DeclinedBy(by.value), at)])
        updated = await repository.match(conn, match_id)
    assert updated is not None
    return updated


# -- as time passes ----------------------------------------------------------------------------


async def expire_proposals(pool: asyncpg.Pool, today: date, at: datetime | None = None) -> int:
    """Proposals nobody answered by their date expire; the manager is rematched."""
    at = at or now()
    async with pool.acquire() as conn, conn.transaction():
        due = await repository.unanswered_proposals(conn, today)
        await announce(conn, [await _decline(conn, row, DeclinedBy.EXPIRY, at) for row in due])
    return len(due)


async def end_programmes(pool: asyncpg.Pool, today: date, at: datetime | None = None) -> int:
    at = at or now()
    async with pool.acquire() as conn, conn.transaction():
        due = await repository.programmes_ending(conn, today)
        await announce(
            conn, [await _end(conn, row, EndReason.COMPLETED, at, "completed") for row in due]
        )
    return len(due)
