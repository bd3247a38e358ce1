"""Sign-in links asked for, and sessions: their tables."""

from dataclasses import dataclass
from datetime import datetime

import asyncpg
from myndnet_kit.retention import Expiry

from myndnet_membership.domain.sign_in import REQUESTS_KEPT, LinkRequest, NewSession


@dataclass(frozen=True)
class Session:
    email: str
    started_at: datetime
    expires_at: datetime


async def lock_requests_of(conn: asyncpg.Connection, address_sha256: bytes) -> None:
    """Requests for one address counted and added one at a time (inside a transaction)."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(encode($1::bytea, 'hex'), 0))",
        address_sha256,
    )


async def recent_requests(
    conn: asyncpg.Connection, address_sha256: bytes, client_sha256: bytes, since: datetime
) -> tuple[int, int]:
    """Links asked for since `since`: by the address, and by the client."""
    row = await conn.fetchrow(
        """
        SELECT (SELECT count(*) FROM sign_in_links
                WHERE address_sha256 = $1 AND requested_at >= $3) AS by_address,
               (SELECT count(*) FROM sign_in_links
                WHERE client_sha256 = $2 AND requested_at >= $3) AS by_client
        """,
        address_sha256,
        client_sha256,
        since,
    )
    return row["by_address"], row["by_client"]


async def add_request(conn: asyncpg.Connection, request: LinkRequest) -> None:
    await conn.execute(
        "INSERT INTO sign_in_links (link_id, address_sha256, client_sha256, email, requested_at,"
        " expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        request.link_id,
        request.address_sha256,
        request.client_sha256,
        request.email,
        request.requested_at,
        request.expires_at,
    )


async def use_link(conn: asyncpg.Connection, link_id: str, now: datetime) -> str | None:
    """The link's address, when it was mailed, is unused and has not expired; it is used now."""
    return await conn.fetchval(
        """
        UPDATE sign_in_links AS link SET used_at = $2, email = NULL
        FROM (SELECT link_id, email FROM sign_in_links WHERE link_id = $1 FOR UPDATE) AS asked
        WHERE link.link_id = asked.link_id
          AND link.used_at IS NULL AND link.email IS NOT NULL AND link.expires_at > $2
        RETURNING asked.email
        """,
        link_id,
        now,
    )


async def add_session(conn: asyncpg.Connection, token_sha256: bytes, session: NewSession) -> None:
    await conn.execute(
        "INSERT INTO staff_sessions (token_sha256, email, started_at, expires_at) "
        "VALUES ($1, $2, $3, $4)",
        token_sha256,
        session.email,
        session.started_at,
        session.expires_at,
    )


async def live_session(
    conn: asyncpg.Connection, token_sha256: bytes, now: datetime
) -> Session | None:
    row = await conn.fetchrow(
        "SELECT email, started_at, expires_at FROM staff_sessions "
        "WHERE token_sha256 = $1 AND ended_at IS NULL AND expires_at > $2",
        token_sha256,
        now,
    )
    return Session(row["email"], row["started_at"], row["expires_at"]) if row else None


async def end_session(conn: asyncpg.Connection, token_sha256: bytes, now: datetime) -> bool:
    ended = await conn.fetchval(
        "UPDATE staff_sessions SET ended_at = $2 "
        "WHERE token_sha256 = $1 AND ended_at IS NULL RETURNING true",
        token_sha256,
        now,
    )
    return bool(ended)


# Requests older than a day (the limits look back 15 minutes), sessions a day after they ended.
EXPIRIES = [
    Expiry("sign_in_links", "requested_at < $1", REQUESTS_KEPT),
    Expiry("staff_sessions", "expires_at < $1", REQUESTS_KEPT),
]
