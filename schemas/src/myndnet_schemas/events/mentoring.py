"""What mentoring publishes on `mentoring.matches`, keyed by match id.

Both people's names and work e-mail addresses are included so that notify can tell them.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, Strict

from myndnet_schemas.events.base import EntityId, EventData, Name, ShortText, WorkEmail
from myndnet_schemas.events.membership import AgencyCode


class MatchParty(EventData):
    agency: AgencyCode
    person_id: EntityId
    name: Name
    email: WorkEmail
    title: ShortText | None = None
    # The language their mail is written in: English for someone who gave only English.
    language: Literal["sv", "en"] | None = None


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


class Role(StrEnum):
    MANAGER = "manager"
    MENTOR = "mentor"


class MatchReminded(MatchFields):
    """The answer date is near and these have not answered yet."""

    event_type = "se.myndnet.mentoring.match.reminded.v1"

    respond_by: date
    waiting_for: list[Role]


class CheckinDue(MatchFields):
    """Months after acceptance, both are asked how it goes."""

    event_type = "se.myndnet.mentoring.checkin.due.v1"

    month: Annotated[int, Strict(), Field(ge=1, le=24)]
    answer_by: date


class CheckinRecorded(EventData):
    """One person's check-in answer, without their comment."""

    event_type = "se.myndnet.mentoring.checkin.recorded.v1"

    match_id: Annotated[str, Field(min_length=1, max_length=64)]
    role: Role
    month: Annotated[int, Strict(), Field(ge=1, le=24)]
    met: bool
    meetings: Annotated[int, Strict(), Field(ge=0, le=500)]
    satisfaction: Annotated[int, Strict(), Field(ge=1, le=5)]
    at: datetime

    def subject(self) -> str:
        return self.match_id


class PersonErased(EventData):
    """A manager's or mentor's personal data was erased: copies of it must go too."""

    event_type = "se.myndnet.mentoring.person.erased.v1"

    agency: AgencyCode
    person_id: EntityId
    at: datetime

    def subject(self) -> str:
        return f"{self.agency}/{self.person_id}"


MENTORING_EVENTS: tuple[type[EventData], ...] = (
    MatchProposed,
    MatchAccepted,
    MatchDeclined,
    MatchEnded,
    MatchReminded,
    CheckinDue,
    CheckinRecorded,
    PersonErased,
)
