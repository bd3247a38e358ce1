"""The store's contract, run against the in-memory fake and the PostgreSQL adapter alike."""

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
from myndnet_outreach.adapters.memory import MemoryOutreach
from myndnet_outreach.adapters.postgres import PostgresOutreach
from myndnet_outreach.adapters.store import OutreachStore
from myndnet_outreach.domain.campaigns import CampaignState
from myndnet_outreach.domain.open_events import Conflict, Status
from myndnet_outreach.domain.registrations import Registration, RegistrationStatus, letter
from myndnet_outreach.main import MIGRATIONS
from myndnet_testing import migrated_connection
from test_campaign_rules import draft
from test_outreach_rules import START, plan


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.integration)])
async def store(request) -> AsyncIterator[OutreachStore]:
    if request.param == "memory":
        yield MemoryOutreach()
        return
    async with migrated_connection("outreach", MIGRATIONS) as conn:
        yield PostgresOutreach(conn)


async def test_an_open_event_is_kept_as_it_was_given(store):
    event = plan(online_url="https://example.se/live")
    await store.add_open_event(event)
    assert await store.open_event("oe-1") == event
    assert await store.open_event("oe-1", for_update=True) == event
    assert await store.open_event("nobody") is None
    with pytest.raises(Conflict):
        await store.add_open_event(event)


async def test_a_saved_change_is_what_is_read_back(store):
    await store.add_open_event(plan())
    changed = replace(
        plan(),
        revision=3,
        title={"sv": "Ny titel", "en": "New title"},
        seats=None,
        status=Status.CANCELLED,
        cancel_reason="Sjukdom",
    )
    await store.save_open_event(changed)
    assert await store.open_event("oe-1") == changed


async def test_the_events_not_over_yet_come_soonest_first(store):
    later = replace(
        plan(),
        event_id="oe-2",
        starts_at=START + timedelta(days=2),
        ends_at=START + timedelta(days=2, hours=1),
    )
    over = replace(
        plan(),
        event_id="oe-0",
        starts_at=START - timedelta(days=3),
        ends_at=START - timedelta(days=3) + timedelta(hours=1),
    )
    for event in (later, plan(), over):
        await store.add_open_event(event)
    found = await store.open_events(START - timedelta(days=1))
    assert [e.event_id for e in found] == ["oe-1", "oe-2"]


async def test_a_failed_transaction_leaves_nothing_and_announces_nothing(store):
    with pytest.raises(RuntimeError):
        async with store.transaction():
            await store.add_open_event(plan())
            await store.record_action("kim@csn.se", "open_event.scheduled", "oe-1")
            raise RuntimeError("refused after the change")
    assert await store.open_event("oe-1") is None


def registration(n: int, **changes):
    fields = {
        "registration_id": f"reg-{n}",
        "event_id": "oe-1",
        "name": f"Person {n}",
        "email": f"p{n}@example.se",
        "language": "sv",
        "news": n % 2 == 0,
        "status": RegistrationStatus.UNCONFIRMED,
        "requested_at": START - timedelta(days=5, minutes=-n),
    }
    return Registration(**{**fields, **changes})


async def test_registrations_are_kept_as_given_and_found_by_event_and_address(store):
    await store.add_open_event(plan())
    first, second = registration(1), registration(2, email="P1@Example.se")
    for r in (second, first):
        await store.add_registration(r)
    assert await store.registration("reg-1") == first
    assert await store.registration("nobody") is None
    assert await store.registrations_for("oe-1") == [first, second]
    assert await store.registrations_by_email("p1@EXAMPLE.se") == [first, second]
    with pytest.raises(Conflict):
        await store.add_registration(first)
    cancelled = replace(first, status=RegistrationStatus.CANCELLED, name=None, email=None)
    seated = replace(second, status=RegistrationStatus.CONFIRMED, confirmed_at=START, reminded=True)
    await store.save_registrations([cancelled, seated])
    assert await store.registrations_for("oe-1") == [cancelled, seated]
    assert await store.registrations_by_email("p1@example.se") == [seated]


async def test_ended_events_with_personal_data_and_its_erasure(store):
    await store.add_open_event(plan())
    await store.add_open_event(replace(plan(), event_id="oe-2"))
    await store.add_registration(registration(1))
    ended = await store.ended_with_registrations(START + timedelta(days=1))
    assert [e.event_id for e in ended] == ["oe-1"]
    assert await store.ended_with_registrations(START) == []
    await store.forget_registrations(["reg-1"])
    [kept] = await store.registrations_for("oe-1")
    assert (kept.name, kept.email, kept.status) == (None, None, registration(1).status)
    assert await store.ended_with_registrations(START + timedelta(days=1)) == []


async def test_a_failed_transaction_asks_nothing_of_notify(store):
    await store.add_open_event(plan())
    with pytest.raises(RuntimeError):
        async with store.transaction():
            await store.add_registration(registration(1))
            await store.queue_letters([letter("event_confirm", registration(1), plan())])
            await store.queue_forget(["outreach/reg-1"])
            raise RuntimeError("refused after the change")
    assert await store.registration("reg-1") is None
    assert await _requests(store) == []
    await store.queue_letters([letter("event_confirm", registration(1), plan())])
    await store.queue_forget(["outreach/reg-1"])
    paths = [path for path, _ in await _requests(store)]
    assert paths == ["/letters", "/letters/forget"]


async def _requests(store) -> list[tuple[str, dict]]:
    if isinstance(store, MemoryOutreach):
        return store.state.notify_requests
    rows = await store.conn.fetch("SELECT path, body FROM notify_requests ORDER BY id")
    return [(r["path"], r["body"]) for r in rows]


async def test_a_campaign_is_kept_as_given_and_its_visits_apart_from_its_state(store):
    await store.add_campaign(draft())
    assert await store.campaign("cmp-1") == replace(
        draft(), created_at=(await store.campaign("cmp-1")).created_at
    )
    assert await store.campaign("nobody") is None
    with pytest.raises(Conflict):
        await store.add_campaign(draft())
    await store.count_visit("cmp-1")
    await store.save_campaign(replace(draft(), state=CampaignState.SCHEDULED))
    kept = await store.campaign("cmp-1")
    assert kept.state is CampaignState.SCHEDULED and kept.link_visits == 1
    assert [c.campaign_id for c in await store.scheduled_campaigns()] == ["cmp-1"]


async def test_seats_taken_and_waiting_are_counted_per_event_and_campaigns_listed(store):
    await store.add_open_event(plan())
    await store.add_registration(registration(1, status=RegistrationStatus.CONFIRMED))
    await store.add_registration(registration(2, status=RegistrationStatus.WAITING))
    await store.add_registration(registration(3))  # unconfirmed: holds nothing
    assert await store.registration_counts(["oe-1", "oe-2"]) == {"oe-1": (1, 1)}
    await store.add_campaign(draft())
    assert [c.campaign_id for c in await store.campaigns(10)] == ["cmp-1"]


async def test_the_figures_count_events_seats_and_campaigns_per_agency_and_network(store):
    await store.add_open_event(replace(plan(), hosts=("csn", "skv")))
    await store.add_open_event(replace(plan(), event_id="oe-2", status=Status.CANCELLED))
    await store.add_registration(registration(1, status=RegistrationStatus.CONFIRMED))
    await store.add_registration(registration(2, status=RegistrationStatus.WAITING))
    await store.add_campaign(replace(draft(), state=CampaignState.SCHEDULED))
    await store.add_campaign(replace(draft(), campaign_id="cmp-2"))  # a draft: not counted
    first, after = START - timedelta(days=30), START + timedelta(days=1)
    found = await store.figures(first, after)
    assert found["network"] == {"open_events": 1, "event_seats_taken": 1, "campaigns": 1}
    assert found["agencies"] == [
        {"agency": "csn", "open_events": 1, "event_seats_taken": 1, "campaigns": 1},
        {"agency": "skv", "open_events": 1, "event_seats_taken": 1, "campaigns": 0},
    ]
    later = await store.figures(after, after + timedelta(days=30))
    assert later["network"] == {"open_events": 0, "event_seats_taken": 0, "campaigns": 0}
