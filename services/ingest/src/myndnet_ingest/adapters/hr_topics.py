"""The one producer ingest publishes agencies' events with: idempotent, acks=all, through the
publisher kit's `send_agency_events` (each agency's own topics, the contract's keys)."""

from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from myndnet_kit.kafka import make_producer
from myndnet_schemas import Event
from myndnet_schemas.connection import KafkaConnection
from myndnet_schemas.events import EventData
from myndnet_schemas.publisher import send_agency_events


class HrTopics:
    def __init__(self, kafka: KafkaConnection) -> None:
        self.kafka = kafka
        self.producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        producer = make_producer(self.kafka, "myndnet-ingest")
        await producer.start()
        self.producer = producer

    async def stop(self) -> None:
        if self.producer is not None:
            await self.producer.stop()
            self.producer = None

    async def publish(self, agency: str, events: Sequence[Event[EventData]]) -> None:
        """Returns once the broker has acknowledged every one."""
        if self.producer is None:
            raise RuntimeError("ingest's producer is not started yet")
        await send_agency_events(self.producer, agency, events)
