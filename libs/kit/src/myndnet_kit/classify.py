"""What a consumed record is: a valid event of the contract that passes the consumer's checks
(`Incoming`), or a dead message with its reason for the DLQ. Plain Python."""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import ConsumerRecord
from myndnet_schemas import EnvelopeError, Event, parse, topics
from myndnet_schemas.events import EventData

from myndnet_kit.dlq import DeadMessage
from myndnet_kit.logging import get_logger

log = get_logger(__name__)

# No event of the contract comes near this (a vacancy with a 20,000-character description is
# about 60 kB); the broker takes up to 1 MB, and a DLQ copy of a near-limit message with its
# x-dlq-* headers would be more than the relay's producer may send.
MAX_EVENT_BYTES = 256 * 1024
KEPT_OF_TOO_LARGE = 16 * 1024  # of the value, and of the headers, in the DLQ copy


def record_size(
    key: bytes | None, headers: Sequence[tuple[str, bytes]], value: bytes | None
) -> int:
    return (
        len(key or b"")
        + len(value or b"")
        + sum(len(name) + len(content or b"") for name, content in headers)
    )


def too_large(record: ConsumerRecord, headers: list[tuple[str, bytes]], size: int) -> DeadMessage:
    """A truncated copy for the DLQ: the first bytes of the value and the headers that fit."""
    kept: list[tuple[str, bytes]] = []
    room = KEPT_OF_TOO_LARGE
    for name, content in headers:
        cost = len(name) + len(content or b"")
        if cost <= room:
            kept.append((name, content))
            room -= cost
    return DeadMessage(
        record.topic,
        record.partition,
        record.offset,
        (record.key or b"")[:256] or None,
        kept,
        (record.value or b"")[:KEPT_OF_TOO_LARGE],
        "too_large",
        f"the message is {size} bytes; events may be at most {MAX_EVENT_BYTES} bytes "
        f"(the DLQ keeps its first {KEPT_OF_TOO_LARGE} bytes)",
    )


@dataclass(frozen=True)
class Incoming:
    """A valid event and where it was read."""

    event: Event[EventData]
    record: ConsumerRecord

    @property
    def topic(self) -> str:
        return self.record.topic

    @property
    def partition(self) -> int:
        return self.record.partition

    @property
    def offset(self) -> int:
        return self.record.offset

    @property
    def inbox_key(self) -> tuple[str, str]:
        return (self.event.source, self.event.id)

    @property
    def agency(self) -> str | None:
        """The agency of an `hr.<code>.*` topic."""
        return topics.agency_of_hr_topic(self.topic)

    def log_context(self) -> dict[str, Any]:
        return {
            "event_id": self.event.id,
            "event_type": self.event.type,
            "source": self.event.source,
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "correlation_id": self.event.extensions.get("correlationid", self.event.id),
        }


class Rejected(Exception):
    """An event that must not be applied (wrong source, unknown agency ...): it goes to the DLQ."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


Check = Callable[[Incoming], None]


def check_hr_source(incoming: Incoming) -> None:
    """An event on `hr.<code>.*` must come from `/agencies/<code>`."""
    agency = incoming.agency
    if agency is not None and incoming.event.source != topics.agency_source(agency):
        raise Rejected(
            "source_mismatch",
            f"source {incoming.event.source!r} may not publish on "
            f"{incoming.topic} (only /agencies/{agency})",
        )


def published_by(service: str) -> Check:
    """A consumer check for a service's topic, whatever name it is configured under: its
    events must come from that service."""
    expected = topics.service_source(service)

    def check(incoming: Incoming) -> None:
        if incoming.event.source != expected:
            raise Rejected(
                "source_mismatch",
                f"source {incoming.event.source!r} may not publish on {incoming.topic} "
                f"(only {expected})",
            )

    return check


def classify(
    records: Sequence[ConsumerRecord], accepts: Collection[str], checks: Sequence[Check]
) -> tuple[list[Incoming], list[DeadMessage]]:
    """Every record as a valid event to apply or a dead message with its reason. Pure: no I/O
    but the log line of each dead message."""
    events: list[Incoming] = []
    dead: list[DeadMessage] = []
    for record in records:
        headers = list(record.headers or ())
        size = record_size(record.key, headers, record.value)
        if size > MAX_EVENT_BYTES:
            dead.append(too_large(record, headers, size))
            log.warning(
                "message sent to the DLQ",
                reason="too_large",
                bytes=size,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
            )
            continue
        try:
            event = parse(headers, record.key, record.value)
            if event.type not in accepts:
                raise Rejected(
                    "unexpected_type", f"{event.type} is not consumed from {record.topic}"
                )
            incoming = Incoming(event, record)
            for check in checks:
                check(incoming)
            events.append(incoming)
        except (EnvelopeError, Rejected) as exc:
            ids = {}
            if isinstance(exc, EnvelopeError):
                ids = {
                    "event_id": exc.event_id,
                    "source": exc.source,
                    "event_type": exc.event_type,
                }
            else:
                ids = {"event_id": event.id, "source": event.source, "event_type": event.type}
            dead.append(
                DeadMessage(
                    record.topic,
                    record.partition,
                    record.offset,
                    record.key,
                    headers,
                    record.value,
                    exc.reason,
                    exc.message,
                    **ids,
                )
            )
            log.warning(
                "message sent to the DLQ",
                reason=exc.reason,
                error=exc.message,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                **ids,
            )
    return events, dead
