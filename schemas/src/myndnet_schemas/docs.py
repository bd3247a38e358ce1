"""Generated documents: a JSON Schema per event type and an AsyncAPI 3.0 document of the topics.

    python -m myndnet_schemas.docs           # write schemas/jsonschema/ and schemas/asyncapi.json
    python -m myndnet_schemas.docs --check   # exit 1 when the committed files are out of date

`schemas/released/` keeps each type's schema as it was first released. It is written once per
type and never overwritten: the compatibility test holds every current model to it, so a
removed or renamed field, a narrowed type or a new required field needs a new major version.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from myndnet_schemas import topics
from myndnet_schemas.envelope import REGISTRY
from myndnet_schemas.events import EventData
from myndnet_schemas.events.exchange import EXCHANGE_EVENTS
from myndnet_schemas.events.inbound import ASSIGNMENT_EVENTS, LEADERSHIP_EVENTS, VACANCY_EVENTS
from myndnet_schemas.events.membership import MEMBERSHIP_EVENTS, SIGN_IN_EVENTS
from myndnet_schemas.events.mentoring import MENTORING_EVENTS
from myndnet_schemas.events.notify import NOTIFY_EVENTS
from myndnet_schemas.events.outreach import OUTREACH_EVENTS
from myndnet_schemas.events.trainings import TRAINING_EVENTS
from myndnet_schemas.events.vacancies import VACANCY_LIFECYCLE_EVENTS

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # schemas/
JSONSCHEMA_DIR = PACKAGE_ROOT / "jsonschema"
ASYNCAPI_FILE = PACKAGE_ROOT / "asyncapi.json"
RELEASED_DIR = PACKAGE_ROOT / "released"

# The events each topic of `topics.TOPICS` carries.
EVENTS_ON: dict[str, tuple[type[EventData], ...]] = {
    "hr.{agency}.vacancies": VACANCY_EVENTS,
    "hr.{agency}.leadership": LEADERSHIP_EVENTS,
    "hr.{agency}.exchange": ASSIGNMENT_EVENTS,
    topics.MEMBERSHIP_AGENCIES: MEMBERSHIP_EVENTS,
    topics.MEMBERSHIP_SIGN_INS: SIGN_IN_EVENTS,
    topics.VACANCIES: VACANCY_LIFECYCLE_EVENTS,
    topics.MENTORING_MATCHES: MENTORING_EVENTS,
    topics.NOTIFY_DELIVERIES: NOTIFY_EVENTS,
    topics.TRAININGS_REGISTRATIONS: TRAINING_EVENTS,
    topics.OUTREACH_ACTIVITIES: OUTREACH_EVENTS,
    topics.EXCHANGE_ASSIGNMENTS: EXCHANGE_EVENTS,
}


def json_schema(model: type[EventData]) -> dict[str, Any]:
    schema = model.model_json_schema(mode="validation")
    schema["$id"] = f"https://myndnet.se/schemas/{model.event_type}.json"
    schema["title"] = model.event_type
    schema["description"] = (model.__doc__ or "").strip() or model.event_type
    return schema


def component_schema(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema as an AsyncAPI component: its `$defs` become components of their own and
    its references point there (a `#/$defs/...` reference means nothing inside the document)."""
    schema = dict(schema)
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = _point_to_components(definition)
    return _point_to_components(schema)


def _point_to_components(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: value.replace("#/$defs/", "#/components/schemas/")
            if key == "$ref" and isinstance(value, str)
            else _point_to_components(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_point_to_components(item) for item in node]
    return node


def _name(event_type: str) -> str:
    return event_type.removeprefix("se.myndnet.").replace(".", "_")


CE_HEADERS: dict[str, Any] = {
    "type": "object",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type"],
    "properties": {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {
            "type": "string",
            "description": "unique per source; (source, id) is the de-duplication key",
        },
        "ce_source": {
            "type": "string",
            "description": "/agencies/<code> or /services/<service>",
        },
        "ce_type": {"type": "string"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string"},
        "content-type": {"type": "string", "const": "application/json"},
    },
}


def asyncapi() -> dict[str, Any]:
    """The contract: every topic, and what may be published on it."""
    return asyncapi_document(
        "Myndnet",
        "The event contract of Myndighetsnätverket. Every message is a CloudEvents 1.0 event in "
        "Kafka binary mode.",
        [(topic.address, "send") for topic in topics.TOPICS],
    )


def asyncapi_document(
    title: str, description: str, operations_on: list[tuple[str, str]], version: str = "1.0.0"
) -> dict[str, Any]:
    """An AsyncAPI 3.0 document of contract topics (by address) with an operation each:
    "send" for what is published there, "receive" for what is consumed."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    by_address = {topic.address: topic for topic in topics.TOPICS}
    for address, action in operations_on:
        topic = by_address[address]
        key, models = topic.key, EVENTS_ON[address]
        writer = "the agency" if topic.writer == topics.AGENCY else topic.writer
        channel_id = address.replace(".", "_").replace("{", "").replace("}", "")
        channel_messages = {}
        for model in models:
            name = _name(model.event_type)
            schemas[name] = component_schema(json_schema(model), schemas)
            messages[name] = {
                "name": model.event_type,
                "title": model.event_type,
                "contentType": "application/json",
                "headers": CE_HEADERS,
                "payload": {"$ref": f"#/components/schemas/{name}"},
                "bindings": {"kafka": {"key": {"type": "string", "description": key}}},
            }
            channel_messages[name] = {"$ref": f"#/components/messages/{name}"}
        channel: dict[str, Any] = {
            "address": address,
            "description": f"{topic.description} Written by {writer}; key: {key}.",
            "messages": channel_messages,
        }
        if "{agency}" in address:
            channel["parameters"] = {"agency": {"description": "agency code, [a-z0-9-]{2,40}"}}
        channels[channel_id] = channel
        verb = "publish" if action == "send" else "consume"
        operations[f"{verb}_{channel_id}"] = {
            "action": action,
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [
                {"$ref": f"#/channels/{channel_id}/messages/{m}"} for m in channel_messages
            ],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": title, "version": version, "description": description},
        "defaultContentType": "application/json",
        "servers": {"local": {"host": "127.0.0.1:9092", "protocol": "kafka"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def channel_of(models: Sequence[type[EventData]]) -> str:
    """The contract topic that carries these events."""
    for address, carried in EVENTS_ON.items():
        if set(models) <= set(carried):
            return address
    raise KeyError(f"no topic of the contract carries {[m.event_type for m in models]}")


def rendered() -> dict[Path, str]:
    files = {JSONSCHEMA_DIR / f"{t}.json": _dump(json_schema(m)) for t, m in REGISTRY.items()}
    files[ASYNCAPI_FILE] = _dump(asyncapi())
    return files


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    stale = []
    for path, text in rendered().items():
        if not path.exists() or path.read_text() != text:
            stale.append(path)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
    extra = [p for p in JSONSCHEMA_DIR.glob("*.json") if p not in rendered()]
    for event_type, model in REGISTRY.items():
        released = RELEASED_DIR / f"{event_type}.json"
        if not released.exists():
            stale.append(released)
            if not args.check:
                RELEASED_DIR.mkdir(parents=True, exist_ok=True)
                released.write_text(_dump(json_schema(model)))
    if args.check:
        for path in [*stale, *extra]:
            print(f"out of date: {path.relative_to(PACKAGE_ROOT.parent)}")
        return 1 if stale or extra else 0
    for path in stale:
        print(f"wrote {path.relative_to(PACKAGE_ROOT.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
