"""Notify's tables: subscriptions, tokens, the open vacancies, digest items and deliveries."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from myndnet_notify.domain.subscriptions import (
    ANY,
    Preferences,
    subscription_keys,
    vacancy_keys,
)

SUBSCRIPTION_COLUMNS = """agencies, occupation_fields, municipalities, employment_types,
    target_groups, keywords_given"""

SAVE_PREFERENCES = f"""
UPDATE subscriptions SET language = $2, frequency = $3,
    ({SUBSCRIPTION_COLUMNS}) = ($4, $5, $6, $7, $8, $9),
    keywords = COALESCE(NULLIF(tsvector_to_array(to_tsvector('swedish',
                 array_to_string($9::text[], ' '))), '{{}}'), ARRAY['{ANY}']),
    pending = NULL
WHERE id = $1
"""

# Candidates by their keys (see 0002_subscription_keys.sql), then keywords on those only.
MATCHING = f"""
SELECT DISTINCT subscription_id AS id, frequency
FROM subscription_keys
WHERE key = ANY($1::text[])
  AND keywords && (tsvector_to_array(to_tsvector('swedish', $2)) || '{ANY}'::text)
"""


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


async def subscription_by_email(conn: asyncpg.Connection, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM subscriptions WHERE email = $1 FOR UPDATE", email.lower()
    )


async def subscription(conn: asyncpg.Connection, subscription_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM subscriptions WHERE id = $1", subscription_id)


async def add_subscription(conn: asyncpg.Connection, email: str, preferences: Preferences) -> str:
    subscription_id = new_id("s")
    await conn.execute(
        f"""
        INSERT INTO subscriptions (id, email, status, language, frequency, {SUBSCRIPTION_COLUMNS},
                                   keywords, pending)
        VALUES ($1, $2, 'pending', $3, $4, '{{{ANY}}}', '{{{ANY}}}', '{{{ANY}}}', '{{{ANY}}}',
                '{{{ANY}}}', '{{}}', '{{{ANY}}}', $5)
        """,
        subscription_id,
        email.lower(),
        preferences.language,
        preferences.frequency,
        preferences.as_json(),
    )
    return subscription_id


async def set_pending(
    conn: asyncpg.Connection, subscription_id: str, preferences: Preferences
) -> None:
    await conn.execute(
        "UPDATE subscriptions SET pending = $2 WHERE id = $1",
        subscription_id,
        preferences.as_json(),
    )


async def apply_preferences(
    conn: asyncpg.Connection, subscription_id: str, preferences: Preferences
) -> None:
    c = preferences.columns()
    keys = subscription_keys(preferences)
    await conn.execute(
        SAVE_PREFERENCES,
        subscription_id,
        preferences.language,
        preferences.frequency,
        c["agencies"],
        c["occupation_fields"],
        c["municipalities"],
        c["employment_types"],
        c["target_groups"],
        c["keywords_given"],
    )
    await conn.execute("DELETE FROM subscription_keys WHERE subscription_id = $1", subscription_id)
    await conn.execute(
        "INSERT INTO subscription_keys (key, subscription_id, frequency, keywords) "
        "SELECT unnest($1::text[]), id, frequency, keywords FROM subscriptions WHERE id = $2",
        keys,
        subscription_id,
    )


async def drop_keys(conn: asyncpg.Connection, subscription_id: str) -> None:
    """An unsubscribed subscription is found by no vacancy."""
    await conn.execute("DELETE FROM subscription_keys WHERE subscription_id = $1", subscription_id)


async def add_token(
    conn: asyncpg.Connection,
    digest: bytes,
    subscription_id: str,
    purpose: str,
    expires_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO tokens VALUES ($1, $2, $3, $4)", digest, subscription_id, purpose, expires_at
    )


async def mint_link_token(
    conn: asyncpg.Connection,
    delivery_id: str,
    digest: bytes,
    confirm_lifetime: timedelta,
    unsubscribe_lifetime: timedelta,
) -> asyncpg.Record | None:
    """A queued delivery's kind, with the token its link needs stored in the same statement
    (confirm for a confirmation, else unsubscribe; none without a subscription). None when the
    delivery is no longer queued."""
    return await conn.fetchrow(
        """
        WITH delivery AS (
            SELECT kind, subscription_id, context FROM deliveries
            WHERE id = $1 AND status = 'queued'
        ), minted AS (
            INSERT INTO tokens (token_hash, subscription_id, purpose, expires_at, preferences)
            SELECT $2, d.subscription_id,
                   CASE WHEN d.kind = 'confirmation' THEN 'confirm' ELSE 'unsubscribe' END,
                   now() + CASE WHEN d.kind = 'confirmation' THEN $3::interval
                                ELSE $4::interval END,
                   CASE WHEN d.kind = 'confirmation' THEN d.context -> 'preferences' END
            FROM delivery d
            WHERE EXISTS (SELECT 1 FROM subscriptions s WHERE s.id = d.subscription_id)
            RETURNING 1
        )
        SELECT kind, subscription_id, EXISTS (SELECT 1 FROM minted) AS minted FROM delivery
        """,
        delivery_id,
        digest,
        confirm_lifetime,
        unsubscribe_lifetime,
    )


async def token(conn: asyncpg.Connection, digest: bytes, purpose: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM tokens WHERE token_hash = $1 AND purpose = $2 FOR UPDATE", digest, purpose
    )


async def lock_for_signup(conn: asyncpg.Connection, *keys: str) -> None:
    """Serialise sign-ups that share a key (an address, a client) until the transaction ends,
    so that limits and the one-subscription-per-address rule hold under concurrency. Callers
    give keys in the same order (address, then client), so two sign-ups cannot deadlock."""
    for key in keys:
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", key)


async def confirmation_pending(
    conn: asyncpg.Connection, subscription_id: str, preferences: dict[str, Any], since: datetime
) -> bool:
    """A confirmation for exactly these preferences is queued, or was sent since `since`."""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM deliveries WHERE subscription_id = $1 "
            "AND kind = 'confirmation' AND context -> 'preferences' = $2::jsonb "
            "AND (status = 'queued' OR (status = 'sent' AND sent_at > $3)))",
            subscription_id,
            preferences,
            since,
        )
    )


async def count_attempts(conn: asyncpg.Connection, key: str, since: datetime) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM signup_attempts WHERE key = $1 AND at > $2", key, since
        )
    )


async def record_attempt(conn: asyncpg.Connection, *keys: str) -> None:
    await conn.executemany("INSERT INTO signup_attempts (key) VALUES ($1)", [(k,) for k in keys])


async def matching_subscriptions(
    conn: asyncpg.Connection,
    agency: str,
    occupation_field: str,
    municipality: str,
    employment_type: str,
    target_groups: Sequence[str],
    text: str,
) -> list[asyncpg.Record]:
    keys = vacancy_keys(
        agency, occupation_field, municipality, employment_type, list(target_groups)
    )
    return await conn.fetch(MATCHING, keys, text)


async def remember_open_vacancy(
    conn: asyncpg.Connection,
    key: str,
    agency: str,
    title: str,
    municipality: str,
    deadline: date,
    apply_url: str,
    opened_at: datetime,
) -> None:
    await conn.execute(
        """
        INSERT INTO open_vacancies VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (vacancy_key) DO UPDATE SET title = EXCLUDED.title,
            municipality = EXCLUDED.municipality,
            application_deadline = EXCLUDED.application_deadline,
            apply_url = EXCLUDED.apply_url
        """,
        key,
        agency,
        title,
        municipality,
        deadline,
        apply_url,
        opened_at,
    )


async def forget_vacancy(conn: asyncpg.Connection, key: str) -> int:
    """A closed vacancy: no digest lists it and queued alerts for it are cancelled."""
    await conn.execute("DELETE FROM open_vacancies WHERE vacancy_key = $1", key)
    await conn.execute("DELETE FROM digest_items WHERE vacancy_key = $1", key)
    cancelled = await conn.execute(
        "UPDATE deliveries SET status = 'cancelled', last_error = 'the vacancy closed' "
        "WHERE status = 'queued' AND kind = 'vacancy_alert' AND vacancy_keys = ARRAY[$1]",
        key,
    )
    return int(cancelled.split()[-1])


async def add_digest_items(
    conn: asyncpg.Connection, subscription_ids: Sequence[str], key: str
) -> None:
    if subscription_ids:
        await conn.execute(
            "INSERT INTO digest_items (subscription_id, vacancy_key) "
            "SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING",
            list(subscription_ids),
            key,
        )


async def queue_delivery(
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
    ids = list(subscription_ids)
    result = await conn.execute(
        """
        INSERT INTO deliveries (id, dedupe_key, kind, subscription_id, recipient_ref,
                                vacancy_keys, context, status)
        SELECT 'd-' || substr(md5(random()::text || s), 1, 20), 'alert:' || s || ':' || $2,
               'vacancy_alert', s, s, ARRAY[$2], $3, 'queued'
        FROM unnest($1::text[]) AS s
        ON CONFLICT (dedupe_key) DO NOTHING
        """,
        ids,
        key,
        context,
    )
    return int(result.split()[-1])
