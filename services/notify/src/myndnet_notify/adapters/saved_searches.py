"""The saved searches a vacancy can find (`subscription_keys`), read for the index each replica
keeps in memory: all of them, or those changed since a snapshot (see 0006_search_changes.sql).
Each read is one statement, so what it returns and the snapshot it hands back agree."""

import asyncio
from collections.abc import Sequence

import asyncpg

from myndnet_notify.domain.matching import IndexedSearch

_SNAPSHOT = """
SELECT NULL::text AS id, NULL::text AS frequency, NULL::text[] AS keywords, NULL::text[] AS keys,
       pg_snapshot_xmin(pg_current_snapshot())::text AS snapshot
"""

EVERY_SEARCH = f"""
{_SNAPSHOT}
UNION ALL
SELECT subscription_id, frequency, keywords, array_agg(key), NULL
FROM subscription_keys GROUP BY subscription_id, frequency, keywords
"""

# A changed search without keys any more (paused, stopped, erased) comes back with keys NULL.
CHANGED_SINCE = f"""
{_SNAPSHOT}
UNION ALL
SELECT c.subscription_id, k.frequency, k.keywords, k.keys, NULL
FROM (SELECT DISTINCT subscription_id FROM search_changes WHERE xid >= $1::text::xid8) c
LEFT JOIN LATERAL (
    SELECT frequency, keywords, array_agg(key) AS keys FROM subscription_keys
    WHERE subscription_id = c.subscription_id GROUP BY frequency, keywords
) k ON true
"""


def _read(rows: list[asyncpg.Record]) -> tuple[str, list[IndexedSearch], list[str]]:
    snapshot, found, gone = "", [], []
    for row in rows:
        if row["snapshot"] is not None:
            snapshot = row["snapshot"]
        elif row["keys"] is None:
            gone.append(row["id"])
        else:
            found.append(
                IndexedSearch(
                    row["id"], row["frequency"], tuple(row["keys"]), tuple(row["keywords"])
                )
            )
    return snapshot, found, gone


async def every_search(conn: asyncpg.Connection) -> tuple[str, list[IndexedSearch]]:
    """Every saved search a vacancy can find, and the snapshot they were read in."""
    rows = await conn.fetch(EVERY_SEARCH)
    # In a worker thread: at a million searches this takes seconds, which on the event loop
    # would hold up Kafka's heartbeats, the HTTP API and the sender as long.
    snapshot, found, _ = await asyncio.to_thread(_read, rows)
    return snapshot, found


async def changed_since(
    conn: asyncpg.Connection, snapshot: str
) -> tuple[str, list[IndexedSearch], list[str]]:
    """Saved searches changed by transactions not finished at `snapshot`: as they are now, and
    those no vacancy finds any more; with the snapshot to ask from next time."""
    return _read(await conn.fetch(CHANGED_SINCE, snapshot))


async def stems_of(conn: asyncpg.Connection, texts: Sequence[str]) -> list[set[str]]:
    """Each text's words as PostgreSQL's Swedish stemmer leaves them, as saved searches'
    keywords are stored: in the order given, one statement for them all."""
    if not texts:
        return []
    rows = await conn.fetch(
        "SELECT tsvector_to_array(to_tsvector('swedish', t)) AS stems "
        "FROM unnest($1::text[]) WITH ORDINALITY AS u (t, n) ORDER BY n",
        list(texts),
    )
    return [set(row["stems"]) for row in rows]
