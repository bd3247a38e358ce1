"""The deliveries table: every e-mail notify has recorded, its state and its tries."""

import uuid
from collections.abc import Collection, Sequence
from datetime import timedelta
from typing import Any

import asyncpg


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


async def queue(
    conn: asyncpg.Connection,
    *,
    dedupe_key: str,
    kind: str,
    recipient_ref: str,
    context: dict[str, Any],
    subscription_id: str | None = None,
    work_email: str | None = None,
    match_id: str | None = None,
    vacancy_keys: Sequence[str] = (),
) -> bool:
    """Record an e-mail to send; False when the same one was recorded before."""
    inserted = await conn.fetchval(
        """
        INSERT INTO deliveries (id, dedupe_key, kind, subscription_id, recipient_ref, work_email,
                                match_id, vacancy_keys, context, status)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued')
        ON CONFLICT (dedupe_key) DO NOTHING RETURNING true
        """,
        new_id("d"),
        dedupe_key,
        kind,
        subscription_id,
        recipient_ref,
        work_email,
        match_id,
        list(vacancy_keys),
        context,
    )
    return bool(inserted)


async def queue_alerts(
    conn: asyncpg.Connection, subscription_ids: Sequence[str], key: str, context: dict[str, Any]
) -> int:
    """One alert per (subscription, vacancy), however often the vacancy is announced."""
    if not subscription_ids:
        return 0
    result = await conn.execute(
        """
        INSERT INTO deliveries (id, dedupe_key, kind, subscription_id, recipient_ref,
                                vacancy_keys, context, status)
        SELECT 'd-' || substr(md5(random()::text || s), 1, 20), 'alert:' || s || ':' || $2,
               'vacancy_alert', s, s, ARRAY[$2], $3, 'queued'
        FROM unnest($1::text[]) AS s
        ON CONFLICT (dedupe_key) DO NOTHING
        """,
        list(subscription_ids),
        key,
        context,
    )
    return int(result.split()[-1])


async def due(conn: asyncpg.Connection, limit: int, skip: Collection[str] = ()) -> list[str]:
    """Queued deliveries whose pause is over, oldest first."""
    rows = await conn.fetch(
        "SELECT id FROM deliveries WHERE status = 'queued' AND next_attempt_at <= now() "
        "AND NOT id = ANY($2::text[]) ORDER BY created_at, id LIMIT $1",
        limit,
        list(skip),
    )
    return [r["id"] for r in rows]


async def mint_link_tokens(
    conn: asyncpg.Connection,
    delivery_id: str,
    digest: bytes,
    manage_digest: bytes,
    confirm_lifetime: timedelta,
    unsubscribe_lifetime: timedelta,
    manage_lifetime: timedelta,
) -> asyncpg.Record | None:
    """A queued delivery's kind, with the tokens its links need stored in the same statement:
    confirm for a confirmation, bound to the preferences it confirms; else unsubscribe (that
    search) and manage (the address's preference centre); none without a subscription. None
    when the delivery is no longer queued."""
    return await conn.fetchrow(
        """
        WITH delivery AS (
            SELECT d.kind, d.subscription_id, d.context, s.subscriber_id FROM deliveries d
            JOIN subscriptions s ON s.id = d.subscription_id
            WHERE d.id = $1 AND d.status = 'queued'
        ), minted AS (
            INSERT INTO tokens (token_hash, subscription_id, purpose, expires_at, preferences)
            SELECT $2, d.subscription_id,
                   CASE WHEN d.kind = 'confirmation' THEN 'confirm' ELSE 'unsubscribe' END,
                   now() + CASE WHEN d.kind = 'confirmation' THEN $4::interval
                                ELSE $5::interval END,
                   CASE WHEN d.kind = 'confirmation' THEN d.context -> 'preferences' END
            FROM delivery d
            RETURNING 1
        ), manage AS (
            INSERT INTO tokens (token_hash, subscriber_id, purpose, expires_at)
            SELECT $3, d.subscriber_id, 'manage', now() + $6::interval
            FROM delivery d WHERE d.kind <> 'confirmation'
        )
        SELECT kind, subscription_id, EXISTS (SELECT 1 FROM minted) AS minted FROM delivery
        UNION ALL
        SELECT kind, subscription_id, false FROM deliveries
        WHERE id = $1 AND status = 'queued' AND NOT EXISTS (SELECT 1 FROM delivery)
        """,
        delivery_id,
        digest,
        manage_digest,
        confirm_lifetime,
        unsubscribe_lifetime,
        manage_lifetime,
    )


async def lock_queued(conn: asyncpg.Connection, delivery_id: str) -> asyncpg.Record | None:
    """The delivery, locked for this try; None when it is no longer queued or another sender
    has it."""
    return await conn.fetchrow(
        "SELECT * FROM deliveries WHERE id = $1 AND status = 'queued' FOR UPDATE SKIP LOCKED",
        delivery_id,
    )


async def lock(conn: asyncpg.Connection, delivery_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM deliveries WHERE id = $1 FOR UPDATE", delivery_id)


async def cancel(conn: asyncpg.Connection, delivery_id: str, why: str) -> None:
    await conn.execute(
        "UPDATE deliveries SET status = 'cancelled', last_error = $2 WHERE id = $1",
        delivery_id,
        why,
    )


async def cancel_queued_for(conn: asyncpg.Connection, subscription_id: str, why: str) -> None:
    await conn.execute(
        "UPDATE deliveries SET status = 'cancelled', last_error = $2 "
        "WHERE subscription_id = $1 AND status = 'queued'",
        subscription_id,
        why,
    )


async def cancel_queued_for_subscriber(
    conn: asyncpg.Connection, subscriber_id: str, why: str
) -> None:
    await conn.execute(
        "UPDATE deliveries SET status = 'cancelled', last_error = $2 WHERE status = 'queued' "
        "AND subscription_id IN (SELECT id FROM subscriptions WHERE subscriber_id = $1)",
        subscriber_id,
        why,
    )


async def forget_person(conn: asyncpg.Connection, reference: str) -> None:
    """A manager's or mentor's data erased: mail still to send to them is cancelled, and their
    address and name go from every delivery, theirs and those that named them to the other."""
    await conn.execute(
        "INSERT INTO erased_people (ref) VALUES ($1) ON CONFLICT DO NOTHING", reference
    )
    await conn.execute(
        "UPDATE deliveries SET status = 'cancelled', last_error = 'the person was erased' "
        "WHERE status = 'queued' AND (recipient_ref = $1 OR context ->> 'other_ref' = $1)",
        reference,
    )
    await conn.execute(
        "UPDATE deliveries SET work_email = NULL, context = '{}'::jsonb "
        "WHERE recipient_ref = $1 OR context ->> 'other_ref' = $1",
        reference,
    )


async def erased_among(conn: asyncpg.Connection, references: Sequence[str]) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM erased_people WHERE ref = ANY($1::text[]))",
            list(references),
        )
    )


async def forget_context_of(conn: asyncpg.Connection, subscription_id: str) -> None:
    """An erased subscriber: deliveries keep only the opaque id."""
    await conn.execute(
        "UPDATE deliveries SET context = '{}'::jsonb WHERE subscription_id = $1", subscription_id
    )


async def mark_sent(conn: asyncpg.Connection, delivery_id: str, attempts: int) -> None:
    await conn.execute(
        "UPDATE deliveries SET status = 'sent', attempts = $2, sent_at = now(), "
        "last_error = NULL WHERE id = $1",
        delivery_id,
        attempts,
    )


async def mark_failed(
    conn: asyncpg.Connection, delivery_id: str, attempts: int, error: str
) -> None:
    await conn.execute(
        "UPDATE deliveries SET status = 'failed', attempts = $2, last_error = $3 WHERE id = $1",
        delivery_id,
        attempts,
        error,
    )


async def retry_later(
    conn: asyncpg.Connection, delivery_id: str, attempts: int, error: str, pause: timedelta
) -> None:
    await conn.execute(
        "UPDATE deliveries SET attempts = $2, last_error = $3, "
        "next_attempt_at = now() + $4::interval WHERE id = $1",
        delivery_id,
        attempts,
        error,
        pause,
    )


async def recent(
    conn: asyncpg.Connection, status: str | None, kind: str | None, limit: int
) -> list[asyncpg.Record]:
    """For operators: the newest deliveries, without addresses."""
    return await conn.fetch(
        "SELECT id, kind, status, recipient_ref, subscription_id, match_id, vacancy_keys, "
        "attempts, last_error, created_at, sent_at FROM deliveries "
        "WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR kind = $2) "
        "ORDER BY created_at DESC, id LIMIT $3",
        status,
        kind,
        limit,
    )
