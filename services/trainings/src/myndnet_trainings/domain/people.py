"""The people on sessions, and how long trainings keeps their name and address: until they
ask it to forget them, or 24 months after their last session. Their registrations stay,
anonymous, so that the figures (seats used and attended per agency and course kind) do not
change."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from myndnet_schemas.events.trainings import Registrant

from myndnet_trainings.domain.seats import Registration, Seating, Status
from myndnet_trainings.domain.sessions import Session

ERASED_AFTER_MONTHS = 24
# An unconfirmed request asked again sooner than this sends no second confirmation, so the
# form cannot be used to flood someone's inbox.
RESEND_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Participant:
    """A registration and the person it is for (name and address empty once erased)."""

    registration_id: str
    session_id: str
    agency: str
    name: str | None
    email: str | None
    language: str
    status: Status = Status.UNCONFIRMED
    order: int | None = None  # registration order, given when the address is confirmed
    attended: bool | None = None
    requested_at: datetime | None = None
    confirmed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_because: str | None = None
    erased_at: datetime | None = None

    @property
    def registration(self) -> Registration:
        return Registration(
            self.registration_id, self.agency, self.email or "", self.status, self.order
        )

    @property
    def registrant(self) -> Registrant:
        assert self.name is not None and self.email is not None, "erased"
        return Registrant(
            agency=self.agency, name=self.name, email=self.email, language=self.language
        )

    def confirmation_due_again(self, now: datetime) -> bool:
        """Asked again while unconfirmed: is it time to send the confirmation once more?"""
        return self.requested_at is None or now - self.requested_at >= RESEND_AFTER


@dataclass(frozen=True)
class PersonalRegistration:
    """A registration that still holds someone's name and address."""

    registration_id: str
    session_id: str
    status: str
    starts_at: datetime


def seating(session: Session, participants: Iterable[Participant]) -> Seating:
    """Who holds which seat on the session, as the seat rules see it."""
    return Seating(
        total=session.total_seats,
        quotas=session.quotas,
        deadline_passed=session.deadline_passed,
        registrations=tuple(p.registration for p in participants),
    )


def by_id(participants: Iterable[Participant]) -> Mapping[str, Participant]:
    return {p.registration_id: p for p in participants}


def erasure_cutoff(today: date) -> date:
    """People whose last session ended before this day are erased on `today`."""
    months = today.year * 12 + today.month - 1 - ERASED_AFTER_MONTHS
    year, month = divmod(months, 12)
    month += 1
    for day in (today.day, 30, 29, 28):  # the same day of the month, or that month's last
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")
