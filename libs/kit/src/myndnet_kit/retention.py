"""Retention: rows that can no longer matter are deleted by a periodic job, a batch at a time.

Every service keeps an inbox, DLQ entries and parked outbox messages (the kit's tables); a
service names its own expiring rows as more `Expiry` rules. Each batch is its own short
transaction that deletes at most `BATCH` rows by their physical address and gives up on a row
lock after `LOCK_TIMEOUT`, so the job never holds long locks and never waits behind the service's
own work. One replica at a time runs the job in a database (an advisory lock).
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from myndnet_kit.db import keeps_session_state
from myndnet_kit.logging import get_logger

log = get_logger(__name__)

BATCH = 5000
LOCK_TIMEOUT = "2s"
REPLAYED_DLQ_KEPT = timedelta(days=1)
AUDIT_LOG_KEPT = timedelta(days=731)  # two years of what people did
_RETENTION_LOCK = 0x72657465  # "rete"


@dataclass(frozen=True)
class Expiry:
    """Rows of `table` that may go: `condition` is SQL over one row, `$1` the cut-off time
    (now minus `kept`). The condition should be answerable from an index on a large table."""

    table: str
    condition: str
    kept: timedelta

    def delete_batch(self) -> str:
        # ctid = ANY(ARRAY(…)) is a TID scan: the batch is found once and deleted in place.
        return (
            f"DELETE FROM {self.table} WHERE ctid = ANY(ARRAY("
            f"SELECT ctid FROM {self.table} WHERE {self.condition} LIMIT {BATCH}))"
        )


def kit_expiries(inbox_kept: timedelta, dlq_kept: timedelta) -> list[Expiry]:
    """The kit's tables: applied events older than the topics' retention (the broker can no
    longer deliver them again, so their inbox rows guard nothing), DLQ entries replayed a day ago
    or dead for `dlq_kept`, parked outbox messages as old, and people's actions after two years."""
    return [
        Expiry("inbox", "received_at < $1", inbox_kept),
        Expiry("dlq_entries", "replayed_at < $1", REPLAYED_DLQ_KEPT),
        Expiry("dlq_entries", "dead_at < $1", dlq_kept),
        Expiry("outbox_parked", "parked_at < $1", dlq_kept),
        Expiry("audit_log", "at < $1", AUDIT_LOG_KEPT),
    ]


async def delete_expired(
    conn: asyncpg.Connection, expiry: Expiry, now: datetime, limit: int | None = None
) -> int:
    """Delete the rule's rows in batches until none is left (or `limit` batches); the count."""
    cutoff, sql, removed, batches = now - expiry.kept, expiry.delete_batch(), 0, 0
    while limit is None or batches < limit:
        async with conn.transaction():
            await conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            deleted = int((await conn.execute(sql, cutoff)).split()[-1])
        removed += deleted
        batches += 1
        if deleted < BATCH:
            break
        await asyncio.sleep(0)  # the service's own work goes first between batches
    return removed


async def apply_retention(
    pool: asyncpg.Pool, expiries: Sequence[Expiry], now: datetime
) -> dict[str, int] | None:
    """One pass over every rule: rows removed per table, or None when another replica is
    running it. A rule that meets a held row lock is left for the next pass."""
    async with pool.acquire() as conn:
        keeps_session_state(conn)
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", _RETENTION_LOCK):
            return None
        try:
            removed: dict[str, int] = {}
            for expiry in expiries:
                try:
                    count = await delete_expired(conn, expiry, now)
                except asyncpg.LockNotAvailableError:
                    log.info("retention met a locked row; next pass", table=expiry.table)
                    continue
                removed[expiry.table] = removed.get(expiry.table, 0) + count
            return removed
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _RETENTION_LOCK)
