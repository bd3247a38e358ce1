"""What coordinators and operators do with campaigns: plan one, count its audience, schedule
it (announced on `outreach.activities` for notify to send), cancel it; a visit of its link;
the schedule's part (notify's sending run, and a campaign whose window is over completed with
its counts announced)."""

from collections.abc import Collection
from datetime import date, datetime

from myndnet_schemas import Event
from myndnet_schemas.topics import OUTREACH_ACTIVITIES, service_source

from myndnet_outreach.adapters.notify_campaigns import CampaignCounts
from myndnet_outreach.adapters.store import OutreachStore
from myndnet_outreach.domain import campaigns as rules
from myndnet_outreach.domain.campaigns import Campaign
from myndnet_outreach.domain.open_events import NotFound

SOURCE = service_source("outreach")


async def _campaign(store: OutreachStore, campaign_id: str, lock: bool = False) -> Campaign:
    found = await store.campaign(campaign_id, for_update=lock)
    if found is None:
        raise NotFound(f"no campaign {campaign_id!r}")
    return found


async def plan_campaign(
    store: OutreachStore, campaign: Campaign, members: Collection[str], actor: str, today: date
) -> Campaign:
    planned = rules.plan(campaign, set(members), today)
    async with store.transaction():
        await store.add_campaign(planned)
        await store.record_action(actor, "campaign.planned", planned.campaign_id)
    return planned


async def audience(store: OutreachStore, notify: CampaignCounts, campaign_id: str) -> int:
    return await notify.audience_count((await _campaign(store, campaign_id)).audience)


async def schedule_campaign(
    store: OutreachStore,
    campaign_id: str,
    actor: str,
    today: date,
    topic: str = OUTREACH_ACTIVITIES,
) -> Campaign:
    async with store.transaction():
        scheduled, announced = rules.schedule(await _campaign(store, campaign_id, True), today)
        if announced is not None:
            await store.save_campaign(scheduled)
            await store.announce(topic, [Event.new(announced, source=SOURCE)])
            await store.record_action(actor, "campaign.scheduled", campaign_id)
    return scheduled


async def cancel_campaign(
    store: OutreachStore, campaign_id: str, actor: str, topic: str = OUTREACH_ACTIVITIES
) -> Campaign:
    async with store.transaction():
        existing = await _campaign(store, campaign_id, True)
        cancelled, announced = rules.cancel(existing)
        if cancelled != existing:
            await store.save_campaign(cancelled)
            await store.record_action(actor, "campaign.cancelled", campaign_id)
        if announced is not None:
            await store.announce(topic, [Event.new(announced, source=SOURCE)])
    return cancelled


async def visit(store: OutreachStore, campaign_id: str) -> str:
    """The campaign's link, its visit counted (nothing about the visitor is kept)."""
    campaign = await _campaign(store, campaign_id)
    if rules.visited(campaign):
        await store.count_visit(campaign_id)
    return campaign.link


async def figures(
    store: OutreachStore, notify: CampaignCounts, campaign_id: str
) -> tuple[Campaign, dict[str, int | str]]:
    """The campaign, and its figures: notify's counts, and its link's visits kept here."""
    campaign = await _campaign(store, campaign_id)
    counted = await notify.figures(campaign_id) if campaign.state.value != "draft" else {}
    return campaign, {
        "state": campaign.state.value,
        "audience": counted.get("audience", 0),
        "sent": counted.get("sent", 0),
        "skipped_by_cap": counted.get("skipped_by_cap", 0),
        "link_visits": campaign.link_visits,
        "news_withdrawn": counted.get("news_withdrawn", 0),
        "searches_created": counted.get("searches_created", 0),
    }


async def run_campaigns(
    store: OutreachStore, notify: CampaignCounts, moment: datetime, topic: str = OUTREACH_ACTIVITIES
) -> dict[str, int]:
    """Notify sends what is due at `moment`; a scheduled campaign whose window has ended is
    completed, and its counts announced."""
    ran = await notify.run(moment)
    completed = 0
    for campaign in await store.scheduled_campaigns():
        if not rules.over(campaign, moment):
            continue
        counted = await notify.figures(campaign.campaign_id)
        async with store.transaction():
            current = await _campaign(store, campaign.campaign_id, True)
            if current.state is not rules.CampaignState.SCHEDULED:
                continue
            done, announced = rules.complete(current, counted)
            await store.save_campaign(done)
            await store.announce(topic, [Event.new(announced, source=SOURCE)])
            completed += 1
    return {"campaign_mails": ran.get("queued", 0), "campaigns_completed": completed}
