"""What operators do with courses and sessions, what happens as time passes (`run_schedule`,
for any date) and when an agency leaves the network; and what the public sees of sessions."""

import secrets
from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from typing import Any

import asyncpg
from myndnet_kit.logging import get_logger
from myndnet_kit.schedule import every
from myndnet_schemas.clock import STOCKHOLM, stockholm_today
from myndnet_schemas.events import AgencyState
from myndnet_schemas.events.trainings import (
    AttendanceRecorded,
    CancelledBecause,
    RegistrationReminded,
    SessionCancelled,
    SessionScheduled,
)
from myndnet_schemas.topics import TRAININGS_REGISTRATIONS

from myndnet_trainings.adapters import trainings as repository
from myndnet_trainings.domain import seats as rules
from myndnet_trainings.domain.seats import Status
from myndnet_trainings.domain.sessions import (
    REMINDER_DAYS_BEFORE,
    Conflict,
    NotFound,
    SessionInvalid,
    SessionPlan,
    check_session,
)
from myndnet_trainings.handlers.people import erase_after_last_session
from myndnet_trainings.handlers.registrations import (
    announce,
    apply,
    load,
    registrant,
    session_facts,
)

log = get_logger(__name__)


async def create_course(
    conn: asyncpg.Connection,
    code: str,
    title: str,
    description: str,
    kind: str,
    host_agency: str,
    participating: Collection[str],
) -> asyncpg.Record:
    if host_agency not in participating:
        raise SessionInvalid(f"the host {host_agency!r} is not an agency of the network")
    return await repository.add_course(conn, code, title, description, kind, host_agency)


async def schedule_session(
    conn: asyncpg.Connection,
    course_code: str,
    plan: SessionPlan,
    language: str,
    participating: Collection[str],
    at: datetime,
    topic: str = TRAININGS_REGISTRATIONS,
) -> str:
    check_session(plan, participating, at.astimezone(STOCKHOLM).date())
    async with conn.transaction():
        if await repository.course(conn, course_code) is None:
            raise NotFound(f"no course {course_code!r}")
        local_start = plan.starts_at.astimezone(STOCKHOLM)
        session_id = f"{course_code}-{local_start:%Y%m%d}-{secrets.token_hex(2)}"
        await repository.add_session(conn, session_id, course_code, plan, language)
        row = await repository.session(conn, session_id)
        assert row is not None
        await announce(
            conn,
            [
                SessionScheduled(
                    session=session_facts(row),
                    total_seats=plan.total_seats,
                    seats_per_agency=dict(plan.seats_per_agency),
                    registration_deadline=plan.registration_deadline,
                    at=at,
                )
            ],
            topic,
        )
    return session_id


async def cancel_session(
    conn: asyncpg.Connection,
    session_id: str,
    reason: str | None,
    at: datetime,
    topic: str = TRAININGS_REGISTRATIONS,
) -> int:
    """The session will not take place: everyone on it is told. The number told."""
    async with conn.transaction():
        loaded = await load(conn, session_id)
        if loaded.row["status"] == "cancelled":
            raise Conflict(f"session {session_id!r} is already cancelled")
        if at >= loaded.row["starts_at"]:
            raise Conflict(f"session {session_id!r} has already started")
        changes = rules.cancel_all(loaded.seating, CancelledBecause.SESSION_CANCELLED.value)
        await repository.set_session(conn, session_id, status="cancelled")
        cancelled = SessionCancelled(session=loaded.facts, reason=reason, at=at)
        await announce(conn, [cancelled], topic)
        await apply(conn, loaded, changes, at, topic=topic)
    return len(changes)


async def record_attendance(
    conn: asyncpg.Connection,
    session_id: str,
    marks: dict[str, bool],
    at: datetime,
    topic: str = TRAININGS_REGISTRATIONS,
) -> int:
    """Who came, of those registered; each mark that changed is announced."""
    async with conn.transaction():
        loaded = await load(conn, session_id)
        strangers = [
            rid
            for rid in marks
            if rid not in loaded.people or loaded.seating.get(rid).status is not Status.REGISTERED
        ]
        if strangers:
            raise SessionInvalid(
                "attendance is recorded for registered people of this session only; not: "
                + ", ".join(sorted(strangers)[:10])
            )
        changed = await repository.mark_attendance(conn, session_id, marks)
        await announce(
            conn,
            [
                AttendanceRecorded(
                    registration_id=rid,
                    session_id=session_id,
                    agency=loaded.people[rid]["agency"],
                    kind=loaded.row["kind"],
                    attended=marks[rid],
                    at=at,
                )
                for rid in changed
            ],
            topic,
        )
    return len(changed)


# -- as time passes ------------------------------------------------------------------------


def moment(day: date) -> datetime:
    """The time a job run for `day` records: 07:00 in Stockholm that day."""
    return datetime.combine(day, time(7, 0), STOCKHOLM)


async def run_schedule(
    pool: asyncpg.Pool, today: date, topic: str = TRAININGS_REGISTRATIONS
) -> dict[str, int]:
    """What is due on `today`: people whose last session ended 24 months ago are erased;
    sessions past their registration deadline open their unused seats to the waitlists; people
    on sessions two days ahead are reminded. Running it twice
    for a day does nothing more the second time."""
    at = moment(today)
    done = {"deadlines": 0, "promoted": 0, "reminded": 0}
    async with pool.acquire() as conn:
        done["erased"] = await erase_after_last_session(conn, today, topic)
        for session_id in await repository.deadlines_passed(conn, today):
            async with conn.transaction():
                loaded = await load(conn, session_id)
                opened, changes = rules.pass_deadline(loaded.seating)
                await repository.set_session(conn, session_id, deadline_passed=True)
                await apply(conn, loaded, changes, at, seating=opened, topic=topic)
            done["deadlines"] += 1
            done["promoted"] += len(changes)
        first = datetime.combine(today, time(0), STOCKHOLM)
        last = first + timedelta(days=REMINDER_DAYS_BEFORE + 1)
        for session_id in await repository.reminders_due(conn, first, last):
            async with conn.transaction():
                loaded = await load(conn, session_id)
                registered = [
                    r for r in loaded.seating.registrations if r.status is Status.REGISTERED
                ]
                await announce(
                    conn,
                    [
                        RegistrationReminded(
                            registration_id=r.id,
                            session=loaded.facts,
                            person=registrant(loaded.people[r.id]),
                            at=at,
                        )
                        for r in registered
                    ],
                    topic,
                )
                await repository.set_session(conn, session_id, reminded=True)
            done["reminded"] += len(registered)
    return done


async def keep_schedule_running(pool: asyncpg.Pool, seconds: float, topic: str) -> None:
    async def today() -> None:
        await run_schedule(pool, stockholm_today(), topic)

    await every(seconds, today, "the trainings schedule")


async def agency_changed(
    conn: asyncpg.Connection,
    old: AgencyState | None,
    new: AgencyState,
    topic: str = TRAININGS_REGISTRATIONS,
) -> None:
    """An agency that leaves: its people's registrations on sessions still to come end, and
    they are told (in the membership follower's transaction)."""
    if new.participates or (old is not None and not old.participates):
        return
    at = datetime.now(STOCKHOLM)
    for session_id in await repository.sessions_with_agency(conn, new.code, at):
        loaded = await load(conn, session_id)
        changes = rules.cancel_agency(loaded.seating, new.code, CancelledBecause.AGENCY_LEFT.value)
        await apply(conn, loaded, changes, at, topic=topic)
        log.info("registrations ended: the agency left", session=session_id, count=len(changes))


# -- what people and operators see ---------------------------------------------------------


def session_json(
    row: asyncpg.Record, quotas: dict[str, int], people: list[asyncpg.Record]
) -> dict[str, Any]:
    seating = repository.seating(row, quotas, people)
    agencies = sorted(set(quotas) | {r.agency for r in seating.registrations})
    return {
        **session_facts(row).model_dump(mode="json"),
        "description": row["description"],
        "total_seats": row["total_seats"],
        "seats_left": seating.seats_left(),
        "registration_deadline": row["registration_deadline"].isoformat(),
        "registration_open": row["status"] == "scheduled" and not row["deadline_passed"],
        "deadline_passed": row["deadline_passed"],
        "status": row["status"],
        "agencies": [
            {
                "agency": agency,
                "seats": quotas.get(agency, 0),
                "registered": seating.registered(agency),
                "waitlisted": len(seating.waitlist(agency)),
                "seats_left": seating.seats_free_for(agency),
            }
            for agency in agencies
        ],
    }


async def upcoming(
    conn: asyncpg.Connection, at: datetime, course_code: str | None, kind: str | None
) -> list[dict[str, Any]]:
    rows = await repository.sessions(conn, at, course_code, kind)
    ids = [r["session_id"] for r in rows]
    quotas = await repository.seats(conn, ids)
    people = await repository.registrations_of_sessions(conn, ids)
    return [session_json(r, quotas[r["session_id"]], people.get(r["session_id"], [])) for r in rows]


async def one_session(conn: asyncpg.Connection, session_id: str) -> dict[str, Any]:
    row = await repository.session(conn, session_id)
    if row is None:
        raise NotFound(f"no session {session_id!r}")
    quotas = (await repository.seats(conn, [session_id]))[session_id]
    return session_json(row, quotas, await repository.registrations(conn, session_id))
