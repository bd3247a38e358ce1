"""Daily and weekly digests at 07:00 Stockholm: what opened since the previous one and is
still open; nothing at all when there is nothing new."""

from datetime import datetime

import asyncpg
from myndnet_kit.logging import get_logger
from myndnet_kit.schedule import every

from myndnet_notify.adapters import store
from myndnet_notify.domain.subscriptions import STOCKHOLM, latest_digest_slot

log = get_logger(__name__)


async def run_digests(pool: asyncpg.Pool, now: datetime) -> int:
    """Queue every digest that is due at `now`; returns how many were queued."""
    daily, weekly = latest_digest_slot("daily", now), latest_digest_slot("weekly", now)
    queued = 0
    async with pool.acquire() as conn, conn.transaction():
        due = await conn.fetch(
            """
            SELECT id, frequency, language FROM subscriptions
            WHERE status = 'confirmed'
              AND ((frequency = 'daily' AND coalesce(last_digest_at, '-infinity') < $1)
                OR (frequency = 'weekly' AND coalesce(last_digest_at, '-infinity') < $2))
            ORDER BY id FOR UPDATE SKIP LOCKED
            """,
            daily,
            weekly,
        )
        for subscription in due:
            items = await conn.fetch(
                """
                SELECT v.vacancy_key AS key, v.title, v.agency, v.municipality,
                       v.application_deadline, v.apply_url, coalesce(a.state->>'name', v.agency)
                       AS agency_name
                FROM digest_items d
                JOIN open_vacancies v USING (vacancy_key)
                LEFT JOIN network_agencies a ON a.code = v.agency
                WHERE d.subscription_id = $1
                ORDER BY v.opened_at, v.vacancy_key
                """,
                subscription["id"],
            )
            slot = daily if subscription["frequency"] == "daily" else weekly
            if items:
                vacancies = [
                    {**dict(i), "application_deadline": i["application_deadline"].isoformat()}
                    for i in items
                ]
                if await store.queue_delivery(
                    conn,
                    dedupe_key=f"digest:{subscription['id']}:{slot.isoformat()}",
                    kind="digest",
                    recipient_ref=subscription["id"],
                    subscription_id=subscription["id"],
                    vacancy_keys=[v["key"] for v in vacancies],
                    context={"vacancies": vacancies},
                ):
                    queued += 1
                await conn.execute(
                    "DELETE FROM digest_items WHERE subscription_id = $1 "
                    "AND vacancy_key = ANY($2::text[])",
                    subscription["id"],
                    [v["key"] for v in vacancies],
                )
            await conn.execute(
                "UPDATE subscriptions SET last_digest_at = $2 WHERE id = $1",
                subscription["id"],
                now,
            )
    return queued


async def digests_every(pool: asyncpg.Pool, interval: float = 60.0) -> None:
    async def queue_due() -> None:
        queued = await run_digests(pool, datetime.now(STOCKHOLM))
        if queued:
            log.info("digests queued", count=queued)

    await every(interval, queue_due, "the digest job")
