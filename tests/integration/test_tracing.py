"""One order of business followed through the services: the HTTP request, the outbox, Kafka, the
risk worker's batch and the reassessment it caused; a dunning run's request through to the
notifier's batch; a scorecard's activation through the reassessment of everyone to what it
published. Spans are read with an in-memory exporter, as an OTLP collector would receive them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from services.notifier.main import serve as serve_notifier
from services.notifier.settings import NotifierSettings
from services.risk_worker.main import serve as serve_worker
from services.risk_worker.settings import WorkerSettings
from shared import scorecards
from shared.roles import Role
from tests.integration.conftest import Api, Platform, eventually
from tests.integration.helpers import invoice_event, running


@pytest.fixture(scope="session")
def exporter() -> InMemorySpanExporter:
    # The tracer provider can be set once per process: every test after this one is traced too,
    # which costs little and changes nothing they assert.
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter


@pytest.fixture
def spans(exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    exporter.clear()
    yield exporter
    exporter.clear()


def one(spans: InMemorySpanExporter, name: str) -> ReadableSpan:
    found = [s for s in spans.get_finished_spans() if s.name == name]
    assert found, (name, sorted({s.name for s in spans.get_finished_spans()}))
    return found[0]


def continuing(spans: InMemorySpanExporter, request: ReadableSpan, name: str) -> ReadableSpan | None:
    """The span `name` of the request's trace whose parent came from another process (by Kafka)."""
    context = request.get_span_context()
    assert context is not None
    for span in spans.get_finished_spans():
        parent = span.parent
        if span.name == name and parent is not None and parent.trace_id == context.trace_id:
            assert parent.is_remote
            return span
    return None


async def test_a_request_is_traced_through_the_outbox_and_kafka_into_the_worker_and_the_notifier(
    spans: InMemorySpanExporter,
    api: Api,
    worker_settings: WorkerSettings,
    notifier_settings: NotifierSettings,
) -> None:
    body = {"name": "T", "currency": "EUR", "contacts": {"accounts_payable_email": "ap@t.example"}}
    await api.ok("PUT", "/v1/customers/C-T1", role=Role.ERP, status=201, json=body)
    due = date.today() - timedelta(days=4)
    dates = {"issue_date": f"{due - timedelta(days=30)}", "due_date": f"{due}"}
    invoice = invoice_event("C-T1", "INV-T1", "700.00", **dates)
    async with running(serve_worker, worker_settings), running(serve_notifier, notifier_settings):
        await api.ok("POST", "/v1/events", role=Role.ERP, status=202, json=invoice)
        ingest = one(spans, "POST /v1/events")

        async def applied() -> ReadableSpan | None:
            return continuing(spans, ingest, "risk-worker apply")

        worker = await eventually(applied, within=30)

        async def reassessed() -> ReadableSpan | None:
            return continuing(spans, ingest, "risk-worker reassess")

        # The customers the batch touched are reassessed moments later, in the same trace.
        reassessment = await eventually(reassessed, within=30)
        assert reassessment.parent is not None and worker.context is not None
        assert reassessment.parent.span_id == worker.context.span_id
        # Four days overdue: the default policy's first notice, sent by the notifier.
        run = await api.ok("POST", "/v1/dunning-runs", json={"as_of": f"{date.today()}"})
        assert run["notices"] == 1
        dunning = one(spans, "POST /v1/dunning-runs")

        async def notified() -> ReadableSpan | None:
            return continuing(spans, dunning, "notifier apply")

        notifier = await eventually(notified, within=30)
    assert dict(worker.attributes or {})["messaging.batch.message_count"] == 1
    assert notifier.kind == worker.kind == SpanKind.CONSUMER
    assert dict(ingest.attributes or {})["http.response.status_code"] == 202


async def test_a_scorecard_activation_is_traced_through_everyone_reassessed_to_what_it_published(
    spans: InMemorySpanExporter, stack: Platform
) -> None:
    api = stack.api
    body = {"name": "T", "currency": "EUR", "country": "DE", "industry": "wholesale"}
    await api.ok("PUT", "/v1/customers/C-T2", role=Role.ERP, status=201, json=body)

    async def assessed() -> bool:
        response = await api.request("GET", "/v1/customers/C-T2/assessment", role=Role.CREDIT_CONTROLLER)
        return response.status_code == 200

    await eventually(assessed, within=30)
    document = scorecards.default_document()
    # C-T2 has no invoices: its payment index is missing, and now scores more.
    document["factors"][0]["missing_points"] = 9
    await api.ok("PUT", "/v1/scorecards/traced-2027", status=201, json=document)
    activation = one(spans, "PUT /v1/scorecards/{version}")

    async def everyone() -> ReadableSpan | None:
        return continuing(spans, activation, "risk-worker reassess everyone")

    reassessment = await eventually(everyone, within=30)
    assert dict(reassessment.attributes or {})["credence.trigger"] == "scorecard"

    async def published() -> ReadableSpan | None:
        # The credit API consumes the risk events: the assessment change of C-T2 arrives in the trace.
        return continuing(spans, activation, "credit-api apply")

    applied = await eventually(published, within=30)
    assert applied.parent is not None and reassessment.context is not None
    assert applied.parent.span_id == reassessment.context.span_id
