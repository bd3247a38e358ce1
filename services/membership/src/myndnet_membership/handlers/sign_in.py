"""Staff's sign-in: a link asked for, the link followed, a session looked up and ended.

A link asked for by a known address is announced on `membership.sign_ins` (through the outbox,
with the request, in one transaction) for notify to mail; the link carries the request's id,
signed with the network's link key, so that nothing on the topic lets anyone sign in.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from myndnet_kit.links import STAFF_SIGN_IN, InvalidLink, read_link
from myndnet_kit.outbox import publish_events
from myndnet_schemas import Event
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.events import SignInRequested
from myndnet_schemas.topics import service_source

from myndnet_membership.adapters import agencies
from myndnet_membership.adapters import sign_in as repository
from myndnet_membership.domain.sign_in import (
    LIMIT_WINDOW,
    Roles,
    digest,
    link_request,
    new_session,
    over_the_limit,
    roles_of,
)

SOURCE = service_source("membership")


class TooManyRequests(Exception):
    """More links asked for than the limits allow: none is sent."""


class LinkNotUsable(Exception):
    """The link was used, has expired or was never ours; the message says which for a person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SignedIn:
    session_token: str
    roles: Roles
    expires_at: datetime


async def roles(conn: asyncpg.Connection, email: str, network_coordinators: Iterable[str]) -> Roles:
    return roles_of(email, await agencies.list_all(conn, None), network_coordinators)


async def ask_for_link(
    conn: asyncpg.Connection,
    topic: str,
    email: str,
    client: str,
    language: str,
    network_coordinators: Iterable[str],
    now: datetime,
) -> None:
    """Record the request; mail a link (through notify) when the address is known. Raises
    TooManyRequests beyond the limits, known address or not."""
    async with conn.transaction():
        person = await roles(conn, email, network_coordinators)
        request = link_request(email, client, person, now)
        await repository.lock_requests_of(conn, request.address_sha256)
        counts = await repository.recent_requests(
            conn, request.address_sha256, request.client_sha256, now - LIMIT_WINDOW
        )
        if over_the_limit(*counts):
            raise TooManyRequests()
        await repository.add_request(conn, request)
        if request.email is None:
            return
        mail = SignInRequested(
            link_id=request.link_id,
            email=request.email,
            language="en" if language == "en" else "sv",
            expires_at=request.expires_at,
        )
        await publish_events(conn, topic, [Event.new(mail, source=SOURCE)])


async def sign_in(
    conn: asyncpg.Connection,
    link_key: str,
    token: str,
    network_coordinators: Iterable[str],
    now: datetime,
) -> SignedIn:
    """A followed link opens a session, once."""
    try:
        link = read_link(link_key, token, STAFF_SIGN_IN, now.astimezone(STOCKHOLM).date())
    except InvalidLink as exc:
        raise LinkNotUsable(exc.code, str(exc)) from None
    async with conn.transaction():
        email = await repository.use_link(conn, link.fields[0], now)
        if email is None:
            raise LinkNotUsable(
                "used", "this sign-in link has been used or has expired: ask for a new one"
            )
        person = await roles(conn, email, network_coordinators)
        if not person.known:  # no longer staff of any agency since the link was mailed
            raise LinkNotUsable("unknown", "this address is no longer one of the network's")
        session = new_session(email, now)
        await repository.add_session(conn, digest(session.token), session)
    return SignedIn(session.token, person, session.expires_at)


async def session_roles(
    conn: asyncpg.Connection, token: str, network_coordinators: Iterable[str], now: datetime
) -> tuple[Roles, datetime] | None:
    """Who holds a live session, with the roles membership gives them now; None when it has
    ended, or its holder is no longer staff of any agency (their agency left, say)."""
    session = await repository.live_session(conn, digest(token), now)
    if session is None:
        return None
    person = await roles(conn, session.email, network_coordinators)
    return (person, session.expires_at) if person.known else None


async def sign_out(conn: asyncpg.Connection, token: str, now: datetime) -> bool:
    return await repository.end_session(conn, digest(token), now)
