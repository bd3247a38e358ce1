"""Myndnet's event contracts: CloudEvents 1.0 over Kafka, payload models, topics, publisher kit."""

from myndnet_schemas.envelope import (
    REGISTRY,
    EnvelopeError,
    Event,
    encode_binary,
    encode_structured,
    parse,
)
from myndnet_schemas.events import *  # noqa: F403
from myndnet_schemas.events import __all__ as _events_all

__all__ = [
    "REGISTRY",
    "EnvelopeError",
    "Event",
    "encode_binary",
    "encode_structured",
    "parse",
    *_events_all,
]
