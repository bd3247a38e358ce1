"""Campaigns' rules and handlers without servers: what a plan must hold, scheduling and
cancelling once, visits, completion with notify's counts (a fake notify)."""

from datetime import date, datetime, timedelta

import pytest
from myndnet_outreach.adapters.memory import MemoryOutreach
from myndnet_outreach.domain import campaigns as rules
from myndnet_outreach.domain.campaigns import Campaign, CampaignState
from myndnet_outreach.domain.open_events import Conflict, PlanInvalid
from myndnet_outreach.handlers import campaigns as handlers
from myndnet_schemas.clock import STOCKHOLM

TODAY = date(2027, 2, 1)
TOPIC = "outreach.activities"


def draft(**window) -> Campaign:
    return Campaign(
        "cmp-1",
        ("csn",),
        {
            "target_groups": ["students"],
            "occupation_fields": [],
            "municipalities": [],
            "languages": [],
        },
        {"sv": "Karriärdag", "en": None},
        {"sv": "Välkommen.", "en": None},
        "https://example.org/karriardag",
        {
            "first_day": date(2027, 2, 15),
            "last_day": date(2027, 2, 19),
            "from_hour": 9,
            "to_hour": 17,
            "weekdays_only": True,
            **window,
        },
    )


class FakeNotify:
    def __init__(self) -> None:
        self.runs: list[datetime] = []

    async def audience_count(self, audience):
        return 3 if audience["target_groups"] == ["students"] else 0

    async def figures(self, campaign_id):
        return {"audience": 3, "sent": 2, "skipped_by_cap": 1, "news_withdrawn": 1}

    async def run(self, as_of):
        self.runs.append(as_of)
        return {"queued": 2}


def test_a_plan_needs_a_window_that_is_not_over_and_members_who_ask():
    assert rules.plan(draft(), {"csn"}, TODAY).state is CampaignState.DRAFT
    for wrong, why in [
        ({"last_day": date(2027, 2, 14)}, "before its first"),
        ({"first_day": date(2027, 1, 1), "last_day": date(2027, 1, 2)}, "over already"),
        ({"from_hour": 17, "to_hour": 9}, "from_hour"),
        ({"last_day": date(2027, 5, 1)}, "60 days"),
    ]:
        with pytest.raises(PlanInvalid, match=why):
            rules.plan(draft(**wrong), {"csn"}, TODAY)
    with pytest.raises(PlanInvalid, match="not current members"):
        rules.plan(draft(), {"skatteverket"}, TODAY)


def test_scheduling_announces_once_and_a_cancelled_or_late_one_cannot_be():
    scheduled, event = rules.schedule(draft(), TODAY)
    assert scheduled.state is CampaignState.SCHEDULED
    assert event.campaign_id == "cmp-1" and event.mail_subject.sv == "Karriärdag"
    assert rules.schedule(scheduled, TODAY) == (scheduled, None)
    cancelled, announced = rules.cancel(scheduled)
    assert cancelled.state is CampaignState.CANCELLED and announced.campaign_id == "cmp-1"
    assert rules.cancel(cancelled) == (cancelled, None)
    with pytest.raises(Conflict):
        rules.schedule(cancelled, TODAY)
    with pytest.raises(Conflict, match="over"):
        rules.schedule(draft(), date(2027, 2, 20))
    # A draft cancelled is only dropped: notify never heard of it.
    assert rules.cancel(draft())[1] is None


async def test_the_handlers_plan_count_schedule_visit_and_complete():
    store, notify = MemoryOutreach(), FakeNotify()
    await handlers.plan_campaign(store, draft(), {"csn"}, "kim@csn.se", TODAY)
    assert await handlers.audience(store, notify, "cmp-1") == 3
    assert await handlers.visit(store, "cmp-1") == "https://example.org/karriardag"
    assert (await store.campaign("cmp-1")).link_visits == 0  # a draft being tried
    await handlers.schedule_campaign(store, "cmp-1", "kim@csn.se", TODAY, TOPIC)
    await handlers.schedule_campaign(store, "cmp-1", "kim@csn.se", TODAY, TOPIC)
    await handlers.visit(store, "cmp-1")
    campaign, shown = await handlers.figures(store, notify, "cmp-1")
    assert campaign.campaign_id == "cmp-1"
    assert shown == {
        "state": "scheduled",
        "audience": 3,
        "sent": 2,
        "skipped_by_cap": 1,
        "link_visits": 1,
        "news_withdrawn": 1,
        "searches_created": 0,
    }
    during = datetime(2027, 2, 16, 10, tzinfo=STOCKHOLM)
    assert await handlers.run_campaigns(store, notify, during, TOPIC) == {
        "campaign_mails": 2,
        "campaigns_completed": 0,
    }
    after = during + timedelta(days=4)
    done = await handlers.run_campaigns(store, notify, after, TOPIC)
    assert done["campaigns_completed"] == 1
    assert store.announced_types(TOPIC) == [
        "se.myndnet.outreach.campaign.scheduled.v1",
        "se.myndnet.outreach.campaign.completed.v1",
    ]
    completed = store.announced[-1][1].data
    assert (completed.sent, completed.link_visits, completed.news_withdrawn) == (2, 1, 1)
    assert [a[1] for a in store.actions] == ["campaign.planned", "campaign.scheduled"]
    assert notify.runs == [during, after]
