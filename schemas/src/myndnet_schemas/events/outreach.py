"""What outreach publishes on `outreach.activities`, keyed by open event (or campaign) id.

An open event's events carry the event as it now is, so a reader needs nothing else.
Registrations and recipients never appear on a topic.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, Strict

from myndnet_schemas.events.base import (
    Date,
    EntityId,
    EventData,
    HttpsUrl,
    Municipality,
    ShortText,
)
from myndnet_schemas.events.membership import AgencyCode
from myndnet_schemas.text import multiline
from myndnet_schemas.vocabulary import OccupationField, TargetGroup

Seats = Annotated[int, Strict(), Field(ge=1, le=100_000)]
Revision = Annotated[int, Strict(), Field(ge=1)]


class OpenEventKind(StrEnum):
    CAREER_FAIR = "career_fair"
    CAMPUS_VISIT = "campus_visit"
    OPEN_HOUSE = "open_house"
    WEBINAR = "webinar"
    OTHER = "other"


class Bilingual(EventData):
    """A text in Swedish and English (English may be left out: Swedish is shown)."""

    sv: ShortText
    en: ShortText | None = None


LongText = Annotated[str, Field(max_length=8000), AfterValidator(multiline)]


class BilingualText(EventData):
    sv: LongText
    en: LongText | None = None


class OpenEvent(EventData):
    event_id: EntityId
    revision: Revision  # each change counts up: a reader keeps the highest
    title: Bilingual
    text: BilingualText
    kind: OpenEventKind
    starts_at: datetime
    ends_at: datetime
    place: ShortText | None = None  # None: online only
    online_url: HttpsUrl | None = None
    hosts: Annotated[list[AgencyCode], Field(min_length=1, max_length=30)]
    target_groups: Annotated[list[TargetGroup], Field(max_length=4)] = Field(
        default_factory=list
    )  # empty: for everyone
    seats: Seats | None = None  # None: no limit
    registration_deadline: Date


class OpenEventScheduled(OpenEvent):
    event_type = "se.myndnet.outreach.open_event.scheduled.v1"

    def subject(self) -> str:
        return self.event_id


class OpenEventChanged(OpenEvent):
    event_type = "se.myndnet.outreach.open_event.changed.v1"

    def subject(self) -> str:
        return self.event_id


class OpenEventCancelled(OpenEvent):
    event_type = "se.myndnet.outreach.open_event.cancelled.v1"

    reason: ShortText | None = None

    def subject(self) -> str:
        return self.event_id


# -- campaigns: who they are for, what they say and when; never people ----------------------

Hour = Annotated[int, Strict(), Field(ge=0, le=24)]
Count = Annotated[int, Strict(), Field(ge=0)]
CampaignText = Annotated[str, Field(min_length=1, max_length=5000), AfterValidator(multiline)]


class Audience(EventData):
    """Who a campaign is for: people who said yes to news and whose saved searches (or event
    registrations) name one of the values of each field given; an empty field is any."""

    target_groups: Annotated[list[TargetGroup], Field(max_length=4)] = Field(default_factory=list)
    occupation_fields: Annotated[list[OccupationField], Field(max_length=30)] = Field(
        default_factory=list
    )
    municipalities: Annotated[list[Municipality], Field(max_length=50)] = Field(
        default_factory=list
    )
    languages: Annotated[list[Literal["sv", "en"]], Field(max_length=2)] = Field(
        default_factory=list
    )


class CampaignBody(EventData):
    sv: CampaignText
    en: CampaignText | None = None


class Window(EventData):
    """The days and the local hours (Europe/Stockholm, from_hour up to to_hour) it may go."""

    first_day: Date
    last_day: Date
    from_hour: Hour
    to_hour: Hour
    weekdays_only: bool = True


class CampaignScheduled(EventData):
    event_type = "se.myndnet.outreach.campaign.scheduled.v1"

    campaign_id: EntityId
    agencies: Annotated[list[AgencyCode], Field(max_length=30)] = Field(default_factory=list)
    audience: Audience
    mail_subject: Bilingual  # `subject` over HTTP; here the CloudEvent's subject is the id
    text: CampaignBody
    link: HttpsUrl  # the site's counting redirect to it is what the mail carries
    window: Window

    def subject(self) -> str:
        return self.campaign_id


class CampaignCancelled(EventData):
    event_type = "se.myndnet.outreach.campaign.cancelled.v1"

    campaign_id: EntityId

    def subject(self) -> str:
        return self.campaign_id


class CampaignCompleted(EventData):
    """The window is over: what became of the campaign, in counts only."""

    event_type = "se.myndnet.outreach.campaign.completed.v1"

    campaign_id: EntityId
    audience: Count
    sent: Count
    skipped_by_cap: Count
    link_visits: Count
    news_withdrawn: Count

    def subject(self) -> str:
        return self.campaign_id


OUTREACH_EVENTS: tuple[type[EventData], ...] = (
    OpenEventScheduled,
    OpenEventChanged,
    OpenEventCancelled,
    CampaignScheduled,
    CampaignCancelled,
    CampaignCompleted,
)
