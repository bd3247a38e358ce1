"""The rules of the register, in plain Python."""

import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from myndnet_schemas.events import AgencyState, Coordinator
from myndnet_schemas.events.membership import EmployerProfile, HttpKey
from myndnet_schemas.topics import validate_agency_code
from myndnet_schemas.vocabulary import AgencyKind, AgencyRole, AgencyStatus

from myndnet_membership.domain.seed import SeedAgency

_ORG_NUMBER_RE = re.compile(r"^(\d{6})-?(\d{4})$")


class MembershipError(Exception):
    """A request the register refuses; the message says why."""


class AgencyNotFound(MembershipError):
    pass


class AgencyConflict(MembershipError):
    pass


class InvalidOrganisationNumber(MembershipError, ValueError):
    pass


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalise_organisation_number(value: str) -> str:
    """`2021005489` or `202100-5489` → `202100-5489`, if it is a valid organisation number.

    Ten digits whose last is the Luhn check digit of the other nine, and a third digit of 2 or
    more (which tells an organisation from a person).
    """
    match = _ORG_NUMBER_RE.match(value.strip())
    if not match:
        raise InvalidOrganisationNumber(
            f"organisation_number {value!r} must be ten digits written NNNNNN-NNNN"
        )
    digits = match.group(1) + match.group(2)
    if int(digits[2]) < 2:
        raise InvalidOrganisationNumber(
            f"organisation_number {value!r} is not an organisation's: its third digit must be "
            "2 or more"
        )
    if not luhn_valid(digits):
        raise InvalidOrganisationNumber(
            f"organisation_number {value!r} has a wrong check digit (the Luhn check fails)"
        )
    return f"{digits[:6]}-{digits[6:]}"


# Addresses anyone can get: an agency's staff cannot be told apart by them.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "hotmail.se",
        "outlook.com",
        "outlook.se",
        "live.com",
        "live.se",
        "msn.com",
        "yahoo.com",
        "yahoo.se",
        "icloud.com",
        "me.com",
        "protonmail.com",
        "proton.me",
        "telia.com",
        "spray.se",
        "bredband.net",
    }
)


class InvalidEmailDomains(MembershipError, ValueError):
    pass


def normalise_email_domains(domains: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """The agency's work e-mail domains, lower case, each once; public mail services refused."""
    cleaned: list[str] = []
    for domain in domains or ():
        value = domain.strip().lower().removeprefix("@")
        if value in PUBLIC_MAIL_DOMAINS:
            raise InvalidEmailDomains(
                f"{value!r} is a public mail service anyone can use, not an agency's own domain"
            )
        if value not in cleaned:
            cleaned.append(value)
    return tuple(cleaned)


MAX_COORDINATORS = 20


def normalise_addresses(addresses: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """Work addresses compared as people type them: trimmed, lower case, each once."""
    cleaned: list[str] = []
    for address in addresses or ():
        value = address.strip().lower()
        if value and value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > MAX_COORDINATORS:
        raise MembershipError(f"an agency has at most {MAX_COORDINATORS} coordinators")
    return tuple(cleaned)


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    kind: AgencyKind
    role: AgencyRole
    status: AgencyStatus
    joined_on: date
    left_on: date | None = None
    organisation_number: str | None = None
    website: str | None = None
    coordinator_name: str | None = None
    coordinator_email: str | None = None
    email_domains: tuple[str, ...] = ()
    coordinators: tuple[str, ...] = ()  # work addresses, lower case
    http_keys: tuple[tuple[str, str], ...] = ()  # live keys: (key_id, sha256)
    profile: EmployerProfile | None = None

    def state(self) -> AgencyState:
        coordinator = (
            Coordinator(name=self.coordinator_name, email=self.coordinator_email)
            if self.coordinator_name and self.coordinator_email
            else None
        )
        return AgencyState(
            code=self.code,
            name=self.name,
            kind=self.kind,
            role=self.role,
            status=self.status,
            joined_on=self.joined_on,
            left_on=self.left_on,
            organisation_number=self.organisation_number,
            website=self.website,
            coordinator=coordinator,
            email_domains=list(self.email_domains),
            coordinators=list(self.coordinators),
            http_keys=[HttpKey(key_id=k, sha256=h) for k, h in self.http_keys],
            profile=self.profile,
        )


def new_agency(
    code: str, name: str, kind: AgencyKind, role: AgencyRole, today: date, **details: Any
) -> Agency:
    validate_agency_code(code)
    if details.get("organisation_number"):
        details["organisation_number"] = normalise_organisation_number(
            str(details["organisation_number"])
        )
    if "email_domains" in details:
        details["email_domains"] = normalise_email_domains(details["email_domains"])
    if "coordinators" in details:
        details["coordinators"] = normalise_addresses(details["coordinators"])
    return Agency(code, name, kind, role, AgencyStatus.ACTIVE, today, **details)


def seeded(seed: SeedAgency, today: date) -> Agency:
    """A seed organisation as it joins."""
    return new_agency(
        seed.code,
        seed.name,
        seed.kind,
        seed.role,
        today,
        organisation_number=seed.organisation_number,
        website=seed.website,
        email_domains=seed.email_domains,
    )


def with_seed_details(existing: Agency, seed: SeedAgency) -> Agency | None:
    """A seed organisation registered before the seed carried its public details, given them
    now; None when it has left or any of them is set, since an operator's choice is never
    overwritten."""
    if existing.status is not AgencyStatus.ACTIVE:
        return None
    if existing.organisation_number or existing.website or existing.email_domains:
        return None
    return replace(
        existing,
        organisation_number=seed.organisation_number,
        website=seed.website,
        email_domains=normalise_email_domains(seed.email_domains),
    )


def rejoin(
    existing: Agency,
    name: str,
    kind: AgencyKind,
    role: AgencyRole,
    today: date,
    **details: Any,
) -> Agency:
    """A departed agency comes back: active again from today; its history stays."""
    if existing.status is AgencyStatus.ACTIVE:
        raise AgencyConflict(f"agency {existing.code!r} is already registered")
    return replace(new_agency(existing.code, name, kind, role, today, **details))


UPDATABLE = (
    "profile",
    "name",
    "kind",
    "role",
    "organisation_number",
    "website",
    "coordinator_name",
    "coordinator_email",
    "email_domains",
    "coordinators",
)


def update(existing: Agency, changes: dict[str, object]) -> Agency:
    if existing.status is AgencyStatus.LEFT:
        raise AgencyConflict(
            f"agency {existing.code!r} has left the network; register it again to rejoin"
        )
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise MembershipError(f"these fields cannot be changed: {', '.join(sorted(unknown))}")
    if changes.get("organisation_number"):
        changes = {
            **changes,
            "organisation_number": normalise_organisation_number(
                str(changes["organisation_number"])
            ),
        }
    if "email_domains" in changes:
        changes = {**changes, "email_domains": normalise_email_domains(changes["email_domains"])}  # type: ignore[arg-type]
    if "coordinators" in changes:
        changes = {**changes, "coordinators": normalise_addresses(changes["coordinators"])}  # type: ignore[arg-type]
    return replace(existing, **changes)  # type: ignore[arg-type]


def changed(before: Agency, after: Agency) -> dict[str, Any]:
    """What a change made of each field it changed: {field: [before, after]} (as in the events)."""
    old, new = before.state().model_dump(mode="json"), after.state().model_dump(mode="json")
    return {
        field: [old[field], new[field]]
        for field in new
        if field != "http_keys" and old.get(field) != new[field]
    }


def leave(existing: Agency, today: date) -> Agency:
    if existing.status is AgencyStatus.LEFT:
        raise AgencyConflict(
            f"agency {existing.code!r} already left the network on {existing.left_on}"
        )
    return replace(existing, status=AgencyStatus.LEFT, left_on=today)


MAX_HTTP_KEYS = 5


@dataclass(frozen=True)
class NewHttpKey:
    key_id: str
    key: str  # shown once
    sha256: str


def http_key_digest(key: str) -> str:
    """What is kept of a key, and what ingest compares a presented key with. The key is 32
    random bytes, so a plain SHA-256 cannot be reversed by guessing."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_http_key(agency: Agency) -> NewHttpKey:
    if agency.status is AgencyStatus.LEFT:
        raise AgencyConflict(f"agency {agency.code!r} has left the network")
    if len(agency.http_keys) >= MAX_HTTP_KEYS:
        raise AgencyConflict(
            f"agency {agency.code!r} already has {MAX_HTTP_KEYS} live keys; revoke one first"
        )
    key_id = secrets.token_hex(8)
    key = f"mnk_{key_id}_{secrets.token_urlsafe(32)}"
    return NewHttpKey(key_id, key, http_key_digest(key))
