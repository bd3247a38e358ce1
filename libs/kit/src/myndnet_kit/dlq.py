"""The dead-letter queue: messages that can never succeed, kept unchanged with why.

A dead message is recorded in `dlq_entries` and queued in the outbox for `dlq.<service>` in one
transaction, so it is as safe as any other effect before the consumer commits past it. Operators
list entries and replay chosen ones to their original topic.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from myndnet_schemas import topics
from prometheus_client import Counter

from myndnet_kit.outbox import OutgoingMessage, enqueue

DLQ_MESSAGES = Counter(
    "myndnet_dlq_messages_total", "Messages sent to the DLQ", ["service", "reason"]
)


@dataclass(frozen=True)
class DeadMessage:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    headers: Sequence[tuple[str, bytes]]
    value: bytes | None
    reason: str
    error: str
    event_id: str | None = None
    source: str | None = None
    event_type: str | None = None


def dlq_headers(service: str, dead: DeadMessage, at: datetime) -> list[tuple[str, bytes]]:
    original = [(name, value) for name, value in dead.headers if not name.startswith("x-dlq-")]
    return [
        *original,
        ("x-dlq-reason", dead.reason.encode()),
        ("x-dlq-error", dead.error[:2000].encode()),
        ("x-dlq-topic", dead.topic.encode()),
        ("x-dlq-partition", str(dead.partition).encode()),
        ("x-dlq-offset", str(dead.offset).encode()),
        ("x-dlq-service", service.encode()),
        ("x-dlq-at", at.isoformat().replace("+00:00", "Z").encode()),
    ]


def _text(value: str | None) -> str | None:
    """What a hostile message said, storable: PostgreSQL text cannot hold NUL."""
    return value.replace("\x00", "\ufffd") if value else value


async def record(
    conn: asyncpg.Connection, service: str, consumer: str, dead: Sequence[DeadMessage]
) -> int:
    """Record dead messages and queue them for the DLQ topic; a redelivered one is not doubled."""
    if not dead:
        return 0
    at = datetime.now(UTC)
    fresh = []
    for message in dead:
        headers = [(_text(n), v if v is not None else b"") for n, v in message.headers]
        inserted = await conn.fetchval(
            """
            INSERT INTO dlq_entries (consumer, topic, partition, "offset", key, header_names,
                                     header_values, value, reason, error, event_id, source,
                                     event_type, dead_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
            ON CONFLICT (consumer, topic, partition, "offset") DO NOTHING
            RETURNING id
            """,
            consumer,
            message.topic,
            message.partition,
            message.offset,
            message.key,
            [h[0] for h in headers],
            [h[1] for h in headers],
            message.value,
            message.reason,
            _text(message.error),
            _text(message.event_id),
            _text(message.source),
            _text(message.event_type),
            at,
        )
        if inserted is not None:
            fresh.append(
                OutgoingMessage(
                    topics.dlq(service),
                    message.key,
                    dlq_headers(service, message, at),
                    message.value,
                )
            )
            DLQ_MESSAGES.labels(service, message.reason).inc()
    await enqueue(conn, fresh)
    return len(fresh)


LIST_ENTRIES = """
SELECT id, consumer, topic, partition, "offset", key, reason, error, event_id, source, event_type,
       dead_at, replayed_at, octet_length(value) AS value_bytes
FROM dlq_entries
WHERE ($1::text IS NULL OR reason = $1)
  AND ($2::boolean OR replayed_at IS NULL)
  AND ($3::bigint IS NULL OR id < $3)
ORDER BY id DESC
LIMIT $4
"""


async def list_entries(
    conn: asyncpg.Connection,
    *,
    reason: str | None = None,
    include_replayed: bool = False,
    before_id: int | None = None,
    limit: int = 50,
) -> list[dict[str, object]]:
    rows = await conn.fetch(LIST_ENTRIES, reason, include_replayed, before_id, limit)
    return [
        {**dict(row), "key": row["key"].decode("utf-8", "replace") if row["key"] else None}
        for row in rows
    ]


async def topics_of(conn: asyncpg.Connection, ids: Sequence[int]) -> dict[int, str]:
    """The original topic of each entry that exists."""
    rows = await conn.fetch(
        "SELECT id, topic FROM dlq_entries WHERE id = ANY($1::bigint[])",
        list(ids),
    )
    return {r["id"]: r["topic"] for r in rows}


async def truncated(conn: asyncpg.Connection, ids: Sequence[int]) -> set[int]:
    """Entries kept only as a truncated copy (too large): replaying them would send a broken
    message."""
    rows = await conn.fetch(
        "SELECT id FROM dlq_entries WHERE id = ANY($1::bigint[]) AND reason = 'too_large'",
        list(ids),
    )
    return {r["id"] for r in rows}


async def replay(conn: asyncpg.Connection, ids: Sequence[int]) -> list[int]:
    """Queue chosen entries, unchanged, for their original topic; returns the ids replayed."""
    rows = await conn.fetch(
        """
        UPDATE dlq_entries SET replayed_at = now()
        WHERE id = ANY($1::bigint[])
        RETURNING id, topic, key, header_names, header_values, value
        """,
        list(ids),
    )
    await enqueue(
        conn,
        [
            OutgoingMessage(
                r["topic"],
                r["key"],
                list(zip(r["header_names"], r["header_values"], strict=True)),
                r["value"],
            )
            for r in rows
        ],
    )
    return sorted(r["id"] for r in rows)
