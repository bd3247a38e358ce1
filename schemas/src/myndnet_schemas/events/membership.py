"""What membership publishes: on the compacted topic `membership.agencies`, keyed by agency
code, each agency's state; on `membership.sign_ins`, keyed by link id, the staff's sign-in links
for notify to mail."""

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from myndnet_schemas.events.base import Date, EventData, HttpsUrl, Name, ShortText, WorkEmail
from myndnet_schemas.text import multiline, one_line
from myndnet_schemas.topics import AGENCY_CODE_RE
from myndnet_schemas.vocabulary import AgencyKind, AgencyRole, AgencyStatus

AgencyCode = Annotated[str, Field(pattern=AGENCY_CODE_RE.pattern)]


_DOMAIN_RE = re.compile(r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def _check_email_domain(domain: str) -> str:
    if not _DOMAIN_RE.fullmatch(domain):
        raise ValueError(
            f"{domain!r} is not an e-mail domain: write it in lower case, such as 'csn.se'"
        )
    return domain


EmailDomain = Annotated[str, AfterValidator(_check_email_domain)]


class HttpKey(EventData):
    """One of the agency's keys for ingest's HTTP door, as its SHA-256 (the key itself is shown
    once, to the operator who asked for it, and kept nowhere)."""

    key_id: Annotated[str, Field(pattern=r"^[a-z0-9]{8,32}$")]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class ProfileText(EventData):
    """An employer profile in one language: what the agency says of itself to candidates."""

    tagline: ShortText
    about: Annotated[str, Field(max_length=4000), AfterValidator(multiline)] = ""
    benefits: Annotated[list[ShortText], Field(max_length=12)] = Field(default_factory=list)
    contact: Annotated[str, Field(max_length=300), AfterValidator(one_line)] = ""


class EmployerProfile(EventData):
    """The agency as an employer, in Swedish and English (either may be missing)."""

    sv: ProfileText | None = None
    en: ProfileText | None = None


class Coordinator(EventData):
    name: Name
    email: WorkEmail


class AgencyState(EventData):
    """The whole current state of an agency: a compacted topic keeps only the latest."""

    code: AgencyCode
    name: Name
    kind: AgencyKind
    role: AgencyRole
    status: AgencyStatus
    joined_on: Date
    left_on: Date | None = None
    organisation_number: Annotated[str, Field(pattern=r"^[0-9]{6}-[0-9]{4}$")] | None = None
    website: HttpsUrl | None = None
    coordinator: Coordinator | None = None
    # The domains of the agency's work e-mail: staff register for trainings with these only.
    email_domains: Annotated[list[EmailDomain], Field(max_length=20)] = Field(default_factory=list)
    # The work addresses of the agency's coordinators: they act for it in the console.
    coordinators: Annotated[list[WorkEmail], Field(max_length=20)] = Field(default_factory=list)
    # The agency's live HTTP keys; a revoked key, and every key of an agency that left, is gone.
    http_keys: Annotated[list[HttpKey], Field(max_length=20)] = Field(default_factory=list)
    # The agency as an employer (the site's agency page and /jobba-hos-oss).
    profile: EmployerProfile | None = None

    def subject(self) -> str:
        return self.code

    @property
    def participates(self) -> bool:
        """A current member or associated party: its HR events are applied."""
        return self.status is AgencyStatus.ACTIVE


class AgencyRegistered(AgencyState):
    event_type = "se.myndnet.agency.registered.v1"


class AgencyUpdated(AgencyState):
    event_type = "se.myndnet.agency.updated.v1"


class AgencyLeft(AgencyState):
    event_type = "se.myndnet.agency.left.v1"


MEMBERSHIP_EVENTS: tuple[type[EventData], ...] = (AgencyRegistered, AgencyUpdated, AgencyLeft)


class SignInRequested(EventData):
    """A member of staff asked to sign in: notify mails `email` a link to the site that carries
    `link_id`, signed with the network's link key (purpose `staff-sign-in`). Membership accepts
    the link once, until `expires_at`."""

    event_type = "se.myndnet.staff.sign_in.requested.v1"
    link_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{16,64}$")]
    email: WorkEmail
    language: Literal["sv", "en"] = "sv"  # the language of the page where they asked
    expires_at: datetime

    def subject(self) -> str:
        return self.link_id


SIGN_IN_EVENTS: tuple[type[EventData], ...] = (SignInRequested,)
