"""The store's contract, run against the in-memory fake and the PostgreSQL adapter alike, so
that the handlers' unit tests (on the fake) mean what they say about PostgreSQL."""

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from myndnet_mentoring.adapters.memory import MemoryMentoring
from myndnet_mentoring.adapters.postgres import PostgresMentoring
from myndnet_mentoring.adapters.store import MentoringStore
from myndnet_mentoring.domain.followup import Answer, Checkin, Pair
from myndnet_mentoring.domain.match import Actor, ManagerStatus, MatchStatus, propose
from myndnet_mentoring.domain.people import (
    AgencyFlow,
    Manager,
    Person,
    Volunteer,
    VolunteerStatus,
)
from myndnet_mentoring.main import MIGRATIONS
from myndnet_schemas import Event
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.events import PersonErased
from myndnet_testing import migrated_connection

T0 = datetime(2027, 1, 4, 9, 0, tzinfo=STOCKHOLM)


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.integration)])
async def store(request) -> AsyncIterator[MentoringStore]:
    if request.param == "memory":
        yield MemoryMentoring()
        return
    async with migrated_connection("mentoring", MIGRATIONS) as conn:
        yield PostgresMentoring(conn)


def manager(agency: str, person_id: str, days_waiting: int = 10, **fields) -> Manager:
    return Manager(
        agency,
        person_id,
        fields.pop("name", f"Chef {person_id}"),
        f"{person_id.lower()}@{agency}.se",
        "Enhetschef",
        None,
        date(2027, 1, 1),
        fields.pop("competence_areas", ("it",)),
        fields.pop("languages", ("sv",)),
        "Sundsvall",
        waiting_since=T0 - timedelta(days=days_waiting),
        **fields,
    )


def volunteer(agency: str, person_id: str, capacity: int = 2, **fields) -> Volunteer:
    return Volunteer(
        agency,
        person_id,
        fields.pop("name", f"Mentor {person_id}"),
        f"{person_id.lower()}@{agency}.se",
        "Avdelningschef",
        "HR",
        ("it", "hr"),
        fields.pop("languages", ("sv", "en")),
        "Sundsvall",
        8,
        capacity,
        **fields,
    )


def proposed(match_id: str, m: Manager, v: Volunteer, at: datetime = T0, days: int = 14):
    return propose(match_id, m.key, v.key, 3.5, ("it",), at, at.date() + timedelta(days=days))


async def people(store: MentoringStore) -> tuple[list[Manager], list[Volunteer]]:
    managers = [manager("csn", "M1", 20), manager("skv", "M2", 10), manager("csn", "M3", 5)]
    volunteers = [volunteer("skv", "T1"), volunteer("csn", "T2", capacity=1)]
    for m in managers:
        await store.save_manager(m)
    for v in volunteers:
        await store.save_volunteer(v)
    return managers, volunteers


async def test_a_manager_waits_and_an_update_only_refreshes_their_details(store):
    await store.save_manager(manager("csn", "M1"))
    await store.set_manager_status(("csn", "M1"), ManagerStatus.PROPOSED)
    await store.save_manager(manager("csn", "M1", 0, name="Ny Chef", competence_areas=("hr",)))
    [found] = await store.managers()
    assert (found.name, found.competence_areas, found.status) == (
        "Ny Chef",
        ("hr",),
        ManagerStatus.PROPOSED,
    )
    assert found.waiting_since == T0 - timedelta(days=10)  # kept from the first time


async def test_managers_by_status_in_order_of_waiting(store):
    managers, _ = await people(store)
    await store.set_manager_status(("skv", "M2"), ManagerStatus.MATCHED)
    assert [m.person_id for m in await store.managers()] == ["M1", "M2", "M3"]
    assert [m.person_id for m in await store.managers(ManagerStatus.WAITING)] == ["M1", "M3"]
    assert await store.managers(ManagerStatus.COMPLETED) == []
    assert (await store.managers(ManagerStatus.WAITING))[0] == managers[0]


async def test_mentors_volunteer_withdraw_and_volunteer_again(store):
    _, volunteers = await people(store)
    assert await store.volunteers() == sorted(volunteers, key=lambda v: v.key)
    assert await store.withdraw_volunteer(("skv", "T1")) is True
    assert await store.withdraw_volunteer(("skv", "nobody")) is False
    withdrawn = {v.key: v for v in await store.volunteers()}[("skv", "T1")]
    assert (withdrawn.status, withdrawn.free_places) == (VolunteerStatus.WITHDRAWN, 0)
    assert [m.key for m in await store.mentors_with_places()] == [("csn", "T2")]
    await store.save_volunteer(volunteer("skv", "T1", capacity=3))
    again = {v.key: v for v in await store.volunteers()}[("skv", "T1")]
    assert (again.status, again.capacity) == (VolunteerStatus.ACTIVE, 3)


async def test_a_round_sees_the_waiting_and_the_free_places(store):
    managers, volunteers = await people(store)
    await store.add_match(proposed("m-1", managers[0], volunteers[1]))
    await store.set_manager_status(managers[0].key, ManagerStatus.PROPOSED, clear_reason=True)
    candidates = await store.candidates(T0)
    assert [(c.key, c.waiting_days) for c in candidates] == [
        (("csn", "M3"), 5),
        (("skv", "M2"), 10),
    ]
    assert candidates[0].competence_areas == frozenset({"it"})
    mentors = await store.mentors_with_places()
    assert [(m.key, m.free_slots) for m in mentors] == [(("skv", "T1"), 2)]
    assert mentors[0].languages == frozenset({"sv", "en"})
    mentees = {v.key: v.current_mentees for v in await store.volunteers()}
    assert mentees == {("csn", "T2"): 1, ("skv", "T1"): 0}


async def test_the_rules_hold_declined_pairs_forbidden_agencies_and_the_balance(store):
    managers, volunteers = await people(store)
    await store.add_match(proposed("m-1", managers[0], volunteers[0]))  # skv gives, csn gets
    await store.add_match(proposed("m-2", managers[1], volunteers[1]))  # csn gives, skv gets
    await store.add_match(proposed("m-3", managers[2], volunteers[0]))  # skv gives, csn gets
    declined = (await store.pairing("m-3")).match.decline("manager", T0)
    await store.save_match(declined)
    await store.exclude_pair(managers[2].key, volunteers[0].key)
    await store.exclude_pair(managers[2].key, volunteers[0].key)  # twice: once
    await store.forbid_pair("dom", "tull")
    rules = await store.rules()
    assert rules.excluded_pairs == {(("csn", "M3"), ("skv", "T1"))}
    assert rules.forbidden_agency_pairs == {frozenset({"dom", "tull"})}
    assert rules.agency_balance == {"csn": 0.0, "skv": 0.0}  # the declined match not counted


async def test_why_the_last_round_left_a_manager_waiting_is_kept_until_proposed(store):
    await people(store)
    await store.record_unmatched({("csn", "M1"): "no mentor shares a language"})
    await store.record_unmatched({})
    [m1] = [m for m in await store.managers() if m.person_id == "M1"]
    assert m1.unmatched_reason == "no mentor shares a language"
    await store.set_manager_status(("csn", "M1"), ManagerStatus.WAITING)
    assert (await store.managers())[0].unmatched_reason == "no mentor shares a language"
    await store.set_manager_status(("csn", "M1"), ManagerStatus.PROPOSED, clear_reason=True)
    assert (await store.managers())[0].unmatched_reason is None


async def test_a_match_comes_back_with_its_people_and_its_transitions(store):
    managers, volunteers = await people(store)
    match = proposed("m-1", managers[0], volunteers[0])
    await store.add_match(match)
    pairing = await store.pairing("m-1", for_update=True)
    assert pairing is not None and pairing.match == match
    assert (pairing.manager.name, pairing.manager.email, pairing.manager.language) == (
        "Chef M1",
        "m1@csn.se",
        "sv",
    )
    assert (pairing.mentor.agency, pairing.mentor.title) == ("skv", "Avdelningschef")
    assert await store.pairing("m-9") is None

    half = match.accept(Actor.MANAGER, T0 + timedelta(days=1), 12)
    await store.save_match(replace(half, reminded_on=T0.date(), checkins_announced=(1, 3)))
    stored = (await store.pairing("m-1")).match
    assert stored.manager_accepted_at == T0 + timedelta(days=1)
    assert (stored.reminded_on, stored.checkins_announced) == (T0.date(), (1, 3))
    accepted = half.accept(Actor.MENTOR, T0 + timedelta(days=2), 12)
    await store.save_match(accepted)
    stored = (await store.pairing("m-1")).match
    assert (stored.status, stored.ends_on) == (MatchStatus.ACCEPTED, date(2028, 1, 6))
    assert stored.accepted_at == T0 + timedelta(days=2)


async def test_matches_are_found_by_what_is_due(store):
    managers, volunteers = await people(store)
    m1, m2, m3 = managers
    t1, t2 = volunteers
    await store.add_match(proposed("m-a", m1, t1, T0, days=3))
    await store.add_match(proposed("m-b", m2, t2, T0 + timedelta(hours=1), days=10))
    await store.add_match(proposed("m-c", m3, t1, T0 + timedelta(hours=2), days=14))
    accepted = (await store.pairing("m-c")).match.accept(Actor.OPERATOR, T0, 12)
    await store.save_match(accepted)

    def ids(found):
        return [p.match_id for p in found]

    assert ids(await store.pairings()) == ["m-a", "m-b", "m-c"]
    assert ids(await store.pairings("proposed")) == ["m-a", "m-b"]
    assert ids(await store.live_pairings_of("mentor", t1.key)) == ["m-a", "m-c"]
    assert ids(await store.live_pairings_of("manager", m2.key)) == ["m-b"]
    assert ids(await store.live_pairings_of_agency("csn")) == ["m-a", "m-b", "m-c"]
    assert ids(await store.live_pairings_of_agency("tull")) == []
    day = T0.date()
    assert ids(await store.unanswered_proposals(day + timedelta(days=3))) == []
    assert ids(await store.unanswered_proposals(day + timedelta(days=4))) == ["m-a"]
    assert ids(await store.proposals_to_remind(day, day + timedelta(days=3))) == ["m-a"]
    assert ids(await store.proposals_to_remind(day + timedelta(days=4), day + timedelta(11))) == [
        "m-b"
    ]
    assert ids(await store.accepted_pairings()) == ["m-c"]
    assert accepted.ends_on is not None
    assert ids(await store.programmes_ending(accepted.ends_on - timedelta(days=1))) == []
    assert ids(await store.programmes_ending(accepted.ends_on)) == ["m-c"]
    reminded = replace((await store.pairing("m-a")).match, reminded_on=day)
    await store.save_match(reminded)
    assert ids(await store.proposals_to_remind(day, day + timedelta(days=3))) == []


async def test_forbidden_agency_pairs_are_kept_once_and_removed(store):
    await store.forbid_pair("csn", "skv")
    await store.forbid_pair("csn", "skv")
    await store.forbid_pair("bolagsverket", "tull")
    assert await store.forbidden_pairs() == [("bolagsverket", "tull"), ("csn", "skv")]
    await store.allow_pair("csn", "skv")
    await store.allow_pair("csn", "skv")
    assert await store.forbidden_pairs() == [("bolagsverket", "tull")]


async def test_a_link_works_once_and_a_check_in_is_kept_once_a_person_and_month(store):
    managers, volunteers = await people(store)
    await store.add_match(proposed("m-1", managers[0], volunteers[0]))
    assert await store.link_was_used(b"digest") is False
    assert await store.use_link(b"digest") is True
    assert await store.use_link(b"digest") is False
    assert await store.link_was_used(b"digest") is True
    checkin = Checkin(True, 2, 4, "bra")
    assert await store.save_checkin("m-1", "manager", 1, checkin) is True
    assert await store.save_checkin("m-1", "manager", 1, Checkin(False, 0, 1)) is False
    assert await store.save_checkin("m-1", "mentor", 1, Checkin(False, 0, 2)) is True
    _, answers, _ = await store.figures_input()
    assert answers == [Answer("m-1", 1, True, 4), Answer("m-1", 1, False, 2)]


async def test_figures_count_given_and_received_and_who_waits(store):
    managers, volunteers = await people(store)
    await store.add_match(proposed("m-1", managers[0], volunteers[0]))
    await store.add_match(proposed("m-2", managers[1], volunteers[1]))
    accepted = (await store.pairing("m-1")).match.accept(Actor.OPERATOR, T0, 12)
    await store.save_match(accepted)
    await store.save_match((await store.pairing("m-2")).match.decline("expiry", T0))
    await store.set_manager_status(managers[0].key, ManagerStatus.MATCHED)
    await store.set_manager_status(managers[1].key, ManagerStatus.WAITING)
    await store.record_unmatched({managers[1].key: "no free mentor"})
    assert await store.agency_flows() == [
        AgencyFlow("csn", 0, 1, 1),
        AgencyFlow("skv", 1, 0, 1),
    ]
    pairs, answers, waiting = await store.figures_input()
    assert pairs == [Pair("m-1", "csn", "skv", T0.date(), "accepted", None)]
    assert answers == []
    assert [(w.agency, w.person_id, w.why) for w in waiting] == [
        ("skv", "M2", "no free mentor"),
        ("csn", "M3", None),
    ]
    assert all(isinstance(w.since, date) for w in waiting)


async def test_an_agency_leaving_withdraws_its_mentors_and_ends_its_waiting(store):
    await people(store)
    await store.set_manager_status(("csn", "M3"), ManagerStatus.MATCHED)
    await store.agency_left("csn")
    statuses = {m.person_id: m.status for m in await store.managers()}
    assert statuses == {
        "M1": ManagerStatus.COMPLETED,
        "M2": ManagerStatus.WAITING,
        "M3": ManagerStatus.MATCHED,
    }
    assert {v.person_id: v.status for v in await store.volunteers()} == {
        "T1": VolunteerStatus.ACTIVE,
        "T2": VolunteerStatus.WITHDRAWN,
    }


async def test_people_are_found_for_erasure_and_erased_under_a_new_id(store):
    managers, volunteers = await people(store)
    await store.save_volunteer(volunteer("tull", "M1"))  # the same HR id at another agency
    await store.add_match(proposed("m-1", managers[0], volunteers[0]))
    await store.add_match(proposed("m-2", managers[1], volunteers[0]))
    ended = (await store.pairing("m-1")).match.decline("manager", T0)
    await store.save_match(ended)
    await store.exclude_pair(managers[0].key, volunteers[0].key)
    assert await store.people_named("M1") == [
        Person("manager", "csn", "M1"),
        Person("mentor", "tull", "M1"),
    ]
    assert await store.people_named("nobody") == []
    after = T0 + timedelta(days=1)
    assert await store.people_done_before(after) == [Person("manager", "csn", "M1")]
    assert await store.people_done_before(T0) == []

    await store.erase_person(Person("manager", "csn", "M1"), "erased-1")
    assert await store.people_named("M1") == [Person("mentor", "tull", "M1")]
    [erased] = [m for m in await store.managers() if m.person_id == "erased-1"]
    assert (erased.name, erased.email, erased.status) == ("", "", ManagerStatus.COMPLETED)
    assert erased.erased_at is not None
    pairing = await store.pairing("m-1")
    assert pairing is not None and pairing.match.manager == ("csn", "erased-1")
    assert (await store.rules()).excluded_pairs == {(("csn", "erased-1"), ("skv", "T1"))}
    assert await store.people_done_before(after) == []


async def test_a_failed_transaction_leaves_nothing_and_announces_nothing(store):
    managers, volunteers = await people(store)
    event = Event.new(PersonErased(agency="csn", person_id="M1", at=T0), source="/t")
    with pytest.raises(RuntimeError):
        async with store.transaction():
            await store.add_match(proposed("m-1", managers[0], volunteers[0]))
            await store.set_manager_status(managers[0].key, ManagerStatus.PROPOSED)
            await store.announce("mentoring.matches", [event])
            raise RuntimeError("refused")
    assert await store.pairing("m-1") is None
    assert (await store.managers())[0].status is ManagerStatus.WAITING
    assert await announced(store) == 0
    async with store.transaction():
        await store.announce("mentoring.matches", [event])
    assert await announced(store) == 1


async def announced(store: MentoringStore) -> int:
    """Events waiting to be published: the outbox's rows, or the fake's list."""
    if isinstance(store, MemoryMentoring):
        return len(store.announced)
    assert isinstance(store, PostgresMentoring)
    return int(await store.conn.fetchval("SELECT count(*) FROM outbox"))
