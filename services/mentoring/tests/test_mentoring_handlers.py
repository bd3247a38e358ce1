"""Every mentoring handler's decisions, on the in-memory store: no servers, milliseconds. What
only servers can show (the consumer, the outbox relay, one round at a time across replicas,
the HTTP door) is in test_mentoring_service.py and the browser test."""

from datetime import date, datetime, timedelta

import pytest
from aiokafka.structs import ConsumerRecord
from myndnet_kit.classify import Incoming
from myndnet_kit.links import MENTORING_ANSWER, MENTORING_CHECKIN, sign_link
from myndnet_mentoring.adapters.memory import MemoryMentoring
from myndnet_mentoring.domain.followup import Checkin
from myndnet_mentoring.domain.match import Actor, ManagerStatus, MatchConflict, MatchStatus
from myndnet_mentoring.domain.matching import Weights
from myndnet_mentoring.handlers import followup, programme
from myndnet_mentoring.handlers.followup import LinkRefused
from myndnet_mentoring.handlers.programme import Programme
from myndnet_schemas import Event, topics
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.events import (
    AgencyState,
    ManagerAppointed,
    MentorVolunteered,
    MentorWithdrawn,
)

PROGRAMME = Programme(Weights(), months=12, respond_days=14)
T0 = datetime(2027, 1, 4, 9, 0, tzinfo=STOCKHOLM)
KEY = "mentoring-test-link-key"


def incoming(agency: str, data, offset: int = 0) -> Incoming:
    event = Event.new(data, source=f"/agencies/{agency}")
    record = ConsumerRecord(
        topics.hr_leadership(agency), 0, offset, 0, 0, None, b"", None, 0, 0, ()
    )
    return Incoming(event, record)


def appointed(person_id: str, languages=("sv",), areas=("digitalisering",)) -> ManagerAppointed:
    return ManagerAppointed(
        person_id=person_id,
        name=f"Chef {person_id}",
        email=f"{person_id.lower()}@myndighet.se",
        title="Enhetschef",
        competence_areas=list(areas),
        languages=list(languages),
        municipality="Sundsvall",
        start_date=date(2027, 1, 1),
    )


def volunteered(person_id: str, capacity: int = 1, languages=("sv",)) -> MentorVolunteered:
    return MentorVolunteered(
        person_id=person_id,
        name=f"Mentor {person_id}",
        email=f"{person_id.lower()}@myndighet.se",
        title="Avdelningschef",
        competence_areas=["digitalisering"],
        languages=list(languages),
        municipality="Sundsvall",
        years_as_manager=9,
        capacity=capacity,
    )


def types(store: MemoryMentoring) -> list[str]:
    return [t.removeprefix("se.myndnet.") for t in store.announced_types()]


async def network(store: MemoryMentoring) -> None:
    """A manager at csn, one at skv; a mentor at skv (one place) and one at tull."""
    await programme.apply_leadership_events(
        store,
        [
            incoming("csn", appointed("M1")),
            incoming("skv", appointed("M2")),
            incoming("skv", volunteered("T1")),
            incoming("tull", volunteered("T2")),
        ],
    )


async def proposal_of(store: MemoryMentoring, manager: str) -> str:
    [pairing] = [p for p in await store.pairings("proposed") if p.match.manager[1] == manager]
    return pairing.match_id


async def test_leadership_events_keep_managers_waiting_and_mentors_active():
    store = MemoryMentoring()
    await network(store)
    assert [(m.agency, m.status) for m in await store.managers()] == [
        ("csn", ManagerStatus.WAITING),
        ("skv", ManagerStatus.WAITING),
    ]
    assert [v.key for v in await store.volunteers()] == [("skv", "T1"), ("tull", "T2")]
    await programme.apply_leadership_events(
        store, [incoming("dom", MentorWithdrawn(person_id="X"))]
    )
    assert store.announced == []  # an unknown mentor's withdrawal changes nothing


async def test_a_round_proposes_across_agencies_and_says_why_the_others_wait():
    store = MemoryMentoring()
    await network(store)
    await programme.apply_leadership_events(
        store, [incoming("csn", appointed("M3", languages=("fi",)))]
    )
    done = await programme.run_round(store, PROGRAMME, T0)
    assert (done.waiting_before, done.mentor_places) == (3, 2)
    pairs = {p.match.manager: p.match.mentor[0] for p in done.proposed}
    assert pairs == {("csn", "M1"): pairs[("csn", "M1")], ("skv", "M2"): "tull"}
    assert pairs[("csn", "M1")] in {"skv", "tull"} and pairs[("csn", "M1")] != "csn"
    assert set(done.result.unmatched) == {("csn", "M3")}
    assert types(store) == ["mentoring.match.proposed.v1"] * 2
    statuses = {m.person_id: (m.status, m.unmatched_reason) for m in await store.managers()}
    assert statuses["M1"] == (ManagerStatus.PROPOSED, None)
    assert statuses["M3"][0] is ManagerStatus.WAITING and statuses["M3"][1]
    proposal = done.proposed[0].match
    assert proposal.respond_by == T0.date() + timedelta(days=14)
    again = await programme.run_round(store, PROGRAMME, T0)
    assert again.proposed == [] and again.waiting_before == 1


async def test_both_accept_and_the_programme_starts_once():
    store = MemoryMentoring()
    await network(store)
    await programme.run_round(store, PROGRAMME, T0)
    match_id = await proposal_of(store, "M1")
    store.announced.clear()
    half = await programme.accept_match(store, match_id, Actor.MANAGER, PROGRAMME, T0)
    assert half.match.status is MatchStatus.PROPOSED and store.announced == []
    both = await programme.accept_match(store, match_id, Actor.MENTOR, PROGRAMME, T0)
    assert (both.match.status, both.match.ends_on) == (MatchStatus.ACCEPTED, date(2028, 1, 4))
    assert types(store) == ["mentoring.match.accepted.v1"]
    assert {m.person_id: m.status for m in await store.managers()}["M1"] is ManagerStatus.MATCHED
    with pytest.raises(MatchConflict):
        await programme.accept_match(store, match_id, Actor.OPERATOR, PROGRAMME, T0)
    assert types(store) == ["mentoring.match.accepted.v1"]


async def test_a_declined_pair_is_never_proposed_again_and_the_manager_waits():
    store = MemoryMentoring()
    await network(store)
    await programme.run_round(store, PROGRAMME, T0)
    match_id = await proposal_of(store, "M1")
    first_mentor = (await store.pairing(match_id)).match.mentor
    declined = await programme.decline_match(store, match_id, Actor.MENTOR, T0)
    assert (declined.match.status, declined.match.close_reason) == (MatchStatus.DECLINED, "mentor")
    assert (first_mentor and (("csn", "M1"), first_mentor)) in (await store.rules()).excluded_pairs
    later = await programme.run_round(store, PROGRAMME, T0)
    assert all(p.match.mentor != first_mentor for p in later.proposed)


async def test_unanswered_proposals_expire_and_finished_programmes_end():
    store = MemoryMentoring()
    await network(store)
    await programme.run_round(store, PROGRAMME, T0)
    respond_by = T0.date() + timedelta(days=14)
    assert await programme.expire_proposals(store, respond_by, T0) == 0
    m2 = await proposal_of(store, "M2")
    await programme.accept_match(store, m2, Actor.OPERATOR, PROGRAMME, T0)
    assert await programme.expire_proposals(store, respond_by + timedelta(days=1), T0) == 1
    assert "mentoring.match.declined.v1" in types(store)
    assert await programme.end_programmes(store, date(2028, 1, 3), T0) == 0
    assert await programme.end_programmes(store, date(2028, 1, 4), T0) == 1
    statuses = {m.person_id: m.status for m in await store.managers()}
    assert statuses == {"M1": ManagerStatus.WAITING, "M2": ManagerStatus.COMPLETED}


async def test_a_mentor_withdrawing_ends_their_matches_and_the_mentee_waits_again():
    store = MemoryMentoring()
    await network(store)
    await programme.run_round(store, PROGRAMME, T0)
    [mentee] = [p for p in await store.pairings() if p.match.mentor == ("tull", "T2")]
    store.announced.clear()
    await programme.apply_leadership_events(
        store, [incoming("tull", MentorWithdrawn(person_id="T2"))]
    )
    assert types(store) == ["mentoring.match.ended.v1"]
    ended = await store.pairing(mentee.match_id)
    assert (ended.match.status, ended.match.close_reason) == (MatchStatus.ENDED, "mentor_withdrawn")
    waiting = {m.key: m.status for m in await store.managers()}[mentee.match.manager]
    assert waiting is ManagerStatus.WAITING


async def test_an_agency_leaving_ends_its_matches_its_managers_leave_others_wait_again():
    store = MemoryMentoring()
    await network(store)
    await programme.run_round(store, PROGRAMME, T0)
    left = AgencyState(
        code="tull",
        name="Tullverket",
        kind="agency",
        role="member",
        status="left",
        joined_on=date(2020, 1, 1),
    )
    await programme.agency_changed(store, None, left)
    assert all(
        p.match.mentor[0] != "tull" or p.match.status is MatchStatus.ENDED
        for p in await store.pairings()
    )
    assert {v.key: v.status.value for v in await store.volunteers()}[("tull", "T2")] == "withdrawn"
    await programme.agency_changed(store, None, left.model_copy(update={"status": "active"}))


async def test_the_schedule_reminds_once_asks_check_ins_once_and_only_the_latest():
    store = MemoryMentoring()
    await network(store)
    await programme.run_round(store, PROGRAMME, T0)
    m1, m2 = await proposal_of(store, "M1"), await proposal_of(store, "M2")
    await programme.accept_match(store, m2, Actor.MANAGER, PROGRAMME, T0)
    store.announced.clear()
    three_before = T0.date() + timedelta(days=11)
    done = await followup.run_schedule(store, PROGRAMME, three_before)
    assert done["reminded"] == 2
    reminded = {e.data.match_id: e.data.waiting_for for _, e in store.announced}
    assert [r.value for r in reminded[m2]] == ["mentor"]
    assert [r.value for r in reminded[m1]] == ["manager", "mentor"]
    assert (await followup.run_schedule(store, PROGRAMME, three_before))["reminded"] == 0

    await programme.accept_match(store, m1, Actor.OPERATOR, PROGRAMME, T0)
    store.announced.clear()
    four_months_on = date(2027, 5, 5)
    done = await followup.run_schedule(store, PROGRAMME, four_months_on)
    assert done["checkins"] == 1
    [due] = [e.data for _, e in store.announced if e.type.endswith("checkin.due.v1")]
    assert (due.match_id, due.month) == (m1, 3)  # month 1 was jumped over
    assert (await followup.run_schedule(store, PROGRAMME, four_months_on))["checkins"] == 0


async def test_a_person_s_link_answers_once():
    store = MemoryMentoring()
    await network(store)
    await programme.run_round(store, PROGRAMME, T0)
    match_id = await proposal_of(store, "M1")
    today = T0.date()
    token = sign_link(KEY, MENTORING_ANSWER, (match_id, "manager"), today + timedelta(days=30))
    seen = await followup.show_proposal(store, KEY, token, today)
    assert (seen.role, seen.answered, seen.pairing.match_id) == ("manager", False, match_id)
    answered = await followup.answer_proposal(store, KEY, token, True, PROGRAMME, today)
    assert answered.pairing.match.accepted_by("manager")
    with pytest.raises(LinkRefused) as used:
        await followup.answer_proposal(store, KEY, token, False, PROGRAMME, today)
    assert used.value.code == "used"
    assert (await followup.show_proposal(store, KEY, token, today)).answered is True
    with pytest.raises(LinkRefused) as forged:
        await followup.show_proposal(store, KEY, token[:-2] + "xx", today)
    assert forged.value.code == "forged"
    mentor = sign_link(KEY, MENTORING_ANSWER, (match_id, "mentor"), today + timedelta(days=30))
    await followup.answer_proposal(store, KEY, mentor, False, PROGRAMME, today)
    assert (await store.pairing(match_id)).match.status is MatchStatus.DECLINED


async def test_a_check_in_is_recorded_once_and_its_comment_never_leaves():
    store = MemoryMentoring()
    await network(store)
    await programme.run_round(store, PROGRAMME, T0)
    match_id = await proposal_of(store, "M1")
    today = T0.date()
    token = sign_link(KEY, MENTORING_CHECKIN, (match_id, "mentor", "1"), today + timedelta(60))
    with pytest.raises(LinkRefused) as closed:  # not accepted yet
        await followup.record_checkin(store, KEY, token, Checkin(True, 1, 4, "hemligt"), today)
    assert closed.value.code == "closed"
    again = sign_link(KEY, MENTORING_CHECKIN, (match_id, "mentor", "3"), today + timedelta(60))
    await programme.accept_match(store, match_id, Actor.OPERATOR, PROGRAMME, T0)
    store.announced.clear()
    recorded = await followup.record_checkin(
        store, KEY, again, Checkin(True, 1, 4, "hemligt"), today
    )
    assert (recorded.month, recorded.answered) == (3, True)
    [(_, event)] = store.announced
    assert event.data.satisfaction == 4 and "hemligt" not in event.data.model_dump_json()
    with pytest.raises(LinkRefused):
        await followup.record_checkin(store, KEY, again, Checkin(False, 0, 1), today)
    figures = await followup.programme_figures(store, today)
    assert (figures["pairs"], figures["checkin_answers"], figures["mean_satisfaction"]) == (1, 1, 4)


async def test_erasure_on_request_and_24_months_after_the_programme():
    store = MemoryMentoring()
    await network(store)
    await programme.run_round(store, PROGRAMME, T0)
    m1 = await proposal_of(store, "M1")
    store.announced.clear()
    assert await followup.erase_person(store, "M1", T0) == 1
    assert types(store) == ["mentoring.match.ended.v1", "mentoring.person.erased.v1"]
    assert (await store.pairing(m1)).match.status is MatchStatus.ENDED
    assert await followup.erase_person(store, "M1", T0) == 0
    assert [m.person_id for m in await store.managers() if m.name] == ["M2"]

    m2 = await proposal_of(store, "M2")
    await programme.decline_match(store, m2, Actor.MANAGER, T0)
    store.announced.clear()
    assert await followup.erase_after_programme(store, date(2029, 1, 4), T0) == 0
    erased = await followup.erase_after_programme(store, date(2029, 1, 5), T0)
    assert erased == 3  # the manager, the mentor of that match, and M1's former mentor
    assert types(store) == ["mentoring.person.erased.v1"] * 3
