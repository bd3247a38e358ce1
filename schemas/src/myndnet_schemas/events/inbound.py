"""What agencies' HR systems publish on `hr.<code>.vacancies`, `hr.<code>.leadership` and
`hr.<code>.exchange`."""

from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator

from myndnet_schemas.events.base import (
    Bool,
    CompetenceArea,
    Date,
    Description,
    EntityId,
    EventData,
    FourDigits,
    HttpsUrl,
    Int,
    Languages,
    Municipality,
    Name,
    ShortText,
    WorkEmail,
    _unique,
)
from myndnet_schemas.vocabulary import (
    AssignmentKind,
    EmploymentType,
    Extent,
    OccupationField,
    RemoteWork,
    TargetGroup,
    Visibility,
    WithdrawalReason,
)

TargetGroups = Annotated[list[TargetGroup], AfterValidator(_unique)]


class VacancyFields(EventData):
    """The full current state of a vacancy, as its agency publishes it."""

    vacancy_id: EntityId
    revision: Int = Field(ge=1)
    title: ShortText
    description: Description
    occupation_field: OccupationField
    ssyk: FourDigits | None = None
    employment_type: EmploymentType
    extent: Extent
    municipality: Municipality
    municipality_code: FourDigits | None = None
    remote: RemoteWork
    target_groups: TargetGroups = Field(default_factory=list)
    published_on: Date
    application_deadline: Date
    apply_url: HttpsUrl
    languages: Languages = Field(default_factory=lambda: ["sv"], min_length=1)
    security_clearance: Bool = False
    # `network`: for staff of the network only; never on anything public (the contract's list).
    visibility: Visibility = Visibility.PUBLIC

    @model_validator(mode="after")
    def _deadline_not_before_publication(self) -> Self:
        if self.application_deadline < self.published_on:
            raise ValueError(
                f"application_deadline ({self.application_deadline}) must be on or after "
                f"published_on ({self.published_on})"
            )
        return self

    def subject(self) -> str:
        return self.vacancy_id


class VacancyPublished(VacancyFields):
    event_type = "se.myndnet.vacancy.published.v1"


class VacancyUpdated(VacancyFields):
    event_type = "se.myndnet.vacancy.updated.v1"


class VacancyWithdrawn(EventData):
    event_type = "se.myndnet.vacancy.withdrawn.v1"

    vacancy_id: EntityId
    revision: Int = Field(ge=1)
    reason: WithdrawalReason

    def subject(self) -> str:
        return self.vacancy_id


class LeaderIdentity(EventData):
    person_id: EntityId
    name: Name
    email: WorkEmail
    title: ShortText
    unit: ShortText | None = None
    competence_areas: Annotated[list[CompetenceArea], Field(max_length=30)] = Field(
        default_factory=list
    )
    languages: Languages = Field(default_factory=lambda: ["sv"], min_length=1)
    municipality: Municipality

    def subject(self) -> str:
        return self.person_id


class ManagerAppointed(LeaderIdentity):
    event_type = "se.myndnet.manager.appointed.v1"

    start_date: Date


class MentorVolunteered(LeaderIdentity):
    event_type = "se.myndnet.mentor.volunteered.v1"

    years_as_manager: Int = Field(ge=0, le=60)
    capacity: Int = Field(default=1, ge=1, le=5)


class MentorWithdrawn(EventData):
    event_type = "se.myndnet.mentor.withdrawn.v1"

    person_id: EntityId

    def subject(self) -> str:
        return self.person_id


Skills = Annotated[list[CompetenceArea], Field(max_length=30), AfterValidator(_unique)]


class AssignmentPosted(EventData):
    """A loan, secondment or short assignment an agency offers the network's staff: its whole
    current state (a later revision replaces it)."""

    event_type = "se.myndnet.assignment.posted.v1"

    assignment_id: EntityId
    revision: Int = Field(ge=1)
    title: ShortText
    description: Description
    skills: Skills = Field(default_factory=list)
    percent: Int = Field(ge=10, le=100)
    first_day: Date
    last_day: Date
    municipality: Municipality
    remote: RemoteWork
    kind: AssignmentKind
    answer_by: Date

    @model_validator(mode="after")
    def _a_period_that_ends_after_it_begins(self) -> Self:
        if self.last_day < self.first_day:
            raise ValueError(
                f"last_day ({self.last_day}) must be on or after first_day ({self.first_day})"
            )
        if self.answer_by > self.first_day:
            raise ValueError(
                f"answer_by ({self.answer_by}) must be on or before first_day ({self.first_day})"
            )
        return self

    def subject(self) -> str:
        return self.assignment_id


class AssignmentWithdrawn(EventData):
    event_type = "se.myndnet.assignment.withdrawn.v1"

    assignment_id: EntityId
    revision: Int = Field(ge=1)

    def subject(self) -> str:
        return self.assignment_id


ASSIGNMENT_EVENTS: tuple[type[EventData], ...] = (AssignmentPosted, AssignmentWithdrawn)
VACANCY_EVENTS: tuple[type[EventData], ...] = (VacancyPublished, VacancyUpdated, VacancyWithdrawn)
LEADERSHIP_EVENTS: tuple[type[EventData], ...] = (
    ManagerAppointed,
    MentorVolunteered,
    MentorWithdrawn,
)
# Everything an agency's HR system may publish, on one of its own topics.
AGENCY_EVENTS: tuple[type[EventData], ...] = (
    *VACANCY_EVENTS,
    *LEADERSHIP_EVENTS,
    *ASSIGNMENT_EVENTS,
)
