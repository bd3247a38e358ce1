"""The rules of courses, sessions and who may register, in plain Python."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from myndnet_schemas.events import AgencyState
from myndnet_schemas.events.trainings import TrainingSession

from myndnet_trainings.domain.seats import QuotaInvalid, SeatingError, check_quotas

REMINDER_DAYS_BEFORE = 2
SCHEDULED = "scheduled"
CANCELLED = "cancelled"


class SessionInvalid(SeatingError, ValueError):
    code = "invalid_session"


class NotFound(SeatingError):
    code = "not_found"


class Conflict(SeatingError):
    """The request cannot be done in the session's or registration's present state."""

    code = "conflict"


class NotWorkAddress(SeatingError, ValueError):
    code = "not_work_address"


class RegistrationClosed(Conflict):
    code = "registration_closed"


@dataclass(frozen=True)
class SessionPlan:
    starts_at: datetime
    ends_at: datetime
    registration_deadline: date
    place: str | None
    online: bool
    total_seats: int
    seats_per_agency: Mapping[str, int]


@dataclass(frozen=True)
class Course:
    code: str
    title: str
    description: str
    kind: str  # it | leadership | other
    host_agency: str


@dataclass(frozen=True)
class Session:
    """A session of a course, with its seats per agency and where it stands."""

    session_id: str
    course: Course
    starts_at: datetime
    ends_at: datetime
    place: str | None
    online: bool
    language: str
    total_seats: int
    registration_deadline: date
    quotas: Mapping[str, int] = field(default_factory=dict)
    status: str = SCHEDULED  # scheduled | cancelled
    deadline_passed: bool = False
    reminded: bool = False

    @property
    def facts(self) -> TrainingSession:
        """The session as its events tell it."""
        return TrainingSession(
            session_id=self.session_id,
            course_code=self.course.code,
            course_title=self.course.title,
            kind=self.course.kind,
            host_agency=self.course.host_agency,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            place=self.place,
            online=self.online,
            language=self.language,
        )

    @property
    def registration_open(self) -> bool:
        return self.status == SCHEDULED and not self.deadline_passed

    def check_open(self, now: datetime) -> None:
        """Registering and confirming are possible only before the start and the deadline."""
        check_open(self.status, self.registration_deadline, self.starts_at, now.date(), now)

    def check_registration_cancellable(self, now: datetime) -> None:
        """A person's registration cannot be cancelled once the session has started."""
        if now >= self.starts_at:
            raise RegistrationClosed("the session has already started; it cannot be cancelled")

    def check_session_cancellable(self, now: datetime) -> None:
        """The operators' cancellation of the whole session."""
        if self.status == CANCELLED:
            raise Conflict(f"session {self.session_id!r} is already cancelled")
        if now >= self.starts_at:
            raise Conflict(f"session {self.session_id!r} has already started")


def new_session(session_id: str, course: Course, plan: "SessionPlan", language: str) -> Session:
    return Session(
        session_id=session_id,
        course=course,
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        place=plan.place,
        online=plan.online,
        language=language,
        total_seats=plan.total_seats,
        registration_deadline=plan.registration_deadline,
        quotas=dict(plan.seats_per_agency),
    )


def check_session(plan: SessionPlan, participating: Collection[str], today: date) -> None:
    """A new session makes sense: in time order, somewhere, seats for agencies of the network."""
    if plan.starts_at.tzinfo is None or plan.ends_at.tzinfo is None:
        raise SessionInvalid("give start and end with a time zone, e.g. 2027-02-10T09:00+01:00")
    if plan.ends_at <= plan.starts_at:
        raise SessionInvalid("the session must end after it starts")
    if plan.starts_at.date() <= today:
        raise SessionInvalid("a new session must start after today")
    if not today <= plan.registration_deadline < plan.starts_at.date():
        raise SessionInvalid(
            "the registration deadline must be between today and the day before the session"
        )
    if not plan.place and not plan.online:
        raise SessionInvalid("give a place, or say that the session is online")
    strangers = sorted(set(plan.seats_per_agency) - set(participating))
    if strangers:
        raise SessionInvalid(
            f"seats are given to agencies that are not in the network: {', '.join(strangers)}"
        )
    try:
        check_quotas(plan.total_seats, plan.seats_per_agency)
    except QuotaInvalid as exc:
        raise SessionInvalid(str(exc)) from None


def work_address(email: str, agency_code: str, agency: AgencyState | None) -> str:
    """The address, with its domain in lower case, if it is a work address of the agency."""
    if agency is None or not agency.participates:
        raise NotWorkAddress(f"{agency_code!r} is not an agency of the network", "unknown_agency")
    local, _, domain = email.strip().rpartition("@")
    domain = domain.lower()
    if not agency.email_domains:
        raise NotWorkAddress(
            f"{agency.name} has not told the network its e-mail domains yet; ask its "
            "coordinator to, or the network's operators",
            "no_email_domains",
        )
    if domain not in agency.email_domains:
        allowed = ", ".join(f"@{d}" for d in agency.email_domains)
        raise NotWorkAddress(
            f"use your work e-mail at {agency.name} (an address ending in {allowed})",
            "not_work_address",
        )
    return f"{local}@{domain}"


def check_open(
    status: str, deadline: date, starts_at: datetime, today: date, now: datetime
) -> None:
    if status == "cancelled":
        raise RegistrationClosed("the session is cancelled")
    if now >= starts_at:
        raise RegistrationClosed("the session has already started")
    if today > deadline:
        raise RegistrationClosed(f"registration closed on {deadline.isoformat()}")
