"""When a consumer commits its offsets: coalesced while it runs, at once when it must let go.

The batches' effects are stubbed out (`process` records them); what is under test is which
offsets reach the broker, and when. Delivery against the real broker is in
`test_kit_delivery.py`.
"""

import asyncio
from collections.abc import Sequence

from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.structs import OffsetAndMetadata
from myndnet_kit.consumer import EventConsumer

P0, P1 = TopicPartition("t", 0), TopicPartition("t", 1)


class KafkaConsumer:
    """Records commits; `assigned` is what the group gave it. A commit begins by setting
    `committing` and ends once `release` is set (at once unless a test clears it)."""

    def __init__(self, assigned: set[TopicPartition]) -> None:
        self.assigned = assigned
        self.commits: list[dict[TopicPartition, int]] = []
        self.committing = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()
        self.changed = asyncio.Condition()

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    async def commit(self, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        self.committing.set()
        await self.release.wait()
        async with self.changed:
            self.commits.append({tp: at.offset for tp, at in offsets.items()})
            self.changed.notify_all()

    async def made(self, count: int) -> None:
        """Wait (at most 10 s) until `count` commits are made."""
        async with asyncio.timeout(10), self.changed:
            await self.changed.wait_for(lambda: len(self.commits) >= count)


class Applied(EventConsumer):
    def __init__(self, commit_interval: float) -> None:
        async def unused(*_: object) -> None:
            raise AssertionError("process is stubbed")

        super().__init__(
            service="s",
            name="c",
            pool=None,
            handler=unused,
            accepts=(),
            commit_interval=commit_interval,
        )
        self.batches: list[list[int]] = []

    async def process(self, records: Sequence[ConsumerRecord]) -> None:
        self.batches.append([r.offset for r in records])


def record(tp: TopicPartition, offset: int) -> ConsumerRecord:
    return ConsumerRecord(tp.topic, tp.partition, offset, 0, 0, b"k", b"v", None, 1, 1, [])


async def test_many_small_batches_make_one_commit_of_each_partitions_latest_offset():
    consumer, kafka = Applied(commit_interval=1.0), KafkaConsumer({P0, P1})
    for offset in range(30):
        await consumer.consume([record(P0, offset)], kafka)
    await consumer.consume([record(P1, 4), record(P1, 5)], kafka)
    assert len(consumer.batches) == 31
    assert kafka.commits == []  # nothing yet: the interval has not passed
    await kafka.made(1)
    await consumer.consume([record(P0, 30)], kafka)
    await kafka.made(2)
    await asyncio.sleep(0.1)
    assert kafka.commits == [{P0: 30, P1: 6}, {P0: 31}]


async def test_a_batch_applied_while_a_commit_is_under_way_is_committed_after_it():
    consumer, kafka = Applied(commit_interval=0), KafkaConsumer({P0})
    kafka.release.clear()
    await consumer.consume([record(P0, 0)], kafka)
    await asyncio.wait_for(kafka.committing.wait(), timeout=10)
    await consumer.consume([record(P0, 1)], kafka)
    kafka.release.set()
    await asyncio.wait_for(consumer.committed(), timeout=10)
    assert kafka.commits == [{P0: 1}, {P0: 2}]


async def test_letting_go_of_partitions_commits_at_once_without_waiting_out_the_interval():
    consumer, kafka = Applied(commit_interval=60), KafkaConsumer({P0, P1})
    await consumer.consume([record(P0, 7), record(P1, 2)], kafka)
    revoked = consumer.rebalance_listener().on_partitions_revoked({P0, P1})
    await asyncio.wait_for(revoked, timeout=2)
    assert kafka.commits == [{P0: 8, P1: 3}]


async def test_a_partition_no_longer_assigned_is_not_committed():
    consumer, kafka = Applied(commit_interval=0.05), KafkaConsumer({P0, P1})
    await consumer.consume([record(P0, 7), record(P1, 2)], kafka)
    kafka.assigned = {P0}
    await consumer.committed()
    assert kafka.commits == [{P0: 8}]


async def test_a_stopping_consumer_commits_each_batch_before_taking_the_next():
    consumer, kafka = Applied(commit_interval=60), KafkaConsumer({P0})
    await consumer.consume([record(P0, 0)], kafka)
    await asyncio.wait_for(consumer.drain(), timeout=2)
    assert kafka.commits == [{P0: 1}]
    await asyncio.wait_for(consumer.consume([record(P0, 1)], kafka), timeout=2)
    assert kafka.commits == [{P0: 1}, {P0: 2}]
