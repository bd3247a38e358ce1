"""Notify's tables: subscriptions, tokens, the open vacancies, digest items and deliveries."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import asyncpg

from myndnet_notify.domain.delivery import new_id
from myndnet_notify.domain.subscriptions import ANY, DigestVacancy, OpenVacancy, Preferences

SUBSCRIPTION_COLUMNS = """agencies, occupation_fields, municipalities, employment_types,
    target_groups, keywords_given"""

SAVE_PREFERENCES = f"""
UPDATE subscriptions SET language = $2, frequency = $3,
    ({SUBSCRIPTION_COLUMNS}) = ($4, $5, $6, $7, $8, $9),
    keywords = COALESCE(NULLIF(tsvector_to_array(to_tsvector('swedish',
                 array_to_string($9::text[], ' '))), '{{}}'), ARRAY['{ANY}']),
    pending = NULL, filter_key = $10
WHERE id = $1
"""


async def subscriber_by_email(conn: asyncpg.Connection, email: str) -> asyncpg.Record | None:
    """The address, held against an erasure until the transaction ends. NO KEY UPDATE, not
    UPDATE: a sending round holds its addresses FOR KEY SHARE while it waits for a second pooled
    connection, and a sign-up waiting for it would keep the pool full of sign-ups waiting for
    this one's lock."""
    return await conn.fetchrow(
        "SELECT * FROM subscribers WHERE email = $1 FOR NO KEY UPDATE", email.lower()
    )


async def add_subscriber(conn: asyncpg.Connection, email: str, language: str) -> str:
    subscriber_id = new_id("p")
    await conn.execute(
        "INSERT INTO subscribers (id, email, language) VALUES ($1, $2, $3)",
        subscriber_id,
        email.lower(),
        language,
    )
    return subscriber_id


async def search_with_filters(
    conn: asyncpg.Connection, subscriber_id: str, filter_key: str
) -> asyncpg.Record | None:
    """The address's saved search with exactly these filters, locked (NO KEY UPDATE, as in
    `subscriber_by_email`)."""
    return await conn.fetchrow(
        "SELECT * FROM subscriptions WHERE subscriber_id = $1 AND filter_key = $2 "
        "ORDER BY created_at LIMIT 1 FOR NO KEY UPDATE",
        subscriber_id,
        filter_key,
    )


async def subscription(conn: asyncpg.Connection, subscription_id: str) -> asyncpg.Record | None:
    """A saved search with its address and whether that address is suppressed."""
    return await conn.fetchrow(
        "SELECT s.*, p.email, p.suppressed_at FROM subscriptions s "
        "JOIN subscribers p ON p.id = s.subscriber_id WHERE s.id = $1",
        subscription_id,
    )


async def searches_of(conn: asyncpg.Connection, subscriber_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT id, status, language, frequency, pending, {SUBSCRIPTION_COLUMNS}, created_at "
        "FROM subscriptions WHERE subscriber_id = $1 ORDER BY created_at, id",
        subscriber_id,
    )


async def subscriber(conn: asyncpg.Connection, subscriber_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM subscribers WHERE id = $1", subscriber_id)


async def add_subscription(
    conn: asyncpg.Connection, subscriber_id: str, preferences: Preferences
) -> str:
    """A new saved search, pending until its preferences are applied."""
    subscription_id = new_id("s")
    await conn.execute(
        f"""
        INSERT INTO subscriptions (id, subscriber_id, status, language, frequency,
                                   {SUBSCRIPTION_COLUMNS}, keywords, pending, filter_key)
        VALUES ($1, $2, 'pending', $3, $4, '{{{ANY}}}', '{{{ANY}}}', '{{{ANY}}}', '{{{ANY}}}',
                '{{{ANY}}}', '{{}}', '{{{ANY}}}', $5, $6)
        """,
        subscription_id,
        subscriber_id,
        preferences.language,
        preferences.frequency,
        preferences.as_json(),
        preferences.filter_key(),
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
    conn: asyncpg.Connection,
    subscription_id: str,
    preferences: Preferences,
    columns: dict[str, list[str]],
    keys: Sequence[str],
) -> None:
    """Save confirmed preferences: their stored filter columns and the keys under which a
    vacancy finds the subscription (both computed by the domain)."""
    await conn.execute(
        SAVE_PREFERENCES,
        subscription_id,
        preferences.language,
        preferences.frequency,
        columns["agencies"],
        columns["occupation_fields"],
        columns["municipalities"],
        columns["employment_types"],
        columns["target_groups"],
        columns["keywords_given"],
        preferences.filter_key(),
    )
    await conn.execute("DELETE FROM subscription_keys WHERE subscription_id = $1", subscription_id)
    await conn.execute(
        "INSERT INTO subscription_keys (key, subscription_id, frequency, keywords) "
        "SELECT unnest($1::text[]), id, frequency, keywords FROM subscriptions WHERE id = $2",
        list(keys),
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


async def token(conn: asyncpg.Connection, digest: bytes, purpose: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM tokens WHERE token_hash = $1 AND purpose = $2 FOR UPDATE", digest, purpose
    )


async def language_of_token(conn: asyncpg.Connection, digest: bytes, purpose: str) -> str | None:
    """The language of the saved search a link belongs to (None for no such link)."""
    return await conn.fetchval(
        "SELECT s.language FROM tokens t JOIN subscriptions s ON s.id = t.subscription_id "
        "WHERE t.token_hash = $1 AND t.purpose = $2",
        digest,
        purpose,
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


async def remember_open_vacancies(
    conn: asyncpg.Connection, vacancies: Sequence[OpenVacancy]
) -> None:
    """In one statement; a vacancy named more than once keeps its first opening time and its
    latest fields, as one statement after another would have left it (one statement cannot
    change a row twice)."""
    latest: dict[str, OpenVacancy] = {}
    for vacancy in vacancies:
        first = latest.get(vacancy.key)
        latest[vacancy.key] = (
            vacancy if first is None else replace(vacancy, opened_at=first.opened_at)
        )
    if not latest:
        return
    rows = list(latest.values())
    await conn.execute(
        """
        INSERT INTO open_vacancies (vacancy_key, agency, title, municipality,
                                    application_deadline, apply_url, opened_at)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[],
                             $6::text[], $7::timestamptz[])
        ON CONFLICT (vacancy_key) DO UPDATE SET title = EXCLUDED.title,
            municipality = EXCLUDED.municipality,
            application_deadline = EXCLUDED.application_deadline,
            apply_url = EXCLUDED.apply_url
        """,
        [v.key for v in rows],
        [v.agency for v in rows],
        [v.title for v in rows],
        [v.municipality for v in rows],
        [v.application_deadline for v in rows],
        [v.apply_url for v in rows],
        [v.opened_at for v in rows],
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


async def add_digest_items(conn: asyncpg.Connection, items: Sequence[tuple[str, str]]) -> None:
    """(saved search, vacancy key) pairs, gathered for the searches' digests."""
    if items:
        await conn.execute(
            "INSERT INTO digest_items (subscription_id, vacancy_key) "
            "SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
            [search for search, _ in items],
            [key for _, key in items],
        )


async def use_token(conn: asyncpg.Connection, digest: bytes, at: datetime) -> None:
    await conn.execute("UPDATE tokens SET used_at = $2 WHERE token_hash = $1", digest, at)


async def use_token_once(conn: asyncpg.Connection, digest: bytes, at: datetime) -> None:
    """Record the first use only (an unsubscribe link may be followed again)."""
    await conn.execute(
        "UPDATE tokens SET used_at = coalesce(used_at, $2) WHERE token_hash = $1", digest, at
    )


async def mark_confirmed(conn: asyncpg.Connection, subscription_id: str, at: datetime) -> None:
    await conn.execute(
        "UPDATE subscriptions SET status = 'confirmed', confirmed_at = coalesce(confirmed_at, "
        "$2), last_digest_at = coalesce(last_digest_at, $2) WHERE id = $1",
        subscription_id,
        at,
    )


async def mark_unsubscribed(conn: asyncpg.Connection, subscription_id: str) -> str | None:
    """Returns the subscription's language, None when it is gone."""
    return await conn.fetchval(
        "UPDATE subscriptions SET status = 'unsubscribed' WHERE id = $1 RETURNING language",
        subscription_id,
    )


async def drop_digest_items(
    conn: asyncpg.Connection, subscription_id: str, keys: Sequence[str] | None = None
) -> None:
    """Digest items of a subscription: those of `keys`, or all of them."""
    await conn.execute(
        "DELETE FROM digest_items WHERE subscription_id = $1 "
        "AND ($2::text[] IS NULL OR vacancy_key = ANY($2::text[]))",
        subscription_id,
        None if keys is None else list(keys),
    )


async def forget_signups(conn: asyncpg.Connection, key: str) -> None:
    await conn.execute("DELETE FROM signup_attempts WHERE key = $1", key)


async def delete_subscription(conn: asyncpg.Connection, subscription_id: str) -> None:
    await conn.execute("DELETE FROM subscriptions WHERE id = $1", subscription_id)


async def delete_subscriber(conn: asyncpg.Connection, subscriber_id: str) -> None:
    """The address, its saved searches and its tokens (cascading)."""
    await conn.execute("DELETE FROM subscribers WHERE id = $1", subscriber_id)


async def set_status(conn: asyncpg.Connection, subscription_id: str, status: str) -> None:
    await conn.execute(
        "UPDATE subscriptions SET status = $2 WHERE id = $1", subscription_id, status
    )


async def manage_token(conn: asyncpg.Connection, digest: bytes, now: datetime) -> str | None:
    """The address a preference-centre token belongs to, while it is valid."""
    return await conn.fetchval(
        "SELECT subscriber_id FROM tokens WHERE token_hash = $1 AND purpose = 'manage' "
        "AND expires_at > $2",
        digest,
        now,
    )


async def add_manage_token(
    conn: asyncpg.Connection, digest: bytes, subscriber_id: str, expires_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO tokens (token_hash, subscriber_id, purpose, expires_at) "
        "VALUES ($1, $2, 'manage', $3)",
        digest,
        subscriber_id,
        expires_at,
    )


async def suppress(
    conn: asyncpg.Connection, subscription_id: str, reason: str, at: datetime
) -> str | None:
    """Suppress the address of a saved search; returns the subscriber's id."""
    return await conn.fetchval(
        "UPDATE subscribers p SET suppressed_at = coalesce(p.suppressed_at, $3), "
        "suppressed_reason = $2 FROM subscriptions s "
        "WHERE s.id = $1 AND p.id = s.subscriber_id RETURNING p.id",
        subscription_id,
        reason,
        at,
    )


async def lift_suppression(conn: asyncpg.Connection, subscriber_id: str) -> None:
    await conn.execute(
        "UPDATE subscribers SET suppressed_at = NULL, suppressed_reason = NULL WHERE id = $1",
        subscriber_id,
    )


async def suppressed(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """For operators: suppressed addresses, candidates' and work addresses, newest first."""
    return await conn.fetch(
        "SELECT email, suppressed_reason AS reason, suppressed_at, 'candidate' AS kind "
        "FROM subscribers WHERE suppressed_at IS NOT NULL "
        "UNION ALL SELECT email, reason, suppressed_at, 'work' FROM suppressed_work_addresses "
        "ORDER BY suppressed_at DESC, email LIMIT $1",
        limit,
    )


async def purge_unconfirmed(conn: asyncpg.Connection, created_before: datetime) -> int:
    """Saved searches never confirmed, then addresses left with no search (unless suppressed:
    that must outlive its searches)."""
    result = await conn.execute(
        "DELETE FROM subscriptions WHERE status = 'pending' AND confirmed_at IS NULL "
        "AND created_at < $1",
        created_before,
    )
    await conn.execute(
        "DELETE FROM subscribers p WHERE p.suppressed_at IS NULL AND p.created_at < $1 "
        "AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.subscriber_id = p.id)",
        created_before,
    )
    return int(result.split()[-1])


async def due_for_digest(
    conn: asyncpg.Connection, daily_slot: datetime, weekly_slot: datetime
) -> list[tuple[str, str]]:
    """(id, frequency) of the confirmed daily and weekly subscriptions whose last digest is
    before their slot, locked for this run."""
    rows = await conn.fetch(
        """
        SELECT id, frequency, language FROM subscriptions
        WHERE status = 'confirmed'
          AND ((frequency = 'daily' AND coalesce(last_digest_at, '-infinity') < $1)
            OR (frequency = 'weekly' AND coalesce(last_digest_at, '-infinity') < $2))
        ORDER BY id FOR UPDATE SKIP LOCKED
        """,
        daily_slot,
        weekly_slot,
    )
    return [(r["id"], r["frequency"]) for r in rows]


async def digest_vacancies(conn: asyncpg.Connection, subscription_id: str) -> list[DigestVacancy]:
    """The still open vacancies waiting for a subscription's digest, oldest first."""
    rows = await conn.fetch(
        """
        SELECT v.vacancy_key AS key, v.title, v.agency, coalesce(a.state->>'name', v.agency)
               AS agency_name, v.municipality, v.application_deadline, v.apply_url
        FROM digest_items d
        JOIN open_vacancies v USING (vacancy_key)
        LEFT JOIN network_agencies a ON a.code = v.agency
        WHERE d.subscription_id = $1
        ORDER BY v.opened_at, v.vacancy_key
        """,
        subscription_id,
    )
    return [DigestVacancy(*r) for r in rows]


async def set_last_digest(conn: asyncpg.Connection, subscription_id: str, at: datetime) -> None:
    await conn.execute(
        "UPDATE subscriptions SET last_digest_at = $2 WHERE id = $1", subscription_id, at
    )
