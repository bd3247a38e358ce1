"""Exchange's PostgreSQL adapter: what is saved is what is read back, the searches and the
figures, on a real database."""

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from myndnet_exchange.adapters.postgres import PostgresExchange
from myndnet_exchange.domain import assignments as rules
from myndnet_exchange.domain.assignments import AssignmentState, InterestState
from myndnet_exchange.domain.profiles import Profile
from myndnet_exchange.main import MIGRATIONS
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.events.exchange import Step
from myndnet_schemas.vocabulary import OpenTo
from myndnet_testing import migrated_connection
from test_assignment_rules import PARTIES, TODAY, assignment

pytestmark = pytest.mark.integration


@pytest.fixture
async def store() -> AsyncIterator[PostgresExchange]:
    async with migrated_connection("exchange", MIGRATIONS) as conn:
        yield PostgresExchange(conn)


async def test_an_assignment_and_its_interests_are_read_back_as_saved(store):
    a = assignment()
    await store.save_assignments([a])
    assert await store.assignment("spv", "U-1") == a
    assert await store.assignment("spv", "nothing") is None
    [ada] = rules.record_interest(
        a, [], "ada@csn.se", "csn", "Gärna.", "sv", PARTIES, TODAY
    ).interests
    [bo] = rules.record_interest(a, [], "bo@csn.se", "csn", "", "en", PARTIES, TODAY).interests
    await store.save_interests([ada, bo])
    picked = dataclasses.replace(ada, state=InterestState.PICKED, step_since=TODAY + timedelta(1))
    declined = dataclasses.replace(bo, state=InterestState.DECLINED, declined_step=Step.HOST)
    await store.save_interests([picked, declined])
    assert await store.interest(ada.interest_id) == picked
    # Saved in one statement, they share a moment: the id orders them then.
    ordered = sorted([picked, declined], key=lambda i: i.interest_id)
    assert (await store.interests_in([a.key]))[a.key] == ordered
    assert [i.interest_id for i in await store.interests_of("bo@csn.se")] == [bo.interest_id]
    assert [i.interest_id for i in await store.pending_interests()] == [ada.interest_id]


async def test_open_assignments_and_those_past_their_answer_date(store):
    soon = assignment()
    later = dataclasses.replace(
        assignment(), assignment_id="U-2", answer_by=soon.answer_by + timedelta(days=5)
    )
    gone = dataclasses.replace(assignment(), assignment_id="U-3", state=AssignmentState.WITHDRAWN)
    await store.save_assignments([later, soon, gone])
    assert [a.assignment_id for a in await store.open_assignments(TODAY)] == ["U-1", "U-2"]
    assert [a.assignment_id for a in await store.open_of("spv")] == ["U-1", "U-2"]
    past = soon.answer_by + timedelta(days=1)
    assert [a.assignment_id for a in await store.past_answer_date(past)] == ["U-1"]


async def test_an_ended_interest_forgets_its_address_on_request_and_one_under_way_does_not(store):
    a = assignment()
    await store.save_assignments([a])
    [ada] = rules.record_interest(a, [], "ada@csn.se", "csn", "Not", "sv", PARTIES, TODAY).interests
    other = assignment(assignment_id="U-2")
    await store.save_assignments([other])
    [waiting] = rules.record_interest(
        other, [], "ada@csn.se", "csn", "", "sv", PARTIES, TODAY
    ).interests
    await store.save_interests([dataclasses.replace(ada, state=InterestState.CLOSED), waiting])
    assert await store.forget_interests_of("ada@csn.se") == [ada.interest_id]
    forgotten = await store.interest(ada.interest_id)
    assert forgotten is not None and "@" not in forgotten.email and forgotten.note == ""
    assert (await store.interest(waiting.interest_id)).email == "ada@csn.se"


async def test_profiles_are_found_by_every_skill_asked_without_regard_to_case(store):
    now = datetime.now(UTC)

    def profile(email: str, skills: tuple[str, ...], open_to: tuple[OpenTo, ...]) -> Profile:
        return Profile(email, "csn", skills, ("sv", "en"), open_to, "", now, now)

    await store.save_profile(profile("a@csn.se", ("juridik", "upphandling"), (OpenTo.LOAN,)))
    await store.save_profile(profile("b@csn.se", ("Juridik",), (OpenTo.NEW_POST,)))

    async def emails(skills, language=None, open_to=None) -> list[str]:
        return sorted(p.email for p in await store.search_profiles(skills, language, open_to, 10))

    assert await emails([]) == ["a@csn.se", "b@csn.se"]
    assert await emails(["JURIDIK"]) == ["a@csn.se", "b@csn.se"]
    assert await emails(["juridik", "upphandling"]) == ["a@csn.se"]
    assert await emails([], open_to=OpenTo.NEW_POST) == ["b@csn.se"]
    assert await emails([], language="fi") == []
    changed = await store.save_profile(profile("b@csn.se", ("arkiv",), ()))
    assert changed.skills == ("arkiv",)
    assert await store.remove_profile("b@csn.se") is True
    assert await store.remove_profile("b@csn.se") is False
    assert await store.profile("b@csn.se") is None


async def test_the_figures_count_postings_agreements_and_moves_in_the_period(store):
    a = assignment()
    await store.save_assignments([a])
    [ada] = rules.record_interest(a, [], "ada@csn.se", "csn", "", "sv", PARTIES, TODAY).interests
    await store.save_interests([dataclasses.replace(ada, state=InterestState.AGREED)])
    await store.save_assignments([dataclasses.replace(a, state=AssignmentState.AGREED)])
    # Posted at the rules' moment (January 2027), agreed now: a period holding both.
    found = await store.figures(datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
    assert found["agencies"] == [{"agency": "spv", "posted": 1, "agreed": 1}]
    assert found["network"] == {"posted": 1, "agreed": 1}
    [move] = found["moves"]
    assert (move["from"], move["to"], move["count"]) == ("csn", "spv", 1)
    before = await store.figures(datetime(2020, 1, 1, tzinfo=UTC), datetime(2020, 2, 1, tzinfo=UTC))
    assert before["agencies"] == [] and before["moves"] == []
    assert move["period"] == datetime.now(UTC).astimezone(STOCKHOLM).strftime("%Y-%m")
