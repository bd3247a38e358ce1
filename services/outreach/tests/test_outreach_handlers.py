"""The handlers on the fake store: what each saves, announces and logs."""

import pytest
from myndnet_outreach.adapters.memory import MemoryOutreach
from myndnet_outreach.domain.open_events import NotFound, PlanInvalid, Status
from myndnet_outreach.handlers import open_events as handlers
from test_outreach_rules import START, plan

TOPIC = "outreach.activities"


async def test_schedule_change_and_cancel_each_announce_and_log_once():
    store = MemoryOutreach()
    await handlers.schedule_open_event(store, plan(), {"csn"}, "kim@csn.se", TOPIC)
    await handlers.change_open_event(store, "oe-1", {"seats": 50}, {"csn"}, "operator", TOPIC)
    await handlers.change_open_event(store, "oe-1", {"seats": 50}, {"csn"}, "operator", TOPIC)
    await handlers.cancel_open_event(store, "oe-1", None, "kim@csn.se", TOPIC)
    assert store.announced_types(TOPIC) == [
        "se.myndnet.outreach.open_event.scheduled.v1",
        "se.myndnet.outreach.open_event.changed.v1",
        "se.myndnet.outreach.open_event.cancelled.v1",
    ]
    assert [(a[0], a[1]) for a in store.actions] == [
        ("kim@csn.se", "open_event.scheduled"),
        ("operator", "open_event.changed"),
        ("kim@csn.se", "open_event.cancelled"),
    ]
    assert (await store.open_event("oe-1")).status is Status.CANCELLED
    assert await handlers.upcoming(store, START) == []


async def test_a_refused_plan_leaves_nothing():
    store = MemoryOutreach()
    with pytest.raises(PlanInvalid):
        await handlers.schedule_open_event(store, plan(hosts=("tull",)), {"csn"}, "x", TOPIC)
    assert store.announced == [] and store.actions == []
    with pytest.raises(NotFound):
        await handlers.cancel_open_event(store, "oe-1", None, "x", TOPIC)
