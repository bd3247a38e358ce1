"""Every trainings handler's decisions, on the in-memory store: no servers, milliseconds. What
only servers can show (the session lock under racing requests, the outbox relay, the HTTP
door) is in test_trainings_service.py."""

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.events import AgencyState
from myndnet_trainings.adapters.memory import MemoryTrainings
from myndnet_trainings.domain.seats import Status
from myndnet_trainings.domain.sessions import (
    Conflict,
    Course,
    NotFound,
    NotWorkAddress,
    RegistrationClosed,
    SessionInvalid,
    SessionPlan,
)
from myndnet_trainings.handlers import people, registrations, sessions
from myndnet_trainings.handlers.registrations import Request

TOPIC = "trainings.registrations"
NOW = datetime(2027, 2, 1, 10, 0, tzinfo=STOCKHOLM)
START = datetime(2027, 2, 20, 9, 0, tzinfo=STOCKHOLM)
NETWORK = {"csn", "skv"}


def agency(code: str, status: str = "active") -> AgencyState:
    return AgencyState(
        code=code,
        name=code.upper(),
        kind="agency",
        role="member",
        status=status,
        joined_on=date(2020, 1, 1),
        email_domains=[f"{code}.se"],
    )


def types(store: MemoryTrainings) -> list[str]:
    return [t.removeprefix("se.myndnet.training.") for t in store.announced_types(TOPIC)]


def registration_ids(store: MemoryTrainings, step: str) -> list[str]:
    return [
        e.data.registration_id
        for _, e in store.announced
        if e.type == f"se.myndnet.training.registration.{step}.v1"
    ]


async def scheduled(store: MemoryTrainings, seats: int = 3, **quotas: int) -> str:
    await sessions.create_course(
        store, Course("ledarskap", "Ledarskap", "", "leadership", "csn"), NETWORK
    )
    plan = SessionPlan(
        START,
        START + timedelta(hours=7),
        START.date() - timedelta(days=5),
        "Sundsvall",
        False,
        seats,
        quotas or {"csn": 2, "skv": 1},
    )
    session_id = await sessions.schedule_session(
        store, "ledarskap", plan, "sv", NETWORK, NOW, TOPIC
    )
    store.announced.clear()
    return session_id


async def asked(store: MemoryTrainings, sid: str, who: str, code: str = "csn", at=NOW) -> str:
    request = Request(sid, who.title(), f"{who}@{code}.se", code, "sv")
    return await registrations.request_registration(store, request, agency(code), at, TOPIC)


async def confirmed(store: MemoryTrainings, sid: str, who: str, code: str = "csn") -> str:
    registration_id = await asked(store, sid, who, code)
    await registrations.confirm_registration(store, registration_id, NOW, TOPIC)
    return registration_id


async def test_scheduling_announces_the_session_with_its_seats():
    store = MemoryTrainings()
    await sessions.create_course(store, Course("git", "Git", "", "it", "csn"), NETWORK)
    plan = SessionPlan(START, START + timedelta(hours=2), START.date(), None, True, 5, {})
    with pytest.raises(SessionInvalid):  # the deadline must be before the day
        await sessions.schedule_session(store, "git", plan, "sv", NETWORK, NOW, TOPIC)
    in_time = replace(plan, registration_deadline=NOW.date())
    with pytest.raises(NotFound):
        await sessions.schedule_session(store, "nope", in_time, "sv", NETWORK, NOW, TOPIC)
    assert await sessions.schedule_session(store, "git", in_time, "sv", NETWORK, NOW, TOPIC)
    assert types(store) == ["session.scheduled.v1"]
    with pytest.raises(SessionInvalid):
        await sessions.create_course(store, Course("x", "X", "", "it", "dom"), NETWORK)


async def test_a_request_is_kept_unconfirmed_and_asked_again_resends_after_ten_minutes():
    store = MemoryTrainings()
    sid = await scheduled(store)
    first = await asked(store, sid, "ebba")
    again = await asked(store, sid, "ebba", at=NOW + timedelta(minutes=9))
    assert again == first
    assert types(store) == ["registration.requested.v1"]
    later = await asked(store, sid, "ebba", at=NOW + timedelta(minutes=11))
    assert later == first
    assert types(store) == ["registration.requested.v1"] * 2
    person = await store.participant(first)
    assert person is not None and person.status is Status.UNCONFIRMED
    assert person.email == "ebba@csn.se"


async def test_requests_from_outside_the_agency_s_domains_or_after_the_deadline_are_refused():
    store = MemoryTrainings()
    sid = await scheduled(store)
    with pytest.raises(NotWorkAddress):
        await registrations.request_registration(
            store, Request(sid, "E", "ebba@gmail.com", "csn", "sv"), agency("csn"), NOW, TOPIC
        )
    with pytest.raises(NotWorkAddress):
        await registrations.request_registration(
            store, Request(sid, "E", "e@csn.se", "csn", "sv"), agency("csn", "left"), NOW, TOPIC
        )
    with pytest.raises(RegistrationClosed):
        await asked(store, sid, "ebba", at=START - timedelta(days=1))
    with pytest.raises(NotFound):
        await asked(store, "no-such-session", "ebba")
    assert store.announced == []
    assert await store.participants(sid) == []


async def test_confirming_gives_the_agency_s_seats_then_its_waitlist_and_again_nothing():
    store = MemoryTrainings()
    sid = await scheduled(store)
    a, b = await confirmed(store, sid, "anna"), await confirmed(store, sid, "bo")
    c = await asked(store, sid, "cecilia")
    state = await registrations.confirm_registration(store, c, NOW, TOPIC)
    assert state.seating.get(c).status is Status.WAITLISTED
    assert state.seating.place(c) == 1
    assert registration_ids(store, "confirmed") == [a, b]
    assert registration_ids(store, "waitlisted") == [c]
    before = len(store.announced)
    again = await registrations.confirm_registration(store, a, NOW, TOPIC)
    assert again.seating.get(a).status is Status.REGISTERED
    assert len(store.announced) == before


async def test_cancelling_promotes_the_first_waiting_of_the_agency_and_is_refused_once_started():
    store = MemoryTrainings()
    sid = await scheduled(store)
    a = await confirmed(store, sid, "anna")
    await confirmed(store, sid, "bo")
    c = await confirmed(store, sid, "cecilia")
    state = await registrations.cancel_registration(store, a, NOW, TOPIC)
    assert state.seating.get(a).status is Status.CANCELLED
    assert registration_ids(store, "promoted") == [c]
    promoted = next(e.data for _, e in store.announced if e.type.endswith("promoted.v1"))
    assert promoted.because.value == "seat_freed"

    before = len(store.announced)
    await registrations.cancel_registration(store, a, START + timedelta(hours=1), TOPIC)
    assert len(store.announced) == before  # cancelling again: nothing, even after the start
    with pytest.raises(RegistrationClosed):
        await registrations.cancel_registration(store, c, START, TOPIC)
    with pytest.raises(Conflict):
        await registrations.confirm_registration(store, a, NOW, TOPIC)
    with pytest.raises(NotFound):
        await registrations.show_registration(store, "r-unknown")


async def test_cancelling_a_session_tells_everyone_live_once():
    store = MemoryTrainings()
    sid = await scheduled(store)
    a, b = await confirmed(store, sid, "anna"), await confirmed(store, sid, "bo")
    c = await confirmed(store, sid, "cecilia")
    await registrations.cancel_registration(store, b, NOW, TOPIC)
    store.announced.clear()
    told = await sessions.cancel_session(store, sid, "sjukdom", NOW, TOPIC)
    assert told == 2
    assert types(store) == ["session.cancelled.v1"] + ["registration.cancelled.v1"] * 2
    assert set(registration_ids(store, "cancelled")) == {a, c}
    with pytest.raises(Conflict):
        await sessions.cancel_session(store, sid, None, NOW, TOPIC)
    assert [s.session_id for s in await store.upcoming_sessions(NOW)] == []


async def test_attendance_is_for_the_registered_and_announces_what_changed():
    store = MemoryTrainings()
    sid = await scheduled(store)
    a, b = await confirmed(store, sid, "anna"), await confirmed(store, sid, "bo")
    waiting = await confirmed(store, sid, "cecilia")
    store.announced.clear()
    with pytest.raises(SessionInvalid):
        await sessions.record_attendance(store, sid, {a: True, waiting: True}, NOW, TOPIC)
    assert store.announced == []
    assert await sessions.record_attendance(store, sid, {a: True, b: False}, NOW, TOPIC) == 2
    assert await sessions.record_attendance(store, sid, {a: True, b: True}, NOW, TOPIC) == 1
    marks = [(e.data.registration_id, e.data.attended) for _, e in store.announced]
    assert sorted(marks[:2]) == sorted([(a, True), (b, False)])
    assert marks[2:] == [(b, True)]


async def test_the_schedule_opens_unused_seats_reminds_and_does_nothing_more_the_second_time():
    store = MemoryTrainings()
    sid = await scheduled(store, seats=3, csn=1, skv=1)
    a = await confirmed(store, sid, "anna")
    b = await confirmed(store, sid, "bo")  # waitlisted: csn has one seat
    store.announced.clear()
    after_deadline = START.date() - timedelta(days=4)
    done = await sessions.run_schedule(store, after_deadline, TOPIC)
    assert done == {"deadlines": 1, "promoted": 1, "reminded": 0, "erased": 0}
    assert registration_ids(store, "promoted") == [b]
    assert (await sessions.run_schedule(store, after_deadline, TOPIC))["promoted"] == 0
    two_days_before = START.date() - timedelta(days=2)
    done = await sessions.run_schedule(store, two_days_before, TOPIC)
    assert done["reminded"] == 2
    assert sorted(registration_ids(store, "reminded")) == sorted([a, b])
    assert (await sessions.run_schedule(store, two_days_before, TOPIC))["reminded"] == 0


async def test_an_agency_leaving_ends_its_registrations_and_its_seats_wait_for_the_deadline():
    store = MemoryTrainings()
    sid = await scheduled(store)
    a = await confirmed(store, sid, "anna")
    s = await confirmed(store, sid, "sten", "skv")
    store.announced.clear()
    await sessions.agency_changed(store, agency("csn"), agency("csn", "left"), TOPIC)
    assert registration_ids(store, "cancelled") == [a]
    loaded = await sessions.one_session(store, sid)
    assert loaded.seating.get(s).status is Status.REGISTERED
    assert loaded.seating.seats_free_for("skv") == 0
    store.announced.clear()
    await sessions.agency_changed(store, agency("csn", "left"), agency("csn", "left"), TOPIC)
    assert store.announced == []


async def test_erasing_a_person_gives_their_seat_away_without_mailing_them_again():
    store = MemoryTrainings()
    sid = await scheduled(store)
    a = await confirmed(store, sid, "anna")
    await confirmed(store, sid, "bo")
    c = await confirmed(store, sid, "cecilia")
    store.announced.clear()
    assert await people.erase_person(store, "ANNA@csn.se", NOW, TOPIC) == 1
    assert types(store) == ["registration.promoted.v1", "registration.erased.v1"]
    assert registration_ids(store, "promoted") == [c]
    erased = await store.participant(a)
    assert erased is not None and (erased.name, erased.email) == (None, None)
    assert await people.erase_person(store, "anna@csn.se", NOW, TOPIC) == 0
    with pytest.raises(NotFound):
        await registrations.show_registration(store, a)


async def test_people_are_erased_24_months_after_their_last_session():
    store = MemoryTrainings()
    sid = await scheduled(store)
    a = await confirmed(store, sid, "anna")
    store.announced.clear()
    assert await people.erase_after_last_session(store, date(2029, 2, 20), TOPIC) == 0
    assert await people.erase_after_last_session(store, date(2029, 2, 21), TOPIC) == 1
    assert registration_ids(store, "erased") == [a]


async def test_what_the_public_sees_of_upcoming_sessions():
    store = MemoryTrainings()
    sid = await scheduled(store)
    await confirmed(store, sid, "anna")
    await asked(store, sid, "bo")
    [loaded] = await sessions.upcoming(store, NOW, None, None)
    assert loaded.session.session_id == sid
    assert loaded.seating.seats_left() == 2
    assert loaded.seating.seats_free_for("csn") == 1
    assert await sessions.upcoming(store, NOW, "other", None) == []
    assert await sessions.upcoming(store, START, None, None) == []
