"""What an agency posts to `POST /events`, read as the CloudEvents HTTP binding reads it and
checked as a Kafka consumer of its topic would check it. Plain Python.

Binary mode: the attributes in `ce-*` headers, the body is the data. Structured mode
(`application/cloudevents+json`): the body is the whole event. Batched mode
(`application/cloudevents-batch+json`): the body is a JSON array of structured events.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from myndnet_schemas import EnvelopeError, Event, parse
from myndnet_schemas.events import EventData
from myndnet_schemas.events.inbound import AGENCY_EVENTS
from myndnet_schemas.topics import agency_source

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
MAX_BATCH = 500


class RequestUnreadable(ValueError):
    """The request as a whole cannot be read (not one event can be told apart)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Rejected:
    reason: str
    message: str
    event_id: str | None = None


@dataclass(frozen=True)
class Accepted:
    event: Event[EventData]


def read_request(
    content_type: str, headers: Mapping[str, str], body: bytes
) -> list[Accepted | Rejected]:
    """Every event of the request, each read (and checked for its shape) on its own. The W3C
    `traceparent` header an OpenTelemetry-instrumented client sends continues the trace of
    each event that carries no `traceparent` of its own."""
    media = content_type.split(";")[0].strip().lower()
    trace = [("traceparent", headers["traceparent"].encode())] if "traceparent" in headers else []
    if media == BATCH:
        try:
            items = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise RequestUnreadable(400, "the batch is not JSON") from None
        if not isinstance(items, list):
            raise RequestUnreadable(400, "a batch is a JSON array of structured events")
        if len(items) > MAX_BATCH:
            raise RequestUnreadable(413, f"a batch holds at most {MAX_BATCH} events")
        return [_structured(json.dumps(item).encode(), trace) for item in items]
    if media == STRUCTURED:
        return [_structured(body, trace)]
    if "ce-specversion" in headers:
        kafka_headers = [
            (f"ce_{name[3:]}", value.encode())
            for name, value in headers.items()
            if name.startswith("ce-")
        ]
        if content_type:
            kafka_headers.append(("content-type", content_type.encode()))
        return [_read(kafka_headers + trace, body)]
    raise RequestUnreadable(
        415,
        "send CloudEvents: binary mode (ce-* headers, JSON data), structured mode "
        f"({STRUCTURED}) or a batch ({BATCH})",
    )


def _structured(body: bytes, trace: list[tuple[str, bytes]]) -> Accepted | Rejected:
    return _read([("content-type", STRUCTURED.encode()), *trace], body)


def _read(headers: list[tuple[str, bytes]], body: bytes) -> Accepted | Rejected:
    try:
        return Accepted(parse(headers, None, body))
    except EnvelopeError as exc:
        return Rejected(exc.reason, exc.message, exc.event_id)


def check(read: Accepted | Rejected, agency: str) -> Accepted | Rejected:
    """As a consumer of `hr.<agency>.*` checks it: only the agency's own HR events."""
    if isinstance(read, Rejected):
        return read
    event = read.event
    if event.source != agency_source(agency):
        return Rejected(
            "forged_source",
            f"source {event.source!r}: this key publishes as {agency_source(agency)!r} only",
            event.id,
        )
    if not isinstance(event.data, AGENCY_EVENTS):
        return Rejected(
            "not_an_agency_event",
            f"{event.type} is not an event an agency publishes",
            event.id,
        )
    return read


def answer(results: Sequence[Accepted | Rejected], topics: Sequence[str | None]) -> dict[str, Any]:
    """The answer: every event in the order posted, accepted (with its topic) or rejected with
    the reason."""
    events: list[dict[str, Any]] = []
    for index, (result, topic) in enumerate(zip(results, topics, strict=True)):
        if isinstance(result, Accepted):
            events.append(
                {"index": index, "id": result.event.id, "status": "accepted", "topic": topic}
            )
        else:
            events.append(
                {
                    "index": index,
                    "id": result.event_id,
                    "status": "rejected",
                    "reason": result.reason,
                    "message": result.message,
                }
            )
    accepted = sum(1 for e in events if e["status"] == "accepted")
    return {"accepted": accepted, "rejected": len(events) - accepted, "events": events}
