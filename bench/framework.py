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
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy

sys.path.insert(0, str(Path(__file__).parent))
from common import KAFKA, raw_drain
from myndnet_kit.kafka import TopicSpec, ensure_topics
from myndnet_kit.testing import produce_raw


async def main(messages: int) -> None:
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
    count, raw_seconds = await raw_drain(topic)
    raw_rate = count / raw_seconds
    print(f"{messages} messages of {len(payload)} bytes in 3 partitions")
    print(f"raw aiokafka getmany drain           : {raw_rate:9.0f} /s ({raw_seconds:.2f} s)")

    broker = KafkaBroker(KAFKA, log_level=10)
    received = 0
    first: list[float] = []
    done = asyncio.Event()

    async def leave_undecoded(message: object) -> None:
        return None

    @broker.subscriber(
        topic,
        group_id=f"bench-{uuid.uuid4().hex[:8]}",
        batch=True,
        max_records=500,
        batch_timeout_ms=100,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
        decoder=leave_undecoded,
    )
    async def empty(message: KafkaMessage) -> None:
        nonlocal received
        if not first:
            first.append(time.perf_counter())
        received += len(message.raw_message)
        if received >= messages:
            done.set()

    await broker.start()
    await asyncio.wait_for(done.wait(), 600)
    seconds = time.perf_counter() - first[0]  # from the first batch, as the raw drain
    await broker.stop()
    rate = messages / seconds
    print(
        f"FastStream batch subscriber, no-op   : {rate:9.0f} /s ({seconds:.2f} s from the "
        "first batch)"
    )
    print(f"ratio FastStream / raw               : {rate / raw_rate:.2f}  (goal ≥ 0.8)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=300_000)
    asyncio.run(main(parser.parse_args().messages))
