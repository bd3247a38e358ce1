"""The agency publisher: what an HR system uses to put events on the network.

    async with AgencyPublisher("127.0.0.1:9092", agency="csn") as publisher:
        await publisher.publish(VacancyPublished(...))

In the network's secure profile the agency logs in with the credentials membership handed out:

    kafka = KafkaConnection("broker:9094", username="agency-csn", password=..., cafile="ca.pem")
    async with AgencyPublisher(kafka, agency="csn") as publisher: ...

Every payload is validated before it is sent, keyed as the contract says, sent on the agency's
own topic with an idempotent producer (acks=all), and `publish` returns only once the broker has
acknowledged it. When too few brokers are up to store an event safely, the broker does not
acknowledge it and `publish` raises `NotAcknowledged` after `send_timeout` seconds: the event may
or may not be stored, so send it again with the same id (the network applies each id once).
"""

import asyncio
import time
import uuid
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaTimeoutError

from myndnet_schemas import topics
from myndnet_schemas.connection import KafkaConnection, connection
from myndnet_schemas.envelope import Event, encode_binary, new_traceparent
from myndnet_schemas.events import EventData
from myndnet_schemas.events.inbound import ASSIGNMENT_EVENTS, LEADERSHIP_EVENTS, VACANCY_EVENTS

SEND_TIMEOUT = 30.0


class TopicMissing(RuntimeError):
    pass


class NotAcknowledged(KafkaTimeoutError):
    """The broker did not acknowledge every event in time (aiokafka itself would wait as long as
    the brokers are down). Those events may or may not be stored: send them again with the same
    ids; the network applies each (source, id) once."""


def topic_for(agency: str, payload: EventData) -> str:
    if isinstance(payload, VACANCY_EVENTS):
        return topics.hr_vacancies(agency)
    if isinstance(payload, LEADERSHIP_EVENTS):
        return topics.hr_leadership(agency)
    if isinstance(payload, ASSIGNMENT_EVENTS):
        return topics.hr_exchange(agency)
    raise TypeError(f"{payload.event_type} is not an event an agency publishes")


class AgencyPublisher:
    def __init__(
        self,
        kafka: str | KafkaConnection,
        agency: str,
        *,
        client_id: str | None = None,
        send_timeout: float = SEND_TIMEOUT,
        **producer_options: Any,
    ) -> None:
        self.agency = topics.validate_agency_code(agency)
        if not send_timeout > 0:
            raise ValueError(f"send_timeout is seconds to wait, more than 0 (not {send_timeout})")
        self.send_timeout = send_timeout
        self.source = topics.agency_source(agency)
        self.kafka = connection(kafka)
        self._producer_options = {
            "client_id": client_id or f"myndnet-publisher-{agency}",
            "enable_idempotence": True,
            "acks": "all",
            "linger_ms": 5,
            **producer_options,
        }
        self._producer: AIOKafkaProducer | None = None

    async def __aenter__(self) -> "AgencyPublisher":
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        await self._check_topics()
        self._producer = AIOKafkaProducer(**self.kafka.options(), **self._producer_options)
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def _check_topics(self) -> None:
        """Fail at once, not after a minute's timeout, when the agency has no topics yet."""
        admin = AIOKafkaAdminClient(**self.kafka.options())
        await admin.start()
        try:
            existing = set(await admin.list_topics())
        finally:
            await admin.close()
        wanted = set(topics.hr_topics(self.agency))
        if not wanted & existing:
            raise TopicMissing(
                f"the network has no topics for agency {self.agency!r} "
                f"({', '.join(sorted(wanted))}); is it registered as a member?"
            )

    def event(
        self,
        payload: EventData,
        *,
        id: str | None = None,
        time: datetime | None = None,
        traceparent: str | None = None,
    ) -> Event[EventData]:
        """An event of this agency; each starts a trace of its own unless given one (the HR
        system's), which the network carries to every event and e-mail it causes."""
        return Event.new(
            payload,
            source=self.source,
            id=id,
            time=time,
            traceparent=traceparent or new_traceparent(),
        )

    async def publish(self, payload: EventData, *, id: str | None = None) -> Event[EventData]:
        """Send one event and wait for the broker's acknowledgement."""
        [event] = await self.publish_many([self.event(payload, id=id)])
        return event

    async def publish_many(self, events: Sequence[Event[EventData]]) -> list[Event[EventData]]:
        """Send events in order and wait until the broker has acknowledged every one (raises
        `NotAcknowledged` after `send_timeout` seconds)."""
        if self._producer is None:
            raise RuntimeError("start the publisher first (async with AgencyPublisher(...))")
        await send_agency_events(self._producer, self.agency, events, self.send_timeout)
        return list(events)


async def send_agency_events(
    producer: AIOKafkaProducer,
    agency: str,
    events: Sequence[Event[EventData]],
    timeout: float = SEND_TIMEOUT,
) -> None:
    """An agency's events to its own topics, in binary mode, keyed as the contract says, in
    order; returns once the broker has acknowledged every one, or raises `NotAcknowledged` after
    `timeout` seconds. The producer should be idempotent with acks=all (as `AgencyPublisher`'s
    and ingest's are); it keeps trying what it holds, so it stays usable after a timeout."""
    source = topics.agency_source(agency)
    deadline = time.monotonic() + timeout
    # Every event is checked and encoded before any is queued: a batch with one event that may
    # not be sent is refused whole, not sent in part.
    records = []
    for event in events:
        if event.source != source:
            raise ValueError(f"{agency} may only publish as {source}")
        headers, value = encode_binary(event)
        records.append((topic_for(agency, event.data), value, event.key.encode(), headers))
    futures: list[asyncio.Future[Any]] = []
    try:
        for topic, value, key, headers in records:
            # Queuing waits too (for metadata, or for room in the partition's batch): bounded as
            # well. A send cancelled while it waits has queued nothing.
            send = producer.send(topic, value=value, key=key, headers=headers)
            futures.append(await asyncio.wait_for(send, max(0.0, deadline - time.monotonic())))
        if futures:
            # asyncio.wait leaves the producer's futures alone on a timeout (wait_for would
            # cancel them).
            await asyncio.wait(futures, timeout=max(0.0, deadline - time.monotonic()))
    except TimeoutError:
        pass  # reported below, with how many are not acknowledged
    waiting = [future for future in futures if not future.done()]
    if waiting or len(futures) < len(events):
        for future in waiting:  # its outcome comes later; nobody waits for it any more
            future.add_done_callback(lambda f: f.cancelled() or f.exception())
        unacknowledged = len(waiting) + len(events) - len(futures)
        raise NotAcknowledged(
            f"{unacknowledged} of {len(events)} events not acknowledged within {timeout:g} s: "
            "too few brokers may be up; send them again with the same ids"
        )
    for future in futures:
        future.result()  # the first failure, if any


def deterministic_id(*parts: str) -> str:
    """The same event id for the same content, so a repeated run is recognised as a repeat."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "myndnet:" + "/".join(parts)))
