"""What outreach publishes on `outreach.activities`, keyed by open event (or campaign) id.

An open event's events carry the event as it now is, so a reader needs nothing else.
Registrations and recipients never appear on a topic.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, Strict

from myndnet_schemas.events.base import Date, EntityId, EventData, HttpsUrl, ShortText
from myndnet_schemas.events.membership import AgencyCode
from myndnet_schemas.text import multiline
from myndnet_schemas.vocabulary import TargetGroup

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


OUTREACH_EVENTS: tuple[type[EventData], ...] = (
    OpenEventScheduled,
    OpenEventChanged,
    OpenEventCancelled,
)
