"""What the vacancies service publishes on `vacancies.vacancies`, keyed `<code>/<vacancy_id>`."""

from datetime import datetime
from typing import Annotated

from pydantic import Field

from myndnet_schemas.events.base import EntityId, EventData, Int
from myndnet_schemas.events.inbound import VacancyFields
from myndnet_schemas.events.membership import AgencyCode
from myndnet_schemas.vocabulary import ClosedReason


class VacancyState(VacancyFields):
    agency: AgencyCode

    def subject(self) -> str:
        return f"{self.agency}/{self.vacancy_id}"


class VacancyOpened(VacancyState):
    event_type = "se.myndnet.vacancy.opened.v1"


class VacancyChanged(VacancyState):
    event_type = "se.myndnet.vacancy.changed.v1"

    changed_fields: Annotated[list[str], Field(min_length=1)]


class VacancyClosed(EventData):
    event_type = "se.myndnet.vacancy.closed.v1"

    agency: AgencyCode
    vacancy_id: EntityId
    revision: Int = Field(ge=1)
    title: Annotated[str, Field(min_length=1, max_length=200)]
    reason: ClosedReason
    closed_at: datetime

    def subject(self) -> str:
        return f"{self.agency}/{self.vacancy_id}"


VACANCY_LIFECYCLE_EVENTS: tuple[type[EventData], ...] = (
    VacancyOpened,
    VacancyChanged,
    VacancyClosed,
)
