"""What exchange publishes on `exchange.assignments`, keyed by `<host>/<assignment_id>`.

Each step of an agreement between a host agency, a person and the person's own (home) agency.
Only the agreement carries the person's work address; the steps before it carry the interest's
id, so that nobody is named on a topic for having been interested.
"""

from enum import StrEnum

from myndnet_schemas.events.base import Date, EntityId, EventData, Int, WorkEmail
from myndnet_schemas.events.membership import AgencyCode
from myndnet_schemas.vocabulary import AssignmentKind


class Step(StrEnum):
    HOST = "host"  # the host's coordinator picks the person
    HOME = "home"  # the person's own agency (its coordinator) approves
    PERSON = "person"  # the person confirms


class AssignmentStep(EventData):
    assignment_id: EntityId
    host: AgencyCode
    home: AgencyCode
    interest_id: EntityId

    def subject(self) -> str:
        return f"{self.host}/{self.assignment_id}"


class InterestRecorded(AssignmentStep):
    event_type = "se.myndnet.exchange.interest.recorded.v1"


class AssignmentApproved(AssignmentStep):
    """The host picked the person (`step` host), or the home agency approved (`step` home)."""

    event_type = "se.myndnet.exchange.assignment.approved.v1"

    step: Step


class AssignmentDeclined(AssignmentStep):
    """One of the three said no: this interest ends; the assignment stays open for others."""

    event_type = "se.myndnet.exchange.assignment.declined.v1"

    step: Step


class AssignmentAgreed(AssignmentStep):
    event_type = "se.myndnet.exchange.assignment.agreed.v1"

    email: WorkEmail
    kind: AssignmentKind
    first_day: Date
    last_day: Date
    percent: Int


EXCHANGE_EVENTS: tuple[type[EventData], ...] = (
    InterestRecorded,
    AssignmentApproved,
    AssignmentDeclined,
    AssignmentAgreed,
)
