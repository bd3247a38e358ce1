"""A subscription's poll loop, written on aiokafka.

Why not FastStream's subscriber: what a framework would add here is the loop, and the kit needs
it to behave otherwise than FastStream's batch subscriber does. That subscriber decodes every
header as text and every body as JSON before the handler sees the batch (one malformed record
fails the batch; the kit sends that record to the DLQ and applies the rest), and after a poll
that found nothing it sleeps its batch timeout before polling again, so an event arriving
meanwhile waits that long at every hop through the network. Its public options cannot change
either. The kit classifies, applies and commits each batch itself (`EventConsumer`); this module
only fetches.
"""

import asyncio
import contextlib
import itertools
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import ConsumerStoppedError, KafkaError
from myndnet_schemas.connection import KafkaConnection

from myndnet_kit.consumer import EventConsumer
from myndnet_kit.kafka import stop_consumer
from myndnet_kit.logging import get_logger
from myndnet_kit.retry import Backoff

log = get_logger(__name__)


class Poller:
    """Fetches batches for one consumer group and hands each to its `EventConsumer`.

    A poll returns as soon as records are there, or after `poll_timeout_ms` with none; the next
    poll follows at once. The consumer's own offsets are committed by the `EventConsumer`, never
    automatically."""

    def __init__(
        self,
        kafka: KafkaConnection,
        consumer: EventConsumer,
        *,
        group_id: str,
        client_id: str,
        topics: Sequence[str] = (),
        pattern: str | None = None,
        max_records: int = 500,
        poll_timeout_ms: int = 100,
        metadata_max_age_ms: int = 300_000,
    ) -> None:
        if bool(topics) == bool(pattern):
            raise ValueError("a subscription reads either named topics or a pattern")
        self.kafka = kafka
        self.consumer = consumer
        self.group_id = group_id
        self.client_id = client_id
        self.topics = list(topics)
        self.pattern = pattern
        self.max_records = max_records
        self.poll_timeout_ms = poll_timeout_ms
        self.metadata_max_age_ms = metadata_max_age_ms
        self.client: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._running = False

    async def start(self) -> None:
        """Join the group and start polling; a client that could not start is closed again."""
        listener = self.consumer.rebalance_listener()
        client = AIOKafkaConsumer(
            **self.kafka.options(),
            group_id=self.group_id,
            client_id=self.client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            metadata_max_age_ms=self.metadata_max_age_ms,
        )
        if self.pattern:
            client.subscribe(pattern=self.pattern, listener=listener)
        else:
            client.subscribe(self.topics, listener=listener)
        try:
            await client.start()
        except BaseException:
            with contextlib.suppress(Exception):
                await stop_consumer(client)
            raise
        self.client = client
        self._running = True
        self._task = asyncio.create_task(self._poll(client), name=f"poll-{self.consumer.name}")

    async def _poll(self, client: AIOKafkaConsumer) -> None:
        backoff = Backoff(first=0.5, cap=5.0)
        while self._running:
            try:
                batches = await client.getmany(
                    timeout_ms=self.poll_timeout_ms, max_records=self.max_records
                )
            except ConsumerStoppedError:
                return
            except KafkaError as exc:
                # Not authorised for a topic, a coordinator moving: the broker's side heals or
                # an operator fixes it; the consumer keeps trying and says so.
                delay = backoff.next()
                log.error(
                    "poll failed; trying again",
                    consumer=self.consumer.name,
                    error=repr(exc),
                    retry_in_s=round(delay, 1),
                )
                await asyncio.sleep(delay)
                continue
            backoff.reset()
            if batches:
                records = tuple(itertools.chain.from_iterable(batches.values()))
                await self.consumer.consume(records, client)

    async def stop(self, timeout: float) -> None:
        """Let the batch in flight finish (the caller drains the consumer first), then leave
        the group."""
        self._running = False
        if self._task is not None:
            _done, pending = await asyncio.wait([self._task], timeout=timeout)
            for task in pending:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self.client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(stop_consumer(self.client), timeout)
            self.client = None
