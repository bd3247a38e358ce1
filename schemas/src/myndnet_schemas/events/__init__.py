"""Every event payload of the network, v1."""

from myndnet_schemas.events.base import EventData
from myndnet_schemas.events.inbound import (
    LEADERSHIP_EVENTS,
    VACANCY_EVENTS,
    ManagerAppointed,
    MentorVolunteered,
    MentorWithdrawn,
    VacancyPublished,
    VacancyUpdated,
    VacancyWithdrawn,
)
from myndnet_schemas.events.membership import (
    MEMBERSHIP_EVENTS,
    AgencyLeft,
    AgencyRegistered,
    AgencyState,
    AgencyUpdated,
    Coordinator,
)
from myndnet_schemas.events.mentoring import (
    MENTORING_EVENTS,
    CheckinDue,
    CheckinRecorded,
    MatchAccepted,
    MatchDeclined,
    MatchEnded,
    MatchParty,
    MatchProposed,
    MatchReminded,
    PersonErased,
)
from myndnet_schemas.events.notify import NOTIFY_EVENTS, NotificationFailed, NotificationSent
from myndnet_schemas.events.trainings import (
    TRAINING_EVENTS,
    AttendanceRecorded,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationErased,
    RegistrationPromoted,
    RegistrationReminded,
    RegistrationRequested,
    RegistrationWaitlisted,
    SessionCancelled,
    SessionScheduled,
)
from myndnet_schemas.events.vacancies import (
    VACANCY_LIFECYCLE_EVENTS,
    VacancyChanged,
    VacancyClosed,
    VacancyOpened,
)

ALL_EVENTS: tuple[type[EventData], ...] = (
    *VACANCY_EVENTS,
    *LEADERSHIP_EVENTS,
    *MEMBERSHIP_EVENTS,
    *VACANCY_LIFECYCLE_EVENTS,
    *MENTORING_EVENTS,
    *NOTIFY_EVENTS,
    *TRAINING_EVENTS,
)

__all__ = [
    "ALL_EVENTS",
    "AgencyLeft",
    "AgencyRegistered",
    "AgencyState",
    "AgencyUpdated",
    "AttendanceRecorded",
    "CheckinDue",
    "CheckinRecorded",
    "Coordinator",
    "EventData",
    "ManagerAppointed",
    "MatchAccepted",
    "MatchDeclined",
    "MatchEnded",
    "MatchParty",
    "MatchProposed",
    "MatchReminded",
    "MentorVolunteered",
    "MentorWithdrawn",
    "NotificationFailed",
    "NotificationSent",
    "PersonErased",
    "RegistrationCancelled",
    "RegistrationConfirmed",
    "RegistrationErased",
    "RegistrationPromoted",
    "RegistrationReminded",
    "RegistrationRequested",
    "RegistrationWaitlisted",
    "SessionCancelled",
    "SessionScheduled",
    "VacancyChanged",
    "VacancyClosed",
    "VacancyOpened",
    "VacancyPublished",
    "VacancyUpdated",
    "VacancyWithdrawn",
]
