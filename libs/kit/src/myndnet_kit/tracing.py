"""Tracing with OpenTelemetry: spans for HTTP requests, PostgreSQL, each consumed batch, each
outbox round and each e-mail, exported by OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set
(and nothing at all otherwise: the API's tracer is then a no-op).

Events carry the W3C trace context of what caused them (`Event.traceparent`, the CloudEvents
tracing extension): a batch's span links to every event's trace, and an e-mail's span is a
child of its vacancy's.
"""

import contextlib
import os
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from myndnet_kit.logging import get_logger

log = get_logger(__name__)
tracer = trace.get_tracer("myndnet")
_propagator = TraceContextTextMapPropagator()
# Spans are only made when they are exported: otherwise every event's trace context would be
# read for the batch span's links on the consumers' hot path, for nothing.
_exporting = False


def configure_tracing(service: str, api: FastAPI) -> bool:
    """Export spans when an OTLP endpoint is configured; returns whether it is."""
    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    global _exporting
    provider = TracerProvider(resource=Resource.create({"service.name": f"myndnet-{service}"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    FastAPIInstrumentor.instrument_app(api, tracer_provider=provider)
    AsyncPGInstrumentor().instrument(tracer_provider=provider)
    _exporting = True
    log.info("tracing exported by OTLP", endpoint=os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"])
    return True


def context_of(traceparent: str | None) -> Any:
    """An OpenTelemetry context whose parent is the given W3C trace context (or none)."""
    return _propagator.extract({"traceparent": traceparent}) if traceparent else None


def _links(traceparents: Iterable[str | None]) -> list[Link]:
    links = []
    for traceparent in dict.fromkeys(t for t in traceparents if t):
        span_context = trace.get_current_span(context_of(traceparent)).get_span_context()
        if span_context.is_valid:
            links.append(Link(span_context))
    return links


@contextlib.contextmanager
def batch_span(topic: str, size: int, traceparents: Iterable[str | None]) -> Iterator[None]:
    """A consumed batch: one span, linked to the trace of each of its events."""
    if not _exporting:
        yield
        return
    with tracer.start_as_current_span(
        f"{topic} process",
        kind=SpanKind.CONSUMER,
        links=_links(traceparents),
        attributes={
            "messaging.system": "kafka",
            "messaging.destination.name": topic,
            "messaging.batch.message_count": size,
        },
    ):
        yield


@contextlib.contextmanager
def child_span(
    name: str, traceparent: str | None, kind: SpanKind = SpanKind.INTERNAL
) -> Iterator[None]:
    """A span in the trace of `traceparent` (a new trace without one)."""
    if not _exporting:
        yield
        return
    with tracer.start_as_current_span(name, context=context_of(traceparent), kind=kind):
        yield
