"""The store's contract, run against the in-memory fake and the PostgreSQL adapter alike."""

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
from myndnet_outreach.adapters.memory import MemoryOutreach
from myndnet_outreach.adapters.postgres import PostgresOutreach
from myndnet_outreach.adapters.store import OutreachStore
from myndnet_outreach.domain.open_events import Conflict, Status
from myndnet_outreach.main import MIGRATIONS
from myndnet_testing import migrated_connection
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
