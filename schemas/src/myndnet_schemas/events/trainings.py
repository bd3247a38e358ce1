"""What trainings publishes on `trainings.registrations`, keyed by session id.

Each registration event carries the session and the person as they are, so notify can write
its mail without asking trainings. Work e-mail addresses appear (public employees').
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, Strict

from myndnet_schemas.events.base import (
    Date,
    EntityId,
    EventData,
    Language,
    Name,
    ShortText,
    WorkEmail,
)
from myndnet_schemas.events.membership import AgencyCode

CourseCode = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
Seats = Annotated[int, Strict(), Field(ge=0, le=10_000)]


class CourseKind(StrEnum):
    IT = "it"
    LEADERSHIP = "leadership"
    OTHER = "other"


class TrainingSession(EventData):
    session_id: EntityId
    course_code: CourseCode
    course_title: ShortText
    kind: CourseKind
    host_agency: AgencyCode
    starts_at: datetime
    ends_at: datetime
    place: ShortText | None = None  # None: online only
    online: bool = False
    language: Language = "sv"  # the language the session is held in


class Registrant(EventData):
    agency: AgencyCode
    name: Name
    email: WorkEmail
    # The language their mail is written in.
    language: Literal["sv", "en"] = "sv"


class SessionScheduled(EventData):
    event_type = "se.myndnet.training.session.scheduled.v1"

    session: TrainingSession
    total_seats: Seats
    seats_per_agency: dict[str, Seats]
    registration_deadline: Date
    at: datetime

    def subject(self) -> str:
        return self.session.session_id


class SessionCancelled(EventData):
    """The session will not take place; everyone on it is told by a registration.cancelled."""

    event_type = "se.myndnet.training.session.cancelled.v1"

    session: TrainingSession
    reason: ShortText | None = None
    at: datetime

    def subject(self) -> str:
        return self.session.session_id


class RegistrationFields(EventData):
    registration_id: EntityId
    session: TrainingSession
    person: Registrant
    at: datetime

    def subject(self) -> str:
        return self.registration_id

    def kafka_key(self) -> str:
        return self.session.session_id


class RegistrationRequested(RegistrationFields):
    """Someone asked for a place; the mail asks them to confirm their work address."""

    event_type = "se.myndnet.training.registration.requested.v1"

    confirm_by: Date


class RegistrationConfirmed(RegistrationFields):
    """The address is confirmed and the person has a seat."""

    event_type = "se.myndnet.training.registration.confirmed.v1"


class RegistrationWaitlisted(RegistrationFields):
    """The address is confirmed; the agency's seats are taken: a place on its waitlist."""

    event_type = "se.myndnet.training.registration.waitlisted.v1"

    place: Annotated[int, Strict(), Field(ge=1)]


class PromotedBecause(StrEnum):
    SEAT_FREED = "seat_freed"  # someone of the same agency (or, after the deadline, anyone) left
    DEADLINE = "deadline"  # the registration deadline passed and other agencies' seats were free


class RegistrationPromoted(RegistrationFields):
    """From the waitlist to a seat."""

    event_type = "se.myndnet.training.registration.promoted.v1"

    because: PromotedBecause


class CancelledBecause(StrEnum):
    PERSON = "person"
    SESSION_CANCELLED = "session_cancelled"
    AGENCY_LEFT = "agency_left"


class RegistrationCancelled(RegistrationFields):
    event_type = "se.myndnet.training.registration.cancelled.v1"

    because: CancelledBecause
    had: Literal["unconfirmed", "registered", "waitlisted"]


class RegistrationReminded(RegistrationFields):
    """Two days before the session, each registered person is reminded."""

    event_type = "se.myndnet.training.registration.reminded.v1"


class AttendanceRecorded(EventData):
    event_type = "se.myndnet.training.attendance.recorded.v1"

    registration_id: EntityId
    session_id: EntityId
    agency: AgencyCode
    kind: CourseKind
    attended: bool
    at: datetime

    def subject(self) -> str:
        return self.registration_id

    def kafka_key(self) -> str:
        return self.session_id


class RegistrationErased(EventData):
    """The person's name and address are gone from this registration (on request, or 24 months
    after their last session): copies of them must go too. What is left counts in figures."""

    event_type = "se.myndnet.training.registration.erased.v1"

    registration_id: EntityId
    session_id: EntityId
    at: datetime

    def subject(self) -> str:
        return self.registration_id

    def kafka_key(self) -> str:
        return self.session_id


REGISTRATION_EVENTS: tuple[type[RegistrationFields], ...] = (
    RegistrationRequested,
    RegistrationConfirmed,
    RegistrationWaitlisted,
    RegistrationPromoted,
    RegistrationCancelled,
    RegistrationReminded,
)
TRAINING_EVENTS: tuple[type[EventData], ...] = (
    SessionScheduled,
    SessionCancelled,
    *REGISTRATION_EVENTS,
    AttendanceRecorded,
    RegistrationErased,
)
