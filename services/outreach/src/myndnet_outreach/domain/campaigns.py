"""Campaigns: news from the network to the people who said yes to it, in a window of days and
local hours. Outreach keeps what a campaign is (its audience's filters, texts, link, window)
and how often its link was followed; notify, which keeps the people and their consent, builds
the audience, applies the cap across every campaign and sends. Plain Python."""

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.events.outreach import (
    Audience,
    Bilingual,
    CampaignBody,
    CampaignCancelled,
    CampaignCompleted,
    CampaignScheduled,
    Window,
)

from myndnet_outreach.domain.open_events import Conflict, PlanInvalid


class CampaignState(StrEnum):
    DRAFT = "draft"  # counted, not yet sent
    SCHEDULED = "scheduled"  # notify sends it in its window
    CANCELLED = "cancelled"
    COMPLETED = "completed"  # the window is over


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    agencies: tuple[str, ...]  # who asked for it
    audience: dict[str, list[str]]  # target_groups, occupation_fields, municipalities, languages
    subject: dict[str, str | None]  # sv, en
    text: dict[str, str | None]
    link: str
    window: dict[str, Any]  # first_day, last_day, from_hour, to_hour, weekdays_only
    state: CampaignState = CampaignState.DRAFT
    link_visits: int = 0
    created_at: datetime | None = None

    @property
    def last_day(self) -> date:
        day = self.window["last_day"]
        return day if isinstance(day, date) else date.fromisoformat(day)

    def scheduled_event(self) -> CampaignScheduled:
        return CampaignScheduled(
            campaign_id=self.campaign_id,
            agencies=list(self.agencies),
            audience=Audience(**self.audience),
            mail_subject=Bilingual(**self.subject),
            text=CampaignBody(**self.text),
            link=self.link,
            window=Window(**self.window),
        )


def new_campaign_id() -> str:
    return f"cmp-{uuid.uuid4().hex[:16]}"


def plan(campaign: Campaign, members: set[str], today: date) -> Campaign:
    """The campaign as planned (a draft), or PlanInvalid saying what is wrong."""
    window = campaign.window
    if window["last_day"] < window["first_day"]:
        raise PlanInvalid("the window's last day is before its first")
    if window["last_day"] < today:
        raise PlanInvalid("the window is over already")
    if not window["from_hour"] < window["to_hour"]:
        raise PlanInvalid("the window's from_hour must be before its to_hour")
    if (window["last_day"] - window["first_day"]).days > 60:
        raise PlanInvalid("a window is at most 60 days")
    strangers = sorted(set(campaign.agencies) - members)
    if strangers:
        raise PlanInvalid(f"not current members of the network: {', '.join(strangers)}")
    campaign.scheduled_event()  # validated as the event will carry it
    return replace(campaign, state=CampaignState.DRAFT)


def schedule(campaign: Campaign, today: date) -> tuple[Campaign, CampaignScheduled | None]:
    """Scheduled, and announced for notify to send; scheduling again announces nothing."""
    if campaign.state is CampaignState.SCHEDULED:
        return campaign, None
    if campaign.state is not CampaignState.DRAFT:
        raise Conflict(f"campaign {campaign.campaign_id!r} is {campaign.state.value}")
    if campaign.last_day < today:
        raise Conflict("the window is over")
    scheduled = replace(campaign, state=CampaignState.SCHEDULED)
    return scheduled, scheduled.scheduled_event()


def cancel(campaign: Campaign) -> tuple[Campaign, CampaignCancelled | None]:
    """Nothing more is sent (what went out has gone); a draft is simply dropped."""
    if campaign.state is CampaignState.CANCELLED:
        return campaign, None
    if campaign.state is CampaignState.COMPLETED:
        raise Conflict(f"campaign {campaign.campaign_id!r} is completed")
    announced = (
        CampaignCancelled(campaign_id=campaign.campaign_id)
        if campaign.state is CampaignState.SCHEDULED
        else None
    )
    return replace(campaign, state=CampaignState.CANCELLED), announced


def over(campaign: Campaign, moment: datetime) -> bool:
    """Whether the window has ended at `moment` (Swedish time)."""
    return moment.astimezone(STOCKHOLM).date() > campaign.last_day


def complete(campaign: Campaign, figures: dict[str, int]) -> tuple[Campaign, CampaignCompleted]:
    """The window is over: the campaign's counts, as notify gave them, announced."""
    done = replace(campaign, state=CampaignState.COMPLETED)
    return done, CampaignCompleted(
        campaign_id=campaign.campaign_id,
        audience=figures.get("audience", 0),
        sent=figures.get("sent", 0),
        skipped_by_cap=figures.get("skipped_by_cap", 0),
        link_visits=campaign.link_visits,
        news_withdrawn=figures.get("news_withdrawn", 0),
    )


def visited(campaign: Campaign) -> bool:
    """A visit counts while the campaign is out or over, not for a draft being tried."""
    return campaign.state in (CampaignState.SCHEDULED, CampaignState.COMPLETED)
