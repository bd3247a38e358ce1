"""The programme's people: new managers waiting for a mentor, and mentors who volunteered.
What the HR systems send is kept here, and goes when the person is erased."""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from myndnet_schemas.events import ManagerAppointed, MentorVolunteered

from myndnet_mentoring.domain.match import ManagerStatus
from myndnet_mentoring.domain.matching import Key


class VolunteerStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Manager:
    agency: str
    person_id: str
    name: str
    email: str
    title: str
    unit: str | None
    start_date: date
    competence_areas: tuple[str, ...]
    languages: tuple[str, ...]
    municipality: str
    status: ManagerStatus = ManagerStatus.WAITING
    waiting_since: datetime | None = None
    unmatched_reason: str | None = None  # why the last round left them waiting
    erased_at: datetime | None = None

    @property
    def key(self) -> Key:
        return (self.agency, self.person_id)

    def waiting_days(self, now: datetime) -> int | None:
        if self.status is not ManagerStatus.WAITING or self.waiting_since is None:
            return None
        return (now - self.waiting_since).days


@dataclass(frozen=True)
class Volunteer:
    """A mentor, and how many mentees they have now (proposed or matched)."""

    agency: str
    person_id: str
    name: str
    email: str
    title: str
    unit: str | None
    competence_areas: tuple[str, ...]
    languages: tuple[str, ...]
    municipality: str
    years_as_manager: int
    capacity: int
    status: VolunteerStatus = VolunteerStatus.ACTIVE
    current_mentees: int = 0
    erased_at: datetime | None = None

    @property
    def key(self) -> Key:
        return (self.agency, self.person_id)

    @property
    def free_places(self) -> int:
        if self.status is not VolunteerStatus.ACTIVE:
            return 0
        return max(0, self.capacity - self.current_mentees)


def appointed(agency: str, m: ManagerAppointed) -> Manager:
    return Manager(
        agency,
        m.person_id,
        m.name,
        m.email,
        m.title,
        m.unit,
        m.start_date,
        tuple(m.competence_areas),
        tuple(m.languages),
        m.municipality,
    )


def volunteered(agency: str, m: MentorVolunteered) -> Volunteer:
    return Volunteer(
        agency,
        m.person_id,
        m.name,
        m.email,
        m.title,
        m.unit,
        tuple(m.competence_areas),
        tuple(m.languages),
        m.municipality,
        m.years_as_manager,
        m.capacity,
    )


@dataclass(frozen=True)
class Person:
    """A manager or mentor, as erasure finds them."""

    kind: str  # manager | mentor
    agency: str
    person_id: str


@dataclass(frozen=True)
class AgencyFlow:
    """Per agency: mentors given, mentors received, managers waiting."""

    agency: str
    mentors_given: int
    mentors_received: int
    managers_waiting: int


COHORT_COUNTS = ("waiting", "proposed", "matched", "completed")


def cohort_of(start_date: date) -> str:
    """Managers are grouped by the half-year they start in: `2026-H1`, `2026-H2`."""
    return f"{start_date.year}-H{1 if start_date.month <= 6 else 2}"


@dataclass(frozen=True)
class Cohort:
    name: str
    managers: int
    counts: dict[str, int]  # per manager status

    @property
    def status(self) -> str:
        if self.counts["completed"] == self.managers:
            return "completed"
        if self.counts["waiting"] or self.counts["proposed"]:
            return "matching"
        return "in programme"


def cohorts(managers: list[Manager]) -> list[Cohort]:
    """The managers grouped by the half-year of their start date, oldest first."""
    grouped: dict[str, list[Manager]] = {}
    for manager in managers:
        grouped.setdefault(cohort_of(manager.start_date), []).append(manager)
    return [
        Cohort(
            name,
            len(members),
            {s: sum(m.status.value == s for m in members) for s in COHORT_COUNTS},
        )
        for name, members in sorted(grouped.items())
    ]
