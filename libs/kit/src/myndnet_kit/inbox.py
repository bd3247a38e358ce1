"""The inbox: which events a consumer has applied, keyed `(source, id)`."""

from collections.abc import Sequence

import asyncpg


async def claim(
    conn: asyncpg.Connection, consumer: str, keys: Sequence[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Record `(source, id)` pairs in the caller's transaction; returns the ones that are new.

    A key another transaction is recording at the same moment waits for it, then counts as seen.
    """
    if not keys:
        return set()
    rows = await conn.fetch(
        """
        INSERT INTO inbox (consumer, source, event_id)
        SELECT $1, source, event_id FROM unnest($2::text[], $3::text[]) AS k(source, event_id)
        ON CONFLICT DO NOTHING
        RETURNING source, event_id
        """,
        consumer,
        [k[0] for k in keys],
        [k[1] for k in keys],
    )
    return {(row["source"], row["event_id"]) for row in rows}
