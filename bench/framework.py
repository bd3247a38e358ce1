"""Framework overhead: a FastStream batch subscriber with an empty handler against a raw
aiokafka `getmany` drain of the same pre-filled topic on the same broker, in one run.

    uv run python bench/framework.py [--messages 300000]
"""

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path

from faststream.kafka import KafkaBroker
from faststream.middlewares import AckPolicy

sys.path.insert(0, str(Path(__file__).parent))
from common import KAFKA, raw_drain
from myndnet_kit.app import records_as_body, records_only
from myndnet_kit.kafka import TopicSpec, ensure_topics
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
        print(f"{'raw aiokafka getmany drain':47s}: {raw_rate:9.0f} /s ({raw_seconds:.2f} s)")
        for label, parser in [
            ("FastStream batch subscriber, its own parser", None),
            ("FastStream batch subscriber, the kit's parser", records_only),
        ]:
            rate, seconds = await faststream_drain(topic, messages, parser, max_records)
            print(f"{label:47s}: {rate:9.0f} /s ({seconds:.2f} s from the first batch)")
            print(f"{'  ratio to raw':47s}: {rate / raw_rate:.2f}  (goal ≥ 0.8)")


async def faststream_drain(
    topic: str, messages: int, parser: object, max_records: int
) -> tuple[float, float]:
    """Drain the topic with the broker and subscriber options the kit uses and an empty
    handler."""
    broker = KafkaBroker(KAFKA, log_level=10, apply_types=False)
    received = 0
    first: list[float] = []
    done = asyncio.Event()
    extra = {"parser": parser} if parser is not None else {}

    @broker.subscriber(
        topic,
        group_id=f"bench-{uuid.uuid4().hex[:8]}",
        batch=True,
        max_records=max_records,
        batch_timeout_ms=100,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
        decoder=records_as_body,
        **extra,
    )
    async def empty(records: tuple) -> None:
        nonlocal received
        if not first:
            first.append(time.perf_counter())
        received += len(records)
        if received >= messages:
            done.set()

    await broker.start()
    await asyncio.wait_for(done.wait(), 600)
    seconds = time.perf_counter() - first[0]  # from the first batch, as the raw drain
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
        help="max_records of both sides (the services use CONSUMER_MAX_RECORDS, 500)",
    )
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.batch_sizes))
