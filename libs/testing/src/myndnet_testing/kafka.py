"""Kafka for tests: producing, reading topics to their end, and waiting until a consumer group
has committed past them (the only way an absence is asserted)."""

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from myndnet_kit.app import ServiceApp
from myndnet_kit.kafka import stop_consumer, topic_partitions
from myndnet_schemas import Event, encode_binary
from myndnet_schemas.connection import KafkaConnection, connection

from myndnet_testing.waits import wait_until


async def produce(
    bootstrap: str | KafkaConnection, topic: str, events: Sequence[Event[Any]]
) -> None:
    """Publish events in binary mode, keyed as the contract says, and wait for the acks."""
    messages = []
    for event in events:
        headers, value = encode_binary(event)
        messages.append((event.key.encode(), value, headers))
    await produce_raw(bootstrap, topic, messages)


async def produce_raw(
    bootstrap: str | KafkaConnection,
    topic: str,
    messages: Sequence[tuple[bytes | None, bytes | None, list[tuple[str, bytes]]]],
) -> None:
    """(key, value, headers) triples, as they are: for malformed and hostile messages."""
    producer = AIOKafkaProducer(
        **connection(bootstrap).options(), enable_idempotence=True, acks="all", linger_ms=5
    )
    await producer.start()
    try:
        futures = [
            await producer.send(topic, value=value, key=key, headers=headers)
            for key, value, headers in messages
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def read_topic(
    bootstrap: str | KafkaConnection,
    topic: str,
    *,
    at_least: int = 0,
    timeout: float = 20.0,
    settle: float = 1.0,
) -> list[ConsumerRecord]:
    """Everything on a topic from the start: waits for `at_least`, then `settle` more seconds."""
    consumer = AIOKafkaConsumer(
        topic,
        **connection(bootstrap).options(),
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        deadline = time.monotonic() + timeout
        quiet_until = None
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for part in batch.values():
                records.extend(part)
            if len(records) >= at_least:
                quiet_until = quiet_until or time.monotonic() + settle
                if time.monotonic() >= quiet_until:
                    break
        return records
    finally:
        await stop_consumer(consumer)


async def read_to_end(bootstrap: str | KafkaConnection, topic: str) -> list[ConsumerRecord]:
    """Everything on a topic from the start up to its end as it is now, however long it is."""
    partitions = [TopicPartition(topic, p) for p in await topic_partitions(bootstrap, topic)]
    if not partitions:
        return []
    consumer = AIOKafkaConsumer(
        **connection(bootstrap).options(),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord] = []

        async def behind() -> bool:
            return any([await consumer.position(tp) < end for tp, end in ends.items()])

        while await behind():
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            for tp, part in batch.items():
                records.extend(r for r in part if r.offset < ends[tp])
        return records
    finally:
        await stop_consumer(consumer)


async def committed_offsets(
    bootstrap: str | KafkaConnection, group_id: str, topic: str
) -> dict[int, int]:
    admin = AIOKafkaAdminClient(**connection(bootstrap).options())
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group_id)
        return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}
    finally:
        await admin.close()


async def consumed_by(
    kafka: str | KafkaConnection, group: str, topic: str, timeout: float = 30.0
) -> None:
    """Until consumer group `group` has committed past what `topic` holds now. The kit commits
    a batch's effects in PostgreSQL before its offsets, so afterwards an absence (no mail
    queued, no row written) is the service's decision, not a consumer yet to get there."""
    ends = {p: end for p, end in (await end_offsets(kafka, topic)).items() if end > 0}

    async def past_the_end() -> bool:
        committed = await committed_offsets(kafka, group, topic)
        return all(committed.get(p, 0) >= end for p, end in ends.items())

    await wait_until(past_the_end, timeout, what=f"{group} to consume {topic} to {ends}")


async def consumed(app: ServiceApp, topic: str, timeout: float = 30.0) -> None:
    """`consumed_by` for every consumer of an in-process service that reads `topic`."""
    groups = [
        poller.group_id
        for poller in app.pollers
        if topic in poller.topics
        or (poller.client is not None and topic in {tp.topic for tp in poller.client.assignment()})
    ]
    if not groups:
        raise AssertionError(f"{app.service} has no consumer of {topic}")
    for group in groups:
        await consumed_by(app.settings.kafka(), group, topic, timeout)


async def end_offsets(bootstrap: str | KafkaConnection, topic: str) -> dict[int, int]:
    """The next offset of every partition; empty when the topic does not exist."""
    partitions = await topic_partitions(bootstrap, topic)
    if not partitions:
        return {}
    consumer = AIOKafkaConsumer(**connection(bootstrap).options())
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
        return {tp.partition: offset for tp, offset in ends.items()}
    finally:
        await stop_consumer(consumer)
