"""Daily and weekly digests at 07:00 Stockholm: what opened since the previous one and is
still open; nothing at all when there is nothing new."""

from datetime import datetime

import asyncpg
from myndnet_kit.logging import get_logger
from myndnet_kit.schedule import every

from myndnet_notify.adapters.postgres import PostgresNotify
from myndnet_notify.adapters.store import NotifyStore
from myndnet_notify.domain.delivery import NewDelivery
from myndnet_notify.domain.subscriptions import STOCKHOLM, latest_digest_slot

log = get_logger(__name__)


async def run_digests(store: NotifyStore, now: datetime) -> int:
    """Queue every digest that is due at `now`; returns how many were queued."""
    daily, weekly = latest_digest_slot("daily", now), latest_digest_slot("weekly", now)
    queued = 0
    async with store.transaction():
        for search in await store.due_for_digest(daily, weekly):
            search_id = search.id
            items = await store.digest_vacancies(search_id)
            slot = daily if search.frequency == "daily" else weekly
            if items:
                keys = [i.key for i in items]
                digest = NewDelivery(
                    dedupe_key=f"digest:{search_id}:{slot.isoformat()}",
                    kind="digest",
                    recipient_ref=search_id,
                    subscription_id=search_id,
                    vacancy_keys=keys,
                    context={"vacancies": [i.for_letter() for i in items]},
                )
                if await store.queue(digest):
                    queued += 1
                await store.drop_digest_items(search_id, keys)
            await store.set_last_digest(search_id, now)
    return queued


async def digests_every(pool: asyncpg.Pool, interval: float = 60.0) -> None:
    async def queue_due() -> None:
        async with pool.acquire() as conn:
            queued = await run_digests(PostgresNotify(conn), datetime.now(STOCKHOLM))
        if queued:
            log.info("digests queued", count=queued)

    await every(interval, queue_due, "the digest job")
