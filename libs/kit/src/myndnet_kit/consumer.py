"""At-least-once consumption with effects applied exactly once.

The poller (`subscription.py`) hands over each fetched batch (no auto-commit). `EventConsumer`
turns every record into a typed event or a dead message, then applies the batch in one
PostgreSQL transaction together with the inbox (so a redelivered event changes nothing) and the
DLQ entries. Only then are the batch's offsets committed.

- A transient failure (database or broker unavailable) holds the batch and retries it with
  capped backoff; nothing later is committed meanwhile.
- A batch whose handler fails otherwise is applied event by event to isolate the culprit; an
  event that still fails after `max_attempts` goes to the DLQ with reason `handler_error`.
- Offsets are committed while later batches are fetched and applied, at most once every
  `commit_interval` (the latest offset of each partition; one commit at a time, in order):
  the batches' effects are already in PostgreSQL, and what a crash makes the broker deliver
  again (at most that interval's worth) is absorbed by the inbox. Under steady traffic a batch
  is often a single record, and a commit for each cost the broker and both services about as
  much as the record itself.
- A partition is not handed to another consumer while its batch is in flight or its offsets
  are uncommitted (the revoke callback waits for both, committing at once), and if it was
  anyway, the inbox absorbs the redelivery.
"""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from functools import partial

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.structs import OffsetAndMetadata
from myndnet_schemas.events import EventData
from prometheus_client import Counter, Histogram

from myndnet_kit import dlq, inbox
from myndnet_kit.classify import Check, Incoming, check_hr_source, classify
from myndnet_kit.dlq import DeadMessage
from myndnet_kit.logging import get_logger
from myndnet_kit.retry import Backoff, is_transient, until_done
from myndnet_kit.tracing import batch_span

log = get_logger(__name__)

MESSAGES = Counter(
    "myndnet_consumer_messages_total",
    "Messages consumed, by outcome",
    ["service", "consumer", "outcome"],
)
RETRIES = Counter(
    "myndnet_consumer_transient_retries_total",
    "Batches held back by a transient failure",
    ["service", "consumer"],
)
BATCH_SECONDS = Histogram(
    "myndnet_consumer_batch_seconds",
    "Time to apply one batch (its offsets are committed afterwards, with later batches')",
    ["service", "consumer"],
)


BatchHandler = Callable[[asyncpg.Connection, list[Incoming]], Awaitable[None]]
BeforeBatch = Callable[[Sequence[ConsumerRecord]], Awaitable[None]]


class EventConsumer:
    def __init__(
        self,
        *,
        service: str,
        name: str,
        pool: asyncpg.Pool | None,
        handler: BatchHandler,
        accepts: Sequence[type[EventData]],
        checks: Sequence[Check] = (check_hr_source,),
        before_batch: BeforeBatch | None = None,
        max_attempts: int = 3,
        commit_interval: float = 0.2,
    ) -> None:
        self.service = service
        self.name = name
        self.pool = pool
        self.handler = handler
        self.accepts = {model.event_type for model in accepts}
        self.checks = checks
        self.before_batch = before_batch
        self.max_attempts = max_attempts
        self.commit_interval = commit_interval
        self.healthy = True
        self._in_flight = asyncio.Lock()
        self._uncommitted: dict[TopicPartition, OffsetAndMetadata] = {}
        self._commit_now = asyncio.Event()
        self._committing: asyncio.Task[None] | None = None
        self._stopping = False

    # -- one batch ------------------------------------------------------------------------

    def classify(
        self, records: Sequence[ConsumerRecord]
    ) -> tuple[list[Incoming], list[DeadMessage]]:
        return classify(records, self.accepts, self.checks)

    async def _apply(self, events: list[Incoming], dead: list[DeadMessage]) -> int:
        """One transaction: inbox, effects and DLQ entries. Returns how many events were new."""
        assert self.pool is not None, "the consumer starts once the service has its pool"
        async with self.pool.acquire() as conn, conn.transaction():
            new_keys = await inbox.claim(conn, self.name, [e.inbox_key for e in events])
            fresh = []
            for incoming in events:
                if incoming.inbox_key in new_keys:
                    new_keys.discard(incoming.inbox_key)  # the same event twice in one batch
                    fresh.append(incoming)
            if fresh:
                await self.handler(conn, fresh)
            await dlq.record(conn, self.service, self.name, dead)
        return len(fresh)

    async def _wait_out(self, operation: Callable[[], Awaitable[int]]) -> int:
        """Run `operation` until it succeeds or fails for a reason that is not transient,
        holding the batch (and reporting not ready) meanwhile."""

        def held(exc: BaseException) -> None:
            self.healthy = False
            RETRIES.labels(self.service, self.name).inc()

        result = await until_done(
            f"the database or broker (consumer {self.name}, batch held)",
            operation,
            Backoff(),
            on_retry=held,
        )
        if not self.healthy:
            log.info("consumer recovered", consumer=self.name)
        self.healthy = True
        return result

    async def process(self, records: Sequence[ConsumerRecord]) -> None:
        """Apply a batch; returns once every record is applied, known, or dead."""
        if self.before_batch is not None:
            await self.before_batch(records)
        events, dead = self.classify(records)
        first, last = records[0], records[-1]
        with (
            structlog.contextvars.bound_contextvars(
                consumer=self.name,
                topic=first.topic,
                partition=first.partition,
                offsets=f"{first.offset}-{last.offset}",
                batch_size=len(records),
            ),
            batch_span(first.topic, len(records), (i.event.traceparent for i in events)),
        ):
            try:
                fresh = await self._wait_out(lambda: self._apply(events, dead))
            except Exception as exc:
                log.warning("batch failed; applying its events one by one", error=repr(exc))
                fresh = await self._apply_one_by_one(events, dead)
        MESSAGES.labels(self.service, self.name, "applied").inc(fresh)
        MESSAGES.labels(self.service, self.name, "duplicate").inc(len(events) - fresh)
        MESSAGES.labels(self.service, self.name, "dead").inc(len(dead))

    async def _apply_one_by_one(self, events: list[Incoming], dead: list[DeadMessage]) -> int:
        fresh = 0
        await self._wait_out(lambda: self._apply([], dead))
        for incoming in events:
            with structlog.contextvars.bound_contextvars(**incoming.log_context()):
                for attempt in range(1, self.max_attempts + 1):
                    try:
                        fresh += await self._wait_out(partial(self._apply, [incoming], []))
                        break
                    except Exception as exc:
                        log.warning("handler failed", attempt=attempt, error=repr(exc))
                        if attempt == self.max_attempts:
                            event, record = incoming.event, incoming.record
                            poison = DeadMessage(
                                record.topic,
                                record.partition,
                                record.offset,
                                record.key,
                                list(record.headers or ()),
                                record.value,
                                "handler_error",
                                f"failed {self.max_attempts} times: {exc!r}"[:2000],
                                event.id,
                                event.source,
                                event.type,
                            )
                            await self._wait_out(partial(self._apply, [], [poison]))
                            log.error("event sent to the DLQ after repeated handler errors")
                        else:
                            await asyncio.sleep(0.1 * attempt)
        return fresh

    # -- the poller's entry point, and offsets -------------------------------------------

    async def consume(
        self, records: Sequence[ConsumerRecord], kafka_consumer: AIOKafkaConsumer
    ) -> None:
        if not records:
            return
        started = time.perf_counter()
        async with self._in_flight:
            try:
                await self.process(records)
            except Exception:
                # A fault of our own, not of a message: rewind so nothing is skipped.
                log.exception("batch could not be processed; it will be read again")
                for tp, (offset, _last) in _ranges(records).items():
                    kafka_consumer.seek(tp, offset)
                await asyncio.sleep(1)
                return
            for tp, (_first, last) in _ranges(records).items():
                self._uncommitted[tp] = OffsetAndMetadata(last + 1, "")
            if self._committing is None or self._committing.done():
                self._commit_now.clear()
                self._committing = asyncio.create_task(self._commit_soon(kafka_consumer))
            if self._stopping:
                await self.committed()
        BATCH_SECONDS.labels(self.service, self.name).observe(time.perf_counter() - started)

    async def committed(self) -> None:
        """Commit the applied batches' offsets now, and wait until that is done (or given up)."""
        self._commit_now.set()
        if self._committing is not None:
            await asyncio.shield(self._committing)

    async def settled(self) -> None:
        """Wait until the batch in flight is applied and its offsets committed."""
        async with self._in_flight:
            await self.committed()

    async def drain(self) -> None:
        """Before the service stops: let the batch in flight finish and every commit land;
        from now on a batch's offsets are committed before the next batch is taken."""
        self._stopping = True
        await self.settled()

    async def _commit_soon(self, kafka_consumer: AIOKafkaConsumer) -> None:
        """After `commit_interval` (or when told to hurry), commit the latest applied offset of
        each partition still assigned, again until none is left."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._commit_now.wait(), self.commit_interval)
        while self._uncommitted:
            offsets, self._uncommitted = self._uncommitted, {}
            assigned = kafka_consumer.assignment()
            await self._commit(
                kafka_consumer, {tp: at for tp, at in offsets.items() if tp in assigned}
            )

    async def _commit(
        self, kafka_consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, OffsetAndMetadata]
    ) -> None:
        if not offsets:
            return
        for attempt in range(3):
            try:
                await kafka_consumer.commit(offsets)
                return
            except Exception as exc:
                if is_transient(exc) and attempt < 2:
                    await asyncio.sleep(0.5 * (attempt + 1))
                    continue
                # The effects are committed; a redelivery is absorbed by the inbox.
                log.warning(
                    "offset commit failed; the batch may be delivered again", error=repr(exc)
                )
                return

    def rebalance_listener(self) -> ConsumerRebalanceListener:
        return _WaitForBatch(self)


def _ranges(records: Sequence[ConsumerRecord]) -> dict[TopicPartition, tuple[int, int]]:
    ranges: dict[TopicPartition, tuple[int, int]] = {}
    for record in records:
        tp = TopicPartition(record.topic, record.partition)
        first, last = ranges.get(tp, (record.offset, record.offset))
        ranges[tp] = (min(first, record.offset), max(last, record.offset))
    return ranges


class _WaitForBatch(ConsumerRebalanceListener):
    """Before partitions move to another consumer, let the batch in flight finish and commit."""

    def __init__(self, consumer: EventConsumer, timeout: float = 30.0) -> None:
        self.consumer = consumer
        self.timeout = timeout

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.consumer.settled(), self.timeout)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        return None
