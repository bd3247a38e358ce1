"""What operators do with courses and sessions, what happens as time passes (`run_schedule`,
for any date) and when an agency leaves the network; and what the public sees of sessions."""

import secrets
from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from myndnet_kit.logging import get_logger
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.events import AgencyState
from myndnet_schemas.events.trainings import (
    AttendanceRecorded,
    CancelledBecause,
    RegistrationReminded,
    SessionCancelled,
    SessionScheduled,
)
from myndnet_schemas.topics import TRAININGS_REGISTRATIONS

from myndnet_trainings.adapters.store import TrainingsStore
from myndnet_trainings.domain import seats as rules
from myndnet_trainings.domain.people import by_id, seating
from myndnet_trainings.domain.seats import Status
from myndnet_trainings.domain.sessions import (
    CANCELLED,
    REMINDER_DAYS_BEFORE,
    Course,
    NotFound,
    SessionInvalid,
    SessionPlan,
    check_session,
    new_session,
)
from myndnet_trainings.handlers.people import erase_after_last_session
from myndnet_trainings.handlers.registrations import Loaded, announce, apply, load

log = get_logger(__name__)


async def create_course(
    store: TrainingsStore, course: Course, participating: Collection[str]
) -> Course:
    if course.host_agency not in participating:
        raise SessionInvalid(f"the host {course.host_agency!r} is not an agency of the network")
    await store.add_course(course)
    return course


async def schedule_session(
    store: TrainingsStore,
    course_code: str,
    plan: SessionPlan,
    language: str,
    participating: Collection[str],
    at: datetime,
    topic: str = TRAININGS_REGISTRATIONS,
) -> str:
    check_session(plan, participating, at.astimezone(STOCKHOLM).date())
    async with store.transaction():
        course = await store.course(course_code)
        if course is None:
            raise NotFound(f"no course {course_code!r}")
        local_start = plan.starts_at.astimezone(STOCKHOLM)
        session_id = f"{course_code}-{local_start:%Y%m%d}-{secrets.token_hex(2)}"
        session = new_session(session_id, course, plan, language)
        await store.add_session(session)
        await announce(
            store,
            [
                SessionScheduled(
                    session=session.facts,
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
    store: TrainingsStore,
    session_id: str,
    reason: str | None,
    at: datetime,
    topic: str = TRAININGS_REGISTRATIONS,
) -> int:
    """The session will not take place: everyone on it is told. The number told."""
    async with store.transaction():
        loaded = await load(store, session_id)
        loaded.session.check_session_cancellable(at)
        changes = rules.cancel_all(loaded.seating, CancelledBecause.SESSION_CANCELLED.value)
        await store.save_session_state(replace(loaded.session, status=CANCELLED))
        cancelled = SessionCancelled(session=loaded.session.facts, reason=reason, at=at)
        await announce(store, [cancelled], topic)
        await apply(store, loaded, changes, at, topic=topic)
    return len(changes)


async def record_attendance(
    store: TrainingsStore,
    session_id: str,
    marks: Mapping[str, bool],
    at: datetime,
    topic: str = TRAININGS_REGISTRATIONS,
) -> int:
    """Who came, of those registered; each mark that changed is announced."""
    async with store.transaction():
        loaded = await load(store, session_id)
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
        changed = await store.mark_attendance(session_id, marks)
        await announce(
            store,
            [
                AttendanceRecorded(
                    registration_id=rid,
                    session_id=session_id,
                    agency=loaded.people[rid].agency,
                    kind=loaded.session.course.kind,
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
    store: TrainingsStore, today: date, topic: str = TRAININGS_REGISTRATIONS
) -> dict[str, int]:
    """What is due on `today`: people whose last session ended 24 months ago are erased;
    sessions past their registration deadline open their unused seats to the waitlists; people
    on sessions two days ahead are reminded. Running it twice
    for a day does nothing more the second time."""
    at = moment(today)
    done = {"deadlines": 0, "promoted": 0, "reminded": 0}
    done["erased"] = await erase_after_last_session(store, today, topic)
    for session_id in await store.deadlines_passed(today):
        async with store.transaction():
            loaded = await load(store, session_id)
            opened, changes = rules.pass_deadline(loaded.seating)
            await store.save_session_state(replace(loaded.session, deadline_passed=True))
            await apply(store, loaded, changes, at, seating=opened, topic=topic)
        done["deadlines"] += 1
        done["promoted"] += len(changes)
    first = datetime.combine(today, time(0), STOCKHOLM)
    last = first + timedelta(days=REMINDER_DAYS_BEFORE + 1)
    for session_id in await store.reminders_due(first, last):
        async with store.transaction():
            loaded = await load(store, session_id)
            registered = [r for r in loaded.seating.registrations if r.status is Status.REGISTERED]
            await announce(
                store,
                [
                    RegistrationReminded(
                        registration_id=r.id,
                        session=loaded.session.facts,
                        person=loaded.people[r.id].registrant,
                        at=at,
                    )
                    for r in registered
                ],
                topic,
            )
            await store.save_session_state(replace(loaded.session, reminded=True))
        done["reminded"] += len(registered)
    return done


async def agency_changed(
    store: TrainingsStore,
    old: AgencyState | None,
    new: AgencyState,
    topic: str = TRAININGS_REGISTRATIONS,
) -> None:
    """An agency that leaves: its people's registrations on sessions still to come end, and
    they are told (in the membership follower's transaction)."""
    if new.participates or (old is not None and not old.participates):
        return
    at = datetime.now(STOCKHOLM)
    for session_id in await store.sessions_with_agency(new.code, at):
        loaded = await load(store, session_id)
        changes = rules.cancel_agency(loaded.seating, new.code, CancelledBecause.AGENCY_LEFT.value)
        await apply(store, loaded, changes, at, topic=topic)
        log.info("registrations ended: the agency left", session=session_id, count=len(changes))


# -- what people and operators see ---------------------------------------------------------


async def upcoming(
    store: TrainingsStore, at: datetime, course_code: str | None, kind: str | None
) -> list[Loaded]:
    """Sessions still to come, each with its seats as they stand."""
    sessions = await store.upcoming_sessions(at, course_code, kind)
    people = await store.live_participants([s.session_id for s in sessions])
    return [
        Loaded(s, seating(s, people[s.session_id]), by_id(people[s.session_id])) for s in sessions
    ]


async def one_session(store: TrainingsStore, session_id: str) -> Loaded:
    session = await store.session(session_id)
    if session is None:
        raise NotFound(f"no session {session_id!r}")
    people = await store.participants(session_id)
    return Loaded(session, seating(session, people), by_id(people))
