"""Traces across the services: OpenTelemetry, with the W3C trace context carried by the events.

Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set; then each service exports its spans by OTLP/HTTP.
FastAPI opens a span for each API request (continuing the caller's `traceparent` if it sends one),
this module one for each batch a consumer applies. An event written to an outbox carries the
`traceparent` of the span that wrote it, in the CloudEvent (its distributed-tracing extension) and
as a Kafka header, so the consumer's batch continues that trace: the first event's, with links to
the others'. The reassessment of the customers a batch touched continues the batch's trace the same
way, from the `traceparent` stored with each customer marked due.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Link, NonRecordingSpan

tracer = trace.get_tracer("credence")
TRACEPARENT = "traceparent"
# The SDK's default limit of links per span: more would be read only to be dropped.
MAX_LINKS = 128


def configure_tracing(service: str, otlp_endpoint: str) -> None:
    if not otlp_endpoint:
        return
    # Imported only when exporting: the exporter pulls in protobuf.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(resource=Resource.create({"service.name": f"credence-{service}"}))
    exporter = OTLPSpanExporter(endpoint=f"{otlp_endpoint.rstrip('/')}/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)


def current_traceparent() -> str | None:
    """The W3C `traceparent` of the span in progress; None when nothing is traced."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get(TRACEPARENT)


def continued(traceparents: Iterable[str]) -> tuple[Context | None, list[Link]]:
    """The context that continues the first trace, and links to the other traces (as many as a
    span keeps). Nothing is read when nothing is traced: consumers call this for every batch."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        return None, []
    contexts = [
        trace.get_current_span(propagate.extract({TRACEPARENT: value})).get_span_context()
        for value in itertools.islice(traceparents, MAX_LINKS + 1)
    ]
    valid = [context for context in contexts if context.is_valid]
    if not valid:
        return None, []
    return trace.set_span_in_context(NonRecordingSpan(valid[0])), [Link(c) for c in valid[1:]]
