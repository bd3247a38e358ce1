"""CloudEvents 1.0 over Kafka (the Kafka protocol binding).

Consumers accept binary mode (attributes in `ce_*` headers, the value is `data`; a missing
`content-type` means application/json) and structured mode (`content-type:
application/cloudevents+json`, the value is the whole event). The network publishes binary mode.
`parse` turns (headers, key, value) into an `Event` or raises `EnvelopeError` with a short reason.
"""

import json
import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from myndnet_schemas.errors import explain
from myndnet_schemas.events import ALL_EVENTS, EventData

SPECVERSION = "1.0"
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
JSON_CONTENT_TYPE = "application/json"
_SPECVERSION_BYTES, _JSON_CONTENT_TYPE_BYTES = SPECVERSION.encode(), JSON_CONTENT_TYPE.encode()
_REQUIRED = ("id", "source", "type", "specversion")
_KNOWN = (*_REQUIRED, "time", "subject", "datacontenttype", "dataschema")
MAX_ATTRIBUTE_LENGTH = 2048

D = TypeVar("D", bound=EventData)

Headers = Sequence[tuple[str, bytes]]

REGISTRY: dict[str, type[EventData]] = {model.event_type: model for model in ALL_EVENTS}


class EnvelopeError(Exception):
    """A message that is not a valid network event; `reason` is a short code for the DLQ."""

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        event_id: str | None = None,
        source: str | None = None,
        event_type: str | None = None,
    ) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
        self.event_id = event_id
        self.source = source
        self.event_type = event_type


@dataclass(frozen=True)
class Event(Generic[D]):
    """A network event: CloudEvents attributes and its typed payload."""

    id: str
    source: str
    type: str
    data: D
    time: datetime | None = None
    subject: str | None = None
    extensions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def new(
        cls,
        data: D,
        *,
        source: str,
        id: str | None = None,
        time: datetime | None = None,
        traceparent: str | None = None,
    ) -> "Event[D]":
        """A new event; `traceparent` (W3C Trace Context) ties it to the event that caused it,
        as the CloudEvents distributed-tracing extension (header `ce_traceparent`)."""
        return cls(
            id=id or str(uuid.uuid4()),
            source=source,
            type=data.event_type,
            data=data,
            time=time or datetime.now(UTC),
            subject=data.subject(),
            extensions={"traceparent": traceparent}
            if traceparent is not None and valid_traceparent(traceparent)
            else {},
        )

    @property
    def traceparent(self) -> str | None:
        """The W3C trace context the event carries, if it is well-formed."""
        value = self.extensions.get("traceparent")
        return value if valid_traceparent(value) else None

    @property
    def key(self) -> str:
        return self.data.kafka_key()


_TRACEPARENT = re.compile(r"00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}")


def valid_traceparent(value: str | None) -> bool:
    return value is not None and _TRACEPARENT.fullmatch(value) is not None


def new_traceparent() -> str:
    """The start of a trace: a random trace id and parent id, sampled."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def model_for(event_type: str) -> type[EventData]:
    try:
        return REGISTRY[event_type]
    except KeyError:
        raise EnvelopeError(
            "unknown_type",
            f"no event type {event_type!r} in the network's contract",
            event_type=event_type,
        ) from None


def validate_data(model: type[D], data: bytes | str | Any) -> D:
    """Validate a payload as JSON (strict: dates as strings, numbers as numbers)."""
    try:
        if isinstance(data, bytes | str):
            return model.model_validate_json(data)
        return model.model_validate_json(json.dumps(data))
    except ValidationError as exc:
        if exc.errors()[0]["type"] == "json_invalid":  # parsed once, by pydantic
            message = exc.errors()[0]["msg"]
            raise EnvelopeError("invalid_json", f"data is not JSON: {message}") from None
        raise EnvelopeError("schema_violation", "; ".join(explain(exc))) from None


_FORBIDDEN_IN_STRINGS = re.compile("[\x00-\x1f\x7f-\x9f]")


def _parse_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise EnvelopeError(
            "invalid_attribute", f"time {value!r} is not an RFC 3339 timestamp"
        ) from None
    if parsed.tzinfo is None:
        raise EnvelopeError("invalid_attribute", f"time {value!r} has no UTC offset")
    return parsed


def _header_map(headers: Iterable[tuple[str, bytes | None]]) -> dict[str, str]:
    result = {}
    for name, raw in headers:
        try:
            result[name.lower()] = raw.decode("utf-8") if raw is not None else ""
        except UnicodeDecodeError:
            raise EnvelopeError("not_cloudevent", f"header {name!r} is not UTF-8") from None
    return result


def _attributes_event(attrs: dict[str, Any], data: Any) -> Event[EventData]:
    missing = [a for a in _REQUIRED if not attrs.get(a)]
    if missing:
        raise EnvelopeError(
            "not_cloudevent", f"missing CloudEvents attribute(s): {', '.join(missing)}"
        )
    for name, value in attrs.items():
        if not isinstance(value, str):
            raise EnvelopeError("invalid_attribute", f"attribute {name!r} must be a string")
        if len(value) > MAX_ATTRIBUTE_LENGTH:
            raise EnvelopeError("invalid_attribute", f"attribute {name!r} is too long")
        if _FORBIDDEN_IN_STRINGS.search(value):
            # CloudEvents 1.0: a String must not hold control characters (U+0000-U+001F,
            # U+007F-U+009F); a NUL could not even be stored in the inbox.
            raise EnvelopeError("invalid_attribute", f"attribute {name!r} has control characters")
    ids = {"event_id": attrs["id"], "source": attrs["source"], "event_type": attrs["type"]}
    if attrs["specversion"] != SPECVERSION:
        raise EnvelopeError(
            "unsupported_specversion",
            f"specversion {attrs['specversion']!r}; only 1.0 is supported",
            **ids,
        )
    try:
        model = model_for(attrs["type"])
        payload = validate_data(model, data)
        time = _parse_time(attrs["time"]) if attrs.get("time") else None
    except EnvelopeError as exc:
        exc.event_id, exc.source, exc.event_type = ids["event_id"], ids["source"], ids["event_type"]
        raise
    extensions = {k: v for k, v in attrs.items() if k not in _KNOWN}
    return Event(
        id=attrs["id"],
        source=attrs["source"],
        type=attrs["type"],
        data=payload,
        time=time,
        subject=attrs.get("subject"),
        extensions=extensions,
    )


def parse(
    headers: Iterable[tuple[str, bytes | None]], key: bytes | None, value: bytes | None
) -> Event[EventData]:
    """A Kafka message as a network event, or EnvelopeError saying precisely why not."""
    header = _header_map(headers)
    content_type = header.get("content-type", "").split(";")[0].strip().lower()
    if value is None:
        raise EnvelopeError("not_cloudevent", "the message has no value (a tombstone)")
    if content_type.startswith(STRUCTURED_CONTENT_TYPE):
        try:
            document = json.loads(value)
        except (ValueError, UnicodeDecodeError) as exc:
            raise EnvelopeError("invalid_json", f"structured event is not JSON: {exc}") from None
        if not isinstance(document, dict):
            raise EnvelopeError("not_cloudevent", "structured event is not a JSON object")
        if "data" not in document:
            raise EnvelopeError("not_cloudevent", "structured event has no data")
        data = document.pop("data")
        _continue_w3c_trace(document, header)
        return _attributes_event(document, data)
    if "ce_specversion" not in header:
        raise EnvelopeError(
            "not_cloudevent",
            f"no ce_specversion header and not content-type {STRUCTURED_CONTENT_TYPE}",
        )
    if content_type and content_type != JSON_CONTENT_TYPE:
        raise EnvelopeError(
            "unsupported_content_type",
            f"content-type {content_type!r}; data must be application/json",
        )
    attrs = {name[3:]: v for name, v in header.items() if name.startswith("ce_")}
    _continue_w3c_trace(attrs, header)
    return _attributes_event(attrs, value)


def _continue_w3c_trace(attrs: dict[str, Any], header: dict[str, str]) -> None:
    """OpenTelemetry's Kafka instrumentation writes the W3C `traceparent` header, not the
    CloudEvents extension: an event that has only that one continues its trace all the same.
    An invalid one is ignored (it is not the publisher's CloudEvents attribute to refuse)."""
    if "traceparent" not in attrs and valid_traceparent(header.get("traceparent")):
        attrs["traceparent"] = header["traceparent"]


def _attribute_headers(event: Event[Any]) -> list[tuple[str, bytes]]:
    """The event's CloudEvents attributes as binary-mode headers, in their one order. Each
    outgoing event pays for this: written straight into headers, not through text pairs
    first, it costs two thirds as much."""
    headers = [
        ("ce_specversion", _SPECVERSION_BYTES),
        ("ce_id", event.id.encode()),
        ("ce_source", event.source.encode()),
        ("ce_type", event.type.encode()),
    ]
    if event.time is not None:
        headers.append(("ce_time", event.time.isoformat().replace("+00:00", "Z").encode()))
    if event.subject is not None:
        headers.append(("ce_subject", event.subject.encode()))
    for name, value in sorted(event.extensions.items()):
        headers.append((f"ce_{name}", value.encode()))
    return headers


def encode_binary(event: Event[Any]) -> tuple[list[tuple[str, bytes]], bytes]:
    """Headers and value in binary mode: what the network's own services publish."""
    headers = _attribute_headers(event)
    headers.append(("content-type", _JSON_CONTENT_TYPE_BYTES))
    return headers, event.data.__pydantic_serializer__.to_json(event.data, exclude_none=True)


def encode_structured(event: Event[Any]) -> tuple[list[tuple[str, bytes]], bytes]:
    document: dict[str, Any] = {
        name.removeprefix("ce_"): value.decode() for name, value in _attribute_headers(event)
    }
    document["datacontenttype"] = JSON_CONTENT_TYPE
    document["data"] = event.data.model_dump(mode="json", exclude_none=True)
    return (
        [("content-type", STRUCTURED_CONTENT_TYPE.encode())],
        json.dumps(document, ensure_ascii=False).encode(),
    )
