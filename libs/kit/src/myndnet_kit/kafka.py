"""Topics made on purpose (the broker never auto-creates them) and the producer every relay uses."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code
from myndnet_schemas.connection import KafkaConnection, connection

from myndnet_kit.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int = 3
    replication_factor: int = 1
    config: dict[str, str] = field(default_factory=dict)


def compacted(name: str, partitions: int = 3, replication_factor: int = 1) -> TopicSpec:
    return TopicSpec(name, partitions, replication_factor, {"cleanup.policy": "compact"})


async def ensure_topics(kafka: str | KafkaConnection, specs: Sequence[TopicSpec]) -> list[str]:
    """Create the topics that do not exist yet; returns the names created."""
    if not specs:
        return []
    admin = AIOKafkaAdminClient(**connection(kafka).options())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [spec for spec in specs if spec.name not in existing]
        if not missing:
            return []
        response = await admin.create_topics(
            [
                NewTopic(s.name, s.partitions, s.replication_factor, topic_configs=s.config)
                for s in missing
            ]
        )
        created = []
        for name, code, *_ in getattr(response, "topic_errors", ()):
            if code == 0:
                created.append(name)
            elif code != TopicAlreadyExistsError.errno:
                # The broker's own error class, so that one that can heal is retried.
                raise for_code(code)(f"could not create topic {name}")
        if created:
            log.info("topics created", topics=created)
        return created
    finally:
        await admin.close()


async def existing_topics(kafka: str | KafkaConnection, names: set[str]) -> set[str]:
    """Which of `names` exist (and this client may see)."""
    if not names:
        return set()
    admin = AIOKafkaAdminClient(**connection(kafka).options())
    await admin.start()
    try:
        return names & set(await admin.list_topics())
    finally:
        await admin.close()


async def topic_partitions(kafka: str | KafkaConnection, topic: str) -> list[int]:
    """The partition numbers of a topic that have a leader (none when it does not exist, or has
    just been made), asked of the broker: a fresh consumer's metadata may not list a topic it is
    not subscribed to yet."""
    admin = AIOKafkaAdminClient(**connection(kafka).options())
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(
        p["partition"]
        for d in described
        if d["error_code"] == 0
        for p in d["partitions"]
        if p["error_code"] == 0 and p["leader"] >= 0
    )


async def latest_records(
    kafka: str | KafkaConnection, topic: str, timeout: float = 60.0
) -> dict[bytes | None, ConsumerRecord]:
    """The latest record of each key on a topic, read from its beginning to its end as it is
    now (for a small compacted topic; no consumer group)."""
    partitions = await topic_partitions(kafka, topic)
    if not partitions:
        return {}
    assigned = [TopicPartition(topic, p) for p in partitions]
    # "earliest": without it, the first position() after seek_to_beginning() was the end.
    consumer = AIOKafkaConsumer(
        **connection(kafka).options(), enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    latest: dict[bytes | None, ConsumerRecord] = {}
    try:
        consumer.assign(assigned)
        ends = await consumer.end_offsets(assigned)
        await consumer.seek_to_beginning(*assigned)
        async with asyncio.timeout(timeout):
            while [tp for tp in assigned if await consumer.position(tp) < ends[tp]]:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        latest[record.key] = record
    finally:
        await stop_consumer(consumer)
    return latest


async def stop_consumer(consumer: AIOKafkaConsumer) -> None:
    """Stop a consumer; aiokafka may raise a stray CancelledError when it stops soon after
    starting (aio-libs/aiokafka#647). Only a cancellation aimed at this task is passed on."""
    try:
        await consumer.stop()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise


def make_producer(kafka: str | KafkaConnection, client_id: str) -> AIOKafkaProducer:
    """Idempotent, acks=all: a message is sent once and only counted as sent when replicated.
    No linger: a batch leaves at once, and what is sent while a request is in flight to the
    broker waits for it and leaves together (a linger is added to every hop of an event
    through the network)."""
    return AIOKafkaProducer(
        **connection(kafka).options(),
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=0,
        request_timeout_ms=30_000,
    )
