"""Who may sign in as what, and the limits on asking: plain Python.

A person signs in with their work address. They are staff of the active agency whose e-mail
domain the address has; an agency's `coordinators` act for that agency; the network's
coordinators (configuration) act for all. An address that is none of these gets no link, and
is told nothing different.
"""

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from myndnet_schemas.vocabulary import AgencyStatus

from myndnet_membership.domain.agencies import Agency

LINK_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
LIMIT_WINDOW = timedelta(minutes=15)
LINKS_AN_ADDRESS = 5
LINKS_A_CLIENT = 30
# A request is kept this long after it was made: well past the window the limits look back.
REQUESTS_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class Roles:
    email: str
    staff_of: str | None  # the agency whose e-mail domain the address has
    coordinates: tuple[str, ...]  # the agencies whose coordinator this person is
    network_coordinator: bool

    @property
    def known(self) -> bool:
        return bool(self.staff_of or self.coordinates or self.network_coordinator)

    @property
    def coordinator(self) -> bool:
        return self.network_coordinator or bool(self.coordinates)

    def acts_for(self, agency: str) -> bool:
        return self.network_coordinator or agency in self.coordinates


def address_of(email: str) -> str:
    """How an address is compared: trimmed, lower case."""
    return email.strip().lower()


def roles_of(email: str, agencies: Iterable[Agency], network_coordinators: Iterable[str]) -> Roles:
    address = address_of(email)
    if not address.isprintable() or " " in address or address.count("@") != 1:
        return Roles(address, None, (), False)  # no address anyone's mail goes to
    domain = address.rpartition("@")[2]
    active = [a for a in agencies if a.status is AgencyStatus.ACTIVE]
    staff_of = next((a.code for a in active if domain in a.email_domains), None)
    coordinates = tuple(sorted(a.code for a in active if address in a.coordinators))
    network = address in {address_of(c) for c in network_coordinators if c.strip()}
    return Roles(address, staff_of, coordinates, network)


def digest(text: str) -> bytes:
    """What is kept of an address, a client or a session token."""
    return hashlib.sha256(text.encode()).digest()


def over_the_limit(by_address: int, by_client: int) -> bool:
    """Given the links asked for in the last LIMIT_WINDOW, by this address and by this client."""
    return by_address >= LINKS_AN_ADDRESS or by_client >= LINKS_A_CLIENT


@dataclass(frozen=True)
class LinkRequest:
    link_id: str
    address_sha256: bytes
    client_sha256: bytes
    email: str | None  # only when a link is mailed
    requested_at: datetime
    expires_at: datetime


def link_request(email: str, client: str, roles: Roles, now: datetime) -> LinkRequest:
    address = address_of(email)
    return LinkRequest(
        link_id=secrets.token_urlsafe(24),
        address_sha256=digest(address),
        client_sha256=digest(client),
        email=address if roles.known else None,
        requested_at=now,
        expires_at=now + LINK_LIFETIME,
    )


@dataclass(frozen=True)
class NewSession:
    token: str  # the cookie's, given to the site once
    email: str
    started_at: datetime
    expires_at: datetime


def new_session(email: str, now: datetime) -> NewSession:
    return NewSession(secrets.token_urlsafe(32), email, now, now + SESSION_LIFETIME)
