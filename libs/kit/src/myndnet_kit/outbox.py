"""The transactional outbox and its relay.

`enqueue` writes messages in the caller's transaction. The relay publishes them in id order with
an idempotent producer (acks=all), waits for every acknowledgement, then deletes what was sent.
A crash between publishing and deleting republishes on restart; consumers' inboxes absorb that.
Only one relay per database publishes at a time (an advisory lock), so order per key holds with
several replicas. It wakes on NOTIFY and polls as a fallback.
"""

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import InvalidTopicError, MessageSizeTooLargeError, RecordTooLargeError
from myndnet_schemas import Event, encode_binary
from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Gauge

from myndnet_kit.db import keeps_session_state
from myndnet_kit.logging import get_logger
from myndnet_kit.retry import Backoff, forever
from myndnet_kit.tracing import tracer

log = get_logger(__name__)

_RELAY_LOCK = 0x6F757462  # "outb"

OUTBOX_PUBLISHED = Counter(
    "myndnet_outbox_published_total", "Messages the outbox relay published", ["service"]
)
OUTBOX_PENDING = Gauge(
    "myndnet_outbox_pending", "Messages waiting in the outbox at the last look", ["service"]
)


OUTBOX_PARKED = Counter(
    "myndnet_outbox_parked_total",
    "Outbox messages the broker would never take, moved to outbox_parked",
    ["service"],
)

# Failures no retry heals: the record itself is unacceptable to the broker.
NEVER_ACCEPTED = (MessageSizeTooLargeError, RecordTooLargeError, InvalidTopicError)

PARK = """
WITH parked AS (
    DELETE FROM outbox WHERE id = ANY($1::bigint[])
    RETURNING id, topic, key, header_names, header_values, value, created_at
)
INSERT INTO outbox_parked (id, topic, key, header_names, header_values, value, created_at, error)
SELECT p.id, p.topic, p.key, p.header_names, p.header_values, p.value, p.created_at, e.error
FROM parked p JOIN unnest($1::bigint[], $2::text[]) AS e (id, error) ON e.id = p.id
ON CONFLICT (id) DO NOTHING
"""


@dataclass(frozen=True)
class OutgoingMessage:
    topic: str
    key: bytes | None
    headers: Sequence[tuple[str, bytes]]
    value: bytes | None


def event_message(topic: str, event: Event[Any]) -> OutgoingMessage:
    headers, value = encode_binary(event)
    return OutgoingMessage(topic, event.key.encode(), headers, value)


# Fewer messages than this go in by an INSERT each, pipelined (one round trip in all); from this
# many on by COPY, which waits for the server before sending its rows but costs it far less a
# row. A consumer's batch under steady traffic is a record or two.
COPY_FROM = 16

INSERT = (
    "INSERT INTO outbox (topic, key, header_names, header_values, value) "
    "VALUES ($1, $2, $3, $4, $5)"
)


async def enqueue(conn: asyncpg.Connection, messages: Sequence[OutgoingMessage]) -> None:
    """Add messages to the outbox inside the caller's transaction."""
    if not messages:
        return
    rows = [
        (m.topic, m.key, [h[0] for h in m.headers], [h[1] for h in m.headers], _value(m))
        for m in messages
    ]
    if len(rows) < COPY_FROM:
        await conn.executemany(INSERT, rows)
    else:
        await conn.copy_records_to_table(
            "outbox",
            columns=["topic", "key", "header_names", "header_values", "value"],
            records=rows,
        )


async def pending_for(conn: asyncpg.Connection, topic: str) -> bool:
    """Whether anything for `topic` waits in the outbox (published rows are deleted)."""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE topic = $1) "
            "OR EXISTS (SELECT 1 FROM outbox_parked WHERE topic = $1)",
            topic,
        )
    )


def _value(message: OutgoingMessage) -> bytes | None:
    # A producer refuses a record with neither key nor value (a DLQ copy of a bare tombstone
    # would hold the relay, and everything after it, for ever): an empty value stands in.
    if message.key is None and message.value is None:
        return b""
    return message.value


async def publish_events(
    conn: asyncpg.Connection, topic: str, events: Sequence[Event[Any]]
) -> None:
    await enqueue(conn, [event_message(topic, e) for e in events])


class OutboxRelay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        service: str,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
    ) -> None:
        self.pool = pool
        self.producer = producer
        self.service = service
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._backoff = Backoff()
        self.healthy = True

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self.service}")

    async def stop(self, drain_timeout: float = 5.0) -> None:
        """Publish what is pending (for at most `drain_timeout` seconds), then stop."""
        if self._task is None:
            return
        self._stopping = True
        self.wake()
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(self._task), drain_timeout)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    def wake(self, *_: object) -> None:
        self._wake.set()

    async def _run(self) -> None:
        async def lead() -> None:
            async with self.pool.acquire() as conn:
                await self._lead(conn)

        await forever(
            "the outbox relay",
            lead,
            healthy=self._set_health,
            stop=lambda: self._stopping,
            backoff=self._backoff,
        )

    def _set_health(self, ok: bool) -> None:
        # Health is set inside the lead too, as each round publishes; a lead that ends (the
        # relay stopping) leaves it as it was.
        if not ok:
            self.healthy = False

    async def _lead(self, conn: asyncpg.Connection) -> None:
        """Hold the relay lock on this connection and publish until cancelled."""
        keeps_session_state(conn)
        while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", _RELAY_LOCK):
            self.healthy = True
            if self._stopping:
                return
            await asyncio.sleep(self.poll_interval)
        await conn.add_listener("outbox", self.wake)
        try:
            while True:
                # Cleared before looking, so a NOTIFY that arrives while publishing is not lost.
                self._wake.clear()
                sent = await self.publish_pending(conn)
                self.healthy = True
                self._backoff.reset()  # the next interruption waits briefly again
                if self._stopping and sent < self.batch_size:
                    return
                if sent < self.batch_size:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.poll_interval)
        finally:
            with contextlib.suppress(Exception):
                await conn.remove_listener("outbox", self.wake)
                await conn.execute("SELECT pg_advisory_unlock($1)", _RELAY_LOCK)

    async def publish_pending(self, conn: asyncpg.Connection) -> int:
        rows = await conn.fetch(
            "SELECT id, topic, key, header_names, header_values, value FROM outbox "
            "ORDER BY id LIMIT $1",
            self.batch_size,
        )
        OUTBOX_PENDING.labels(self.service).set(len(rows))
        if not rows:
            return 0
        with tracer.start_as_current_span(
            "outbox publish", kind=SpanKind.PRODUCER, attributes={"messages": len(rows)}
        ):
            refused = await self._send(rows)
        if refused:
            await self._park(conn, refused)
        await self._mark_sent(conn, [row["id"] for row in rows if row["id"] not in refused])
        OUTBOX_PUBLISHED.labels(self.service).inc(len(rows) - len(refused))
        return len(rows)

    async def _send(self, rows: Sequence[asyncpg.Record]) -> dict[int, str]:
        """Publish and wait for every acknowledgement; returns the rows the broker will never
        take (id: why). Any other failure is raised and the whole batch is tried again."""
        # send() only queues; the producer keeps per-partition order and idempotence drops its
        # own retries. Every acknowledgement must arrive before anything is marked sent.
        refused: dict[int, str] = {}
        pending: list[tuple[int, asyncio.Future[Any]]] = []
        for row in rows:
            try:
                future = await self.producer.send(
                    row["topic"],
                    value=row["value"],
                    key=row["key"],
                    headers=list(zip(row["header_names"], row["header_values"], strict=True)),
                )
            except NEVER_ACCEPTED as exc:
                refused[row["id"]] = repr(exc)[:500]
                continue
            pending.append((row["id"], future))
        results = await asyncio.gather(*(f for _, f in pending), return_exceptions=True)
        for (row_id, _), result in zip(pending, results, strict=True):
            if isinstance(result, NEVER_ACCEPTED):
                refused[row_id] = repr(result)[:500]
            elif isinstance(result, BaseException):
                raise result
        return refused

    async def _park(self, conn: asyncpg.Connection, refused: dict[int, str]) -> None:
        async with conn.transaction():
            await conn.execute(PARK, list(refused), list(refused.values()))
        OUTBOX_PARKED.labels(self.service).inc(len(refused))
        for row_id, error in refused.items():
            log.error(
                "the broker will never take this outbox message; parked in outbox_parked",
                outbox_id=row_id,
                error=error,
            )

    async def _mark_sent(self, conn: asyncpg.Connection, ids: list[int]) -> None:
        await conn.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", ids)
