"""What mentoring publishes on `mentoring.matches`, keyed by match id.

Both people's names and work e-mail addresses are included so that notify can tell them.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, Strict

from myndnet_schemas.events.base import EntityId, EventData, Name, ShortText, WorkEmail
from myndnet_schemas.events.membership import AgencyCode


class MatchParty(EventData):
    agency: AgencyCode
    person_id: EntityId
    name: Name
    email: WorkEmail
    title: ShortText | None = None


class DeclinedBy(StrEnum):
    MANAGER = "manager"
    MENTOR = "mentor"
    OPERATOR = "operator"
    EXPIRY = "expiry"


class EndReason(StrEnum):
    COMPLETED = "completed"
    MENTOR_WITHDRAWN = "mentor_withdrawn"
    AGENCY_LEFT = "agency_left"
    OPERATOR = "operator"


class MatchFields(EventData):
    match_id: Annotated[str, Field(min_length=1, max_length=64)]
    manager: MatchParty
    mentor: MatchParty
    at: datetime

    def subject(self) -> str:
        return self.match_id


class MatchProposed(MatchFields):
    event_type = "se.myndnet.mentoring.match.proposed.v1"

    score: Annotated[float, Strict()]
    reasons: list[str] = Field(default_factory=list)
    respond_by: date


class MatchAccepted(MatchFields):
    event_type = "se.myndnet.mentoring.match.accepted.v1"

    ends_on: date


class MatchDeclined(MatchFields):
    event_type = "se.myndnet.mentoring.match.declined.v1"

    declined_by: DeclinedBy


class MatchEnded(MatchFields):
    event_type = "se.myndnet.mentoring.match.ended.v1"

    reason: EndReason


MENTORING_EVENTS: tuple[type[EventData], ...] = (
    MatchProposed,
    MatchAccepted,
    MatchDeclined,
    MatchEnded,
)
