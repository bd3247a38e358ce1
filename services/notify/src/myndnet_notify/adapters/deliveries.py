"""The deliveries table: every e-mail notify has recorded, its state and its tries."""

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from myndnet_notify.domain.delivery import (
    Delivery,
    NewDelivery,
    Outcome,
    SearchAddress,
    VacancyAlert,
    new_id,
)
from myndnet_notify.domain.letters import LinkToken
from myndnet_notify.domain.subscriptions import Suppression


def delivery_of(row: asyncpg.Record) -> Delivery:
    return Delivery(
        row["id"],
        row["kind"],
        row["attempts"],
        status=row.get("status", "queued"),
        recipient_ref=row["recipient_ref"],
        subscription_id=row["subscription_id"],
        work_email=row.get("work_email"),
        match_id=row["match_id"],
        vacancy_keys=tuple(row["vacancy_keys"]),
        context=row.get("context") or {},
        last_error=row.get("last_error"),
        created_at=row.get("created_at"),
        sent_at=row.get("sent_at"),
    )


async def queue(conn: asyncpg.Connection, delivery: NewDelivery) -> bool:
    """Record an e-mail to send; False when the same one was recorded before."""
    inserted = await conn.fetchval(
        """
        INSERT INTO deliveries (id, dedupe_key, kind, subscription_id, recipient_ref, work_email,
                                match_id, vacancy_keys, context, status)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued')
        ON CONFLICT (dedupe_key) DO NOTHING RETURNING true
        """,
        new_id("d"),
        delivery.dedupe_key,
        delivery.kind,
        delivery.subscription_id,
        delivery.recipient_ref,
        delivery.work_email,
        delivery.match_id,
        list(delivery.vacancy_keys),
        dict(delivery.context),
    )
    return bool(inserted)


async def queue_alerts(conn: asyncpg.Connection, alerts: Sequence[VacancyAlert]) -> int:
    """One alert per (saved search, vacancy), however often the vacancy is announced: a batch
    of vacancies in one statement, each vacancy's context sent once (and none for a vacancy
    no search is alerted of)."""
    alerts = [alert for alert in alerts if alert.subscription_ids]
    searches = [(s, n) for n, alert in enumerate(alerts, 1) for s in alert.subscription_ids]
    if not searches:
        return 0
    result = await conn.execute(
        """
        INSERT INTO deliveries (id, dedupe_key, kind, subscription_id, recipient_ref,
                                vacancy_keys, context, status)
        SELECT 'd-' || substr(md5(random()::text || a.s), 1, 20), 'alert:' || a.s || ':' || v.key,
               'vacancy_alert', a.s, a.s, ARRAY[v.key], v.context, 'queued'
        FROM unnest($1::text[], $2::bigint[]) AS a (s, n)
        JOIN unnest($3::text[], $4::jsonb[]) WITH ORDINALITY AS v (key, context, n) USING (n)
        ON CONFLICT (dedupe_key) DO NOTHING
        """,
        [s for s, _ in searches],
        [n for _, n in searches],
        [alert.key for alert in alerts],
        [alert.context for alert in alerts],
    )
    return int(result.split()[-1])


# Only what sending reads: every round would decode the other six columns for nothing.
CLAIM_DUE = (
    "SELECT id, kind, subscription_id, recipient_ref, work_email, match_id, vacancy_keys, "
    "context, attempts FROM deliveries WHERE status = 'queued' AND next_attempt_at <= now() "
    "ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED"
)


async def claim_due(conn: asyncpg.Connection, limit: int) -> list[Delivery]:
    """Queued deliveries whose pause is over, in the order they fell due (a new one when it
    was recorded, one tried before when its pause ended), locked for this try until the
    caller's transaction ends; rows another sender holds are left to it. The order is the
    index's (`deliveries_due`), so a claim reads only the rows it takes, however long the
    queue."""
    return [delivery_of(r) for r in await conn.fetch(CLAIM_DUE, limit)]


async def searches_for(
    conn: asyncpg.Connection, subscription_ids: Collection[str]
) -> dict[str, SearchAddress]:
    """The saved searches these deliveries go to, with their addresses, kept from being erased
    until the caller's transaction ends, so a letter is not sent to one just erased.

    The address is held too: the round stores its link tokens on another connection, whose
    foreign-key checks need the address and the search not to be locked for an erasure; held
    here, an erasure waits for the round instead of the round waiting, unseen by PostgreSQL's
    deadlock detector, for an erasure that waits for the round's letters. If an erasure holds
    the address already, this gives up at once (NOWAIT) and the round is tried again."""
    rows = await conn.fetch(
        "SELECT s.id, s.subscriber_id, s.status, s.language, p.email, p.suppressed_at "
        "FROM subscriptions s JOIN subscribers p ON p.id = s.subscriber_id "
        "WHERE s.id = ANY($1::text[]) FOR KEY SHARE OF s, p NOWAIT",
        list(subscription_ids),
    )
    return {r["id"]: SearchAddress(*r) for r in rows}


async def store_link_tokens(conn: asyncpg.Connection, tokens: Sequence[LinkToken]) -> None:
    await conn.execute(
        """
        INSERT INTO tokens (token_hash, purpose, subscription_id, subscriber_id, expires_at,
                            preferences)
        SELECT t.hash, t.purpose,
               CASE WHEN t.purpose IN ('manage', 'news') THEN NULL ELSE t.owner END,
               CASE WHEN t.purpose IN ('manage', 'news') THEN t.owner END,
               now() + t.lifetime, t.preferences
        FROM unnest($1::bytea[], $2::text[], $3::text[], $4::interval[], $5::jsonb[])
             AS t(hash, purpose, owner, lifetime, preferences)
        """,
        [t.token_hash for t in tokens],
        [t.purpose for t in tokens],
        [t.owner for t in tokens],
        [t.lifetime for t in tokens],
        [t.preferences for t in tokens],
    )


async def record_outcomes(conn: asyncpg.Connection, outcomes: Sequence[Outcome]) -> None:
    if not outcomes:
        return
    await conn.execute(
        """
        UPDATE deliveries d SET status = o.status, attempts = o.attempts, last_error = o.error,
               sent_at = CASE WHEN o.status = 'sent' THEN now() ELSE d.sent_at END,
               next_attempt_at = now() + o.pause
        FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::interval[])
             AS o(id, status, attempts, error, pause)
        WHERE d.id = o.id
        """,
        [o.delivery_id for o in outcomes],
        [o.status for o in outcomes],
        [o.attempts for o in outcomes],
        [o.error for o in outcomes],
        [o.pause for o in outcomes],
    )


async def lock(conn: asyncpg.Connection, delivery_id: str) -> Delivery | None:
    row = await conn.fetchrow("SELECT * FROM deliveries WHERE id = $1 FOR UPDATE", delivery_id)
    return None if row is None else delivery_of(row)


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
    """A person's data erased (a manager, a mentor, a training's participant): mail still to send
    to them is cancelled, and their
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
    await conn.execute("DELETE FROM suppressed_work_addresses WHERE recipient_ref = $1", reference)


async def suppress_work_address(
    conn: asyncpg.Connection, email: str, reference: str, reason: str, at: datetime
) -> None:
    """A work address that bounced for good: its mail still queued is cancelled, and nothing
    more goes to it until the suppression is lifted."""
    await conn.execute(
        "INSERT INTO suppressed_work_addresses (email, recipient_ref, reason, suppressed_at) "
        "VALUES (lower($1), $2, $3, $4) ON CONFLICT (email) DO NOTHING",
        email,
        reference,
        reason,
        at,
    )
    await conn.execute(
        "UPDATE deliveries SET status = 'cancelled', "
        "last_error = 'the address is suppressed after a hard bounce' "
        "WHERE status = 'queued' AND lower(work_email) = lower($1)",
        email,
    )


async def suppressed_work_among(conn: asyncpg.Connection, emails: Collection[str]) -> set[str]:
    """Which of these work addresses are suppressed (lower case)."""
    if not emails:
        return set()
    rows = await conn.fetch(
        "SELECT email FROM suppressed_work_addresses WHERE email = ANY($1::text[])",
        [e.lower() for e in emails],
    )
    return {r["email"] for r in rows}


async def lift_work_suppression(conn: asyncpg.Connection, email: str) -> bool:
    return (
        await conn.execute("DELETE FROM suppressed_work_addresses WHERE email = lower($1)", email)
        != "DELETE 0"
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


async def mark_failed(
    conn: asyncpg.Connection, delivery_id: str, attempts: int, error: str
) -> None:
    await conn.execute(
        "UPDATE deliveries SET status = 'failed', attempts = $2, last_error = $3 WHERE id = $1",
        delivery_id,
        attempts,
        error,
    )


# Job alerts and digests sent in the period [$1, $2): per agency of the vacancies they told of
# (a digest of three agencies counts for each), and for the network (agency NULL).
ALERT_FIGURES = """
SELECT split_part(k.key, '/', 1) AS agency,
       count(DISTINCT d.id)::int AS alerts_sent,
       count(DISTINCT d.subscription_id)::int AS searches_matched
FROM deliveries d, unnest(d.vacancy_keys) AS k(key)
WHERE d.kind IN ('vacancy_alert', 'digest') AND d.status = 'sent'
  AND d.sent_at >= $1 AND d.sent_at < $2
GROUP BY GROUPING SETS ((split_part(k.key, '/', 1)), ())
ORDER BY 1 NULLS LAST
"""


async def alert_figures(
    conn: asyncpg.Connection, sent_from: datetime, sent_before: datetime
) -> dict[str, Any]:
    agencies, network = [], {"alerts_sent": 0, "searches_matched": 0}
    for row in await conn.fetch(ALERT_FIGURES, sent_from, sent_before):
        figures = {"alerts_sent": row["alerts_sent"], "searches_matched": row["searches_matched"]}
        if row["agency"] is None:
            network = figures
        else:
            agencies.append({"agency": row["agency"], **figures})
    return {"agencies": agencies, "network": network}


async def recent(
    conn: asyncpg.Connection, status: str | None, kind: str | None, limit: int
) -> list[Delivery]:
    """For operators: the newest deliveries, without addresses."""
    rows = await conn.fetch(
        "SELECT id, kind, status, recipient_ref, subscription_id, match_id, vacancy_keys, "
        "attempts, last_error, created_at, sent_at FROM deliveries "
        "WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR kind = $2) "
        "ORDER BY created_at DESC, id LIMIT $3",
        status,
        kind,
        limit,
    )
    return [delivery_of(r) for r in rows]


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


async def suppressed(conn: asyncpg.Connection, limit: int) -> list[Suppression]:
    """For operators: suppressed addresses, candidates' and work addresses, newest first."""
    rows = await conn.fetch(
        "SELECT email, suppressed_reason AS reason, suppressed_at, 'candidate' AS kind "
        "FROM subscribers WHERE suppressed_at IS NOT NULL "
        "UNION ALL SELECT email, reason, suppressed_at, 'work' FROM suppressed_work_addresses "
        "ORDER BY suppressed_at DESC, email LIMIT $1",
        limit,
    )
    return [Suppression(*r) for r in rows]
