"""Consumer overhead: the kit's poller (`myndnet_kit.subscription.Poller`) and FastStream's
batch subscriber, each with an empty handler, against a raw aiokafka `getmany` drain of the same
pre-filled topic on the same broker, in one run. FastStream is measured with its public options
only (its own parser, dependency injection on), as a service would use it.

    uv run python bench/framework.py [--messages 300000]
"""

import argparse
import asyncio
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.middlewares import AckPolicy

sys.path.insert(0, str(Path(__file__).parent))
from common import KAFKA, raw_drain
from myndnet_kit.kafka import TopicSpec, ensure_topics
from myndnet_kit.subscription import Poller
from myndnet_schemas.connection import connection
from myndnet_testing import produce_raw


async def main(messages: int, batch_sizes: list[int]) -> None:
    topic = f"bench.framework.{uuid.uuid4().hex[:8]}"
    await ensure_topics(KAFKA, [TopicSpec(topic, 3)])
    payload = b'{"vacancy_id": "V-1", "revision": 1, "title": "Handl\\u00e4ggare"}'
    for start in range(0, messages, 10_000):
        await produce_raw(
            KAFKA,
            topic,
            [
                (f"k{i}".encode(), payload, [("ce_id", b"x")])
                for i in range(start, min(messages, start + 10_000))
            ],
        )
    print(f"{messages} messages of {len(payload)} bytes in 3 partitions")
    for max_records in batch_sizes:
        print(f"-- at most {max_records} records a batch")
        count, raw_seconds = await raw_drain(topic, max_records)
        raw_rate = count / raw_seconds
        print(f"{'raw aiokafka getmany drain':40s}: {raw_rate:9.0f} /s ({raw_seconds:.2f} s)")
        for label, drain in [
            ("the kit's poller", poller_drain),
            ("FastStream batch subscriber", faststream_drain),
        ]:
            rate, seconds = await drain(topic, messages, max_records)
            print(f"{label:40s}: {rate:9.0f} /s ({seconds:.2f} s from the first batch)")
            print(f"{'  ratio to raw':40s}: {rate / raw_rate:.2f}  (goal ≥ 0.8)")


class Counting:
    """An `EventConsumer` with an empty handler: counts the records it is given."""

    name = "bench"

    def __init__(self, messages: int) -> None:
        self.messages = messages
        self.received = 0
        self.first: float | None = None
        self.done = asyncio.Event()

    async def consume(self, records: Sequence[ConsumerRecord], _client: AIOKafkaConsumer) -> None:
        if self.first is None:
            self.first = time.perf_counter()
        self.received += len(records)
        if self.received >= self.messages:
            self.done.set()

    def rebalance_listener(self) -> ConsumerRebalanceListener:
        return Unconcerned()


class Unconcerned(ConsumerRebalanceListener):
    async def on_partitions_revoked(self, revoked: object) -> None:
        return None

    async def on_partitions_assigned(self, assigned: object) -> None:
        return None


async def poller_drain(topic: str, messages: int, max_records: int) -> tuple[float, float]:
    counting = Counting(messages)
    poller = Poller(
        connection(KAFKA),
        counting,  # type: ignore[arg-type]
        group_id=f"bench-{uuid.uuid4().hex[:8]}",
        client_id="bench",
        topics=[topic],
        max_records=max_records,
    )
    await poller.start()
    await asyncio.wait_for(counting.done.wait(), 600)
    assert counting.first is not None
    seconds = time.perf_counter() - counting.first  # from the first batch, as the raw drain
    await poller.stop(10)
    return messages / seconds, seconds


async def faststream_drain(topic: str, messages: int, max_records: int) -> tuple[float, float]:
    broker = KafkaBroker(KAFKA, log_level=10)
    counting = Counting(messages)

    @broker.subscriber(
        topic,
        group_id=f"bench-{uuid.uuid4().hex[:8]}",
        batch=True,
        max_records=max_records,
        batch_timeout_ms=100,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
    )
    async def empty(body: list[dict[str, object]], message: KafkaMessage) -> None:
        await counting.consume(body, None)  # type: ignore[arg-type]

    await broker.start()
    await asyncio.wait_for(counting.done.wait(), 600)
    assert counting.first is not None
    seconds = time.perf_counter() - counting.first
    await broker.stop()
    return messages / seconds, seconds


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument(
        "--batch-sizes",
        type=int,
        nargs="+",
        default=[500, 2000],
        help="max_records of every side (the services use CONSUMER_MAX_RECORDS, 500)",
    )
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.batch_sizes))
