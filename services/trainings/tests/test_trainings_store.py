"""The store's contract, run against the in-memory fake and the PostgreSQL adapter alike, so
that the handlers' unit tests (on the fake) mean what they say about PostgreSQL."""

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta

import pytest
from myndnet_schemas import Event
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.events.trainings import SessionCancelled
from myndnet_testing import migrated_connection
from myndnet_trainings.adapters.memory import MemoryTrainings
from myndnet_trainings.adapters.postgres import PostgresTrainings
from myndnet_trainings.adapters.store import TrainingsStore
from myndnet_trainings.domain.figures import AgencyFigures
from myndnet_trainings.domain.people import Participant
from myndnet_trainings.domain.seats import Change, Status, Step
from myndnet_trainings.domain.sessions import CANCELLED, Conflict, Course, Session
from myndnet_trainings.main import MIGRATIONS

START = datetime(2027, 3, 10, 9, 0, tzinfo=STOCKHOLM)
IT = Course("git", "Git för alla", "Versionshantering", "it", "csn")
LEAD = Course("ledarskap", "Att leda", "", "leadership", "skv")


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.integration)])
async def store(request) -> AsyncIterator[TrainingsStore]:
    if request.param == "memory":
        yield MemoryTrainings()
        return
    async with migrated_connection("trainings", MIGRATIONS) as conn:
        yield PostgresTrainings(conn)


def session(session_id: str, course: Course = IT, days: int = 0, **fields) -> Session:
    starts = START + timedelta(days=days)
    return Session(
        session_id=session_id,
        course=course,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        place="Sundsvall",
        online=False,
        language="sv",
        total_seats=4,
        registration_deadline=starts.date() - timedelta(days=7),
        quotas=fields.pop("quotas", {"csn": 2, "skv": 1}),
        **fields,
    )


def person(registration_id: str, session_id: str, email: str, agency: str = "csn", **fields):
    return Participant(
        registration_id,
        session_id,
        agency,
        name=f"Namn {registration_id}",
        email=email,
        language="sv",
        requested_at=fields.pop("requested_at", START - timedelta(days=30)),
        **fields,
    )


async def with_courses(store: TrainingsStore) -> None:
    await store.add_course(IT)
    await store.add_course(LEAD)


async def test_courses_are_kept_by_code_and_listed_by_title(store):
    await with_courses(store)
    assert await store.course("git") == IT
    assert await store.course("nope") is None
    assert await store.courses() == [LEAD, IT]  # by title: "Att leda" before "Git för alla"
    with pytest.raises(Conflict):
        await store.add_course(Course("git", "Another", "", "other", "csn"))


async def test_a_session_comes_back_with_its_course_and_seats(store):
    await with_courses(store)
    await store.add_session(session("s1"))
    assert await store.session("s1") == session("s1")
    assert await store.session("s1", lock=True) == session("s1")
    assert await store.session("s9") is None


async def test_upcoming_sessions_are_the_scheduled_ones_after_the_moment_by_start(store):
    await with_courses(store)
    for s in (session("late", days=5), session("early"), session("lead", LEAD, days=2)):
        await store.add_session(s)
    await store.add_session(session("off", days=1, status=CANCELLED))
    before = START - timedelta(days=1)
    assert [s.session_id for s in await store.upcoming_sessions(before)] == [
        "early",
        "lead",
        "late",
    ]
    assert [s.session_id for s in await store.upcoming_sessions(START)] == ["lead", "late"]
    assert [s.session_id for s in await store.upcoming_sessions(before, "git")] == [
        "early",
        "late",
    ]
    assert [s.session_id for s in await store.upcoming_sessions(before, kind="leadership")] == [
        "lead"
    ]


async def test_a_session_s_state_is_saved_and_the_jobs_find_what_is_due(store):
    await with_courses(store)
    await store.add_session(session("s1"))
    await store.add_session(session("s2", days=10))
    deadline = session("s1").registration_deadline
    assert await store.deadlines_passed(deadline) == []
    assert await store.deadlines_passed(deadline + timedelta(days=1)) == ["s1"]
    first = START - timedelta(hours=1)
    assert await store.reminders_due(first, first + timedelta(days=3)) == ["s1"]

    await store.save_session_state(session("s1", deadline_passed=True, reminded=True))
    assert await store.deadlines_passed(deadline + timedelta(days=1)) == []
    assert await store.reminders_due(first, first + timedelta(days=3)) == []
    await store.save_session_state(session("s2", status=CANCELLED))
    assert (await store.session("s2")) == session("s2", days=10, status=CANCELLED)
    assert await store.deadlines_passed(date(2030, 1, 1)) == []


async def test_people_come_in_registration_order_then_by_request(store):
    await with_courses(store)
    await store.add_session(session("s1"))
    await store.add_session(session("s2"))
    for p in (
        person("r-a", "s1", "a@csn.se", requested_at=START - timedelta(days=3)),
        person("r-b", "s1", "b@csn.se", requested_at=START - timedelta(days=2)),
        person("r-c", "s1", "c@skv.se", "skv", requested_at=START - timedelta(days=1)),
        person("r-d", "s2", "d@csn.se"),
    ):
        await store.add_participant(p)
    first, second = await store.next_order(), await store.next_order()
    assert second > first
    at = START - timedelta(days=1)
    await store.save_changes(
        [
            Change("r-c", Status.REGISTERED, Step.CONFIRMED, Status.UNCONFIRMED, order=first),
            Change("r-b", Status.WAITLISTED, Step.WAITLISTED, Status.UNCONFIRMED, order=second),
        ],
        at,
    )
    people = await store.participants("s1")
    assert [p.registration_id for p in people] == ["r-c", "r-b", "r-a"]
    c = people[0]
    assert (c.status, c.order, c.confirmed_at, c.cancelled_at) == (
        Status.REGISTERED,
        first,
        at,
        None,
    )
    assert await store.participant("r-a") == person(
        "r-a", "s1", "a@csn.se", requested_at=START - timedelta(days=3)
    )
    assert await store.participant("r-x") is None

    later = at + timedelta(hours=1)
    await store.save_changes(
        [Change("r-c", Status.CANCELLED, Step.CANCELLED, Status.REGISTERED, "person")], later
    )
    cancelled = await store.participant("r-c")
    assert cancelled is not None
    assert (cancelled.status, cancelled.order, cancelled.confirmed_at) == (
        Status.CANCELLED,
        first,
        at,
    )
    assert (cancelled.cancelled_at, cancelled.cancelled_because) == (later, "person")
    live = await store.live_participants(["s1", "s2", "s3"])
    assert {k: [p.registration_id for p in v] for k, v in live.items()} == {
        "s1": ["r-b", "r-a"],
        "s2": ["r-d"],
        "s3": [],
    }
    assert await store.sessions_with_agency("csn", START - timedelta(days=1)) == ["s1", "s2"]
    assert await store.sessions_with_agency("skv", START - timedelta(days=1)) == []
    assert await store.sessions_with_agency("csn", START) == []

    again = START - timedelta(hours=2)
    await store.requested_again("r-a", again)
    asked = await store.participant("r-a")
    assert asked is not None and asked.requested_at == again


async def test_attendance_reports_only_the_marks_that_changed(store):
    await with_courses(store)
    await store.add_session(session("s1"))
    await store.add_participant(person("r-a", "s1", "a@csn.se"))
    await store.add_participant(person("r-b", "s1", "b@csn.se"))
    assert await store.mark_attendance("s1", {"r-b": True, "r-a": False}) == ["r-a", "r-b"]
    assert await store.mark_attendance("s1", {"r-a": False, "r-b": False}) == ["r-b"]
    assert await store.mark_attendance("s2", {"r-a": True}) == []
    marked = await store.participant("r-b")
    assert marked is not None and marked.attended is False


async def test_personal_data_is_found_by_address_and_by_last_session_and_erased(store):
    await with_courses(store)
    await store.add_session(session("old", days=-800))
    await store.add_session(session("new"))
    await store.add_participant(person("r-1", "old", "Ebba@CSN.se"))
    await store.add_participant(person("r-2", "new", "ebba@csn.se"))
    await store.add_participant(person("r-3", "old", "olle@csn.se"))
    found = await store.registrations_of_person("EBBA@csn.se")
    assert [(r.registration_id, r.session_id, r.status) for r in found] == [
        ("r-1", "old", "unconfirmed"),
        ("r-2", "new", "unconfirmed"),
    ]
    assert found[1].starts_at == START
    cutoff = START - timedelta(days=400)
    assert [r.registration_id for r in await store.registrations_last_seen_before(cutoff)] == [
        "r-3"
    ]
    at = START - timedelta(days=1)
    await store.erase_registrations(["r-1", "r-2"], at)
    assert await store.registrations_of_person("ebba@csn.se") == []
    erased = await store.participant("r-1")
    assert erased is not None
    assert (erased.name, erased.email, erased.erased_at) == (None, None, at)


async def test_figures_count_seats_of_sessions_not_cancelled(store):
    await with_courses(store)
    await store.add_session(session("s1"))
    await store.add_session(session("s2", LEAD, quotas={"skv": 3}))
    await store.add_session(session("off", status=CANCELLED, quotas={"csn": 4}))
    for p in (
        person("r-a", "s1", "a@csn.se"),
        person("r-b", "s1", "b@csn.se"),
        person("r-c", "s1", "c@csn.se"),
        person("r-d", "s1", "d@dom.se", "dom"),
        person("r-e", "off", "e@csn.se"),
    ):
        await store.add_participant(p)
    await store.save_changes(
        [
            Change(r, status, Step.CONFIRMED, Status.UNCONFIRMED, order=i)
            for i, (r, status) in enumerate(
                [
                    ("r-a", Status.REGISTERED),
                    ("r-b", Status.WAITLISTED),
                    ("r-d", Status.REGISTERED),
                    ("r-e", Status.REGISTERED),
                ],
                start=1,
            )
        ],
        START,
    )
    await store.mark_attendance("s1", {"r-a": True, "r-d": False})
    assert await store.figures() == [
        AgencyFigures("csn", "it", 2, 1, 1, 1),
        AgencyFigures("dom", "it", 0, 1, 0, 0),
        AgencyFigures("skv", "it", 1, 0, 0, 0),
        AgencyFigures("skv", "leadership", 3, 0, 0, 0),
    ]


async def test_figures_of_a_period_count_the_sessions_starting_in_it(store):
    await with_courses(store)
    await store.add_session(session("s1"))
    await store.add_session(session("later", LEAD, days=40, quotas={"skv": 3}))
    in_march = (START - timedelta(days=9), START + timedelta(days=21))
    assert await store.figures(in_march) == [
        AgencyFigures("csn", "it", 2, 0, 0, 0),
        AgencyFigures("skv", "it", 1, 0, 0, 0),
    ]
    assert await store.figures((START + timedelta(days=40), START + timedelta(days=41))) == [
        AgencyFigures("skv", "leadership", 3, 0, 0, 0)
    ]


async def test_a_failed_transaction_leaves_nothing_and_announces_nothing(store):
    await with_courses(store)
    await store.add_session(session("s1"))
    cancelled = SessionCancelled(session=session("s1").facts, reason=None, at=START)
    event = Event.new(cancelled, source="/myndnet/trainings")
    with pytest.raises(RuntimeError):
        async with store.transaction():
            await store.add_participant(person("r-a", "s1", "a@csn.se"))
            await store.save_session_state(session("s1", status=CANCELLED))
            await store.announce("trainings.registrations", [event])
            raise RuntimeError("refused")
    assert await store.participant("r-a") is None
    assert (await store.session("s1")) == session("s1")
    assert await announced(store) == 0
    async with store.transaction():
        await store.announce("trainings.registrations", [event])
    assert await announced(store) == 1


async def announced(store: TrainingsStore) -> int:
    """Events waiting to be published: the outbox's rows, or the fake's list."""
    if isinstance(store, MemoryTrainings):
        return len(store.announced)
    assert isinstance(store, PostgresTrainings)
    return int(await store.conn.fetchval("SELECT count(*) FROM outbox"))
