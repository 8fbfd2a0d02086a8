"""The credit_api application factory."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import structlog
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi_offline import FastAPIOffline
from prometheus_client import Histogram
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.credit_api import background, handlers
from services.credit_api.access.api_keys.routes import router as api_keys
from services.credit_api.access.api_keys.service import Authenticator, RateLimiter
from services.credit_api.access.audit.routes import router as audit
from services.credit_api.access.portal_links.routes import router as portal_links
from services.credit_api.collections.cash_application.routes import router as cash_application
from services.credit_api.collections.contacts.routes import router as contacts
from services.credit_api.collections.disputes.routes import router as disputes
from services.credit_api.collections.dunning.routes import router as collections
from services.credit_api.collections.interest.routes import router as interest
from services.credit_api.collections.promises.routes import router as promises
from services.credit_api.collections.tasks.routes import router as tasks
from services.credit_api.console.errors import SignInNeeded
from services.credit_api.console.routes import router as console
from services.credit_api.console.web import to_sign_in
from services.credit_api.credit.assessments.routes import router as assessments
from services.credit_api.credit.credit_checks.pipeline import CheckPipeline
from services.credit_api.credit.credit_checks.routes import front_door
from services.credit_api.credit.credit_checks.routes import router as credit_checks
from services.credit_api.credit.credit_groups.routes import router as credit_groups
from services.credit_api.credit.credit_holds.routes import router as credit_holds
from services.credit_api.credit.credit_limits.routes import router as credit_limits
from services.credit_api.credit.customers.routes import router as customers
from services.credit_api.credit.exposure.routes import router as exposure
from services.credit_api.credit.financial_statements.routes import router as financial_statements
from services.credit_api.credit.fx_rates.routes import router as fx_rates
from services.credit_api.credit.insurance.routes import router as insurance
from services.credit_api.credit.limit_requests.routes import router as limit_requests
from services.credit_api.credit.payment_predictions.routes import router as payment_predictions
from services.credit_api.credit.reservations.routes import router as reservations
from services.credit_api.credit.reviews.routes import router as reviews
from services.credit_api.credit.temporary_limits.routes import router as temporary_limits
from services.credit_api.finance.ageing.routes import router as ageing
from services.credit_api.finance.reports.routes import router as reports
from services.credit_api.finance.specific_provisions.routes import router as specific_provisions
from services.credit_api.finance.statements.routes import router as statements
from services.credit_api.kernel import problems
from services.credit_api.kernel.settings import ApiSettings
from services.credit_api.operations.dead_letters.routes import router as dead_letters
from services.credit_api.operations.ingestion.routes import router as events
from services.credit_api.policies.cash_application_policies.routes import router as cash_application_policies
from services.credit_api.policies.dunning_policies.routes import router as dunning_policies
from services.credit_api.policies.scorecards.routes import router as scorecards
from services.credit_api.policies.warning_policies.routes import router as warning_policies
from services.credit_api.portal.errors import PortalPage
from services.credit_api.portal.routes import router as portal
from services.credit_api.portal.web import refused as portal_refused
from services.credit_api.warnings.alerts.routes import router as alerts
from services.credit_api.warnings.alerts.stream import AlertFeed
from services.credit_api.warnings.deliveries.routes import router as deliveries
from services.credit_api.warnings.group_alerts.routes import router as group_alerts
from shared.db import make_engine, make_sessionmaker
from shared.health import database_check, health_routes, kafka_check
from shared.runtime import supervise

log = structlog.get_logger(__name__)
# Requests one portal link may make at once: a page and its stylesheet, a few forms in a row.
PORTAL_BURST = 30
# Asked every few seconds by orchestrators and Prometheus: counted in the metrics, not logged.
PROBES = frozenset({"/healthz", "/readyz", "/metrics"})

REQUEST_SECONDS = Histogram(
    "credence_http_request_seconds",
    "HTTP request duration",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)

ROUTERS = (
    # The hot path first: routes are matched in this order, every request of them.
    credit_checks,
    customers,
    credit_groups,
    credit_limits,
    temporary_limits,
    limit_requests,
    exposure,
    payment_predictions,
    ageing,
    statements,
    reports,
    specific_provisions,
    insurance,
    financial_statements,
    assessments,
    scorecards,
    warning_policies,
    alerts,
    group_alerts,
    deliveries,
    collections,
    dunning_policies,
    promises,
    disputes,
    contacts,
    interest,
    cash_application,
    cash_application_policies,
    tasks,
    reviews,
    reservations,
    credit_holds,
    fx_rates,
    events,
    dead_letters,
    api_keys,
    portal_links,
    audit,
)

DESCRIPTION = """
Customer credit risk and receivables control. Order systems ask for credit decisions and reserve
order amounts; ERPs keep customer master data, exchange rates and financial statements; credit
teams manage limits, blocks, held orders and reviews, and read every customer's explained score,
grade and recommended limit and terms.

Authenticate with `Authorization: Bearer <api key>`; each operation lists the roles it admits
(`x-roles`; `admin` is admitted everywhere). Amounts are decimal strings in the currency's minor
unit. Errors are RFC 9457 `application/problem+json` documents with a stable `type`.
"""


def create_app(settings: ApiSettings) -> FastAPI:
    handlers.register()
    # No ping per checkout: a batch of credit checks that meets a connection the server closed is
    # decided again check by check on fresh ones (credit_checks.pipeline), and a request fails at
    # worst once where the ping would have cost a round trip on every request.
    engine = make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        pre_ping=False,
        pool_timeout=settings.db_pool_timeout_seconds,
        pool_recycle=settings.db_pool_recycle_seconds,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sessions = make_sessionmaker(engine)
        app.state.sessions = sessions
        app.state.settings = settings
        app.state.authenticator = authenticator = Authenticator(settings.key_cache_seconds)
        app.state.rate_limiter = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
        app.state.portal_limiter = RateLimiter(settings.portal_requests_per_minute / 60, PORTAL_BURST)
        app.state.alert_feed = feed = AlertFeed(sessions)
        app.state.check_pipeline = pipeline = CheckPipeline(sessions, settings)
        stop = asyncio.Event()
        tasks = asyncio.create_task(background.run(settings, sessions, stop))
        streaming = asyncio.create_task(supervise("alert stream", feed.run, stop))
        checks = asyncio.create_task(pipeline.run(stop))
        follow_keys = partial(authenticator.follow, settings.database_url)
        keys = asyncio.create_task(supervise("api key changes", follow_keys, stop, backoff_seconds=1))
        try:
            yield
        finally:
            stop.set()
            await tasks
            await streaming
            await checks
            await keys
            await engine.dispose()

    # Swagger UI and ReDoc from the installed package, not a CDN: the explorer works behind a firewall.
    app = FastAPIOffline(
        title="Credence credit API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        routes=health_routes(
            {"database": database_check(engine), "kafka": kafka_check(settings.kafka_bootstrap_servers)}
        ),
    )
    problems.install(app)
    app.add_exception_handler(SignInNeeded, to_sign_in)
    app.add_exception_handler(PortalPage, portal_refused)
    for router in (*ROUTERS, console, portal):
        app.include_router(router)
    app.add_middleware(
        _Observe,
        max_body=settings.max_body_bytes,
        access_log=settings.access_log,
        hot={("POST", "/v1/credit-checks"): front_door(app)},
    )
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated document, with each operation's admitted roles also as `x-roles`."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        for methods in schema["paths"].values():
            for operation in methods.values():
                roles = {
                    role
                    for requirement in operation.get("security", [])
                    for scopes in requirement.values()
                    for role in scopes
                }
                operation["x-roles"] = sorted(roles)
                problems.document_common(operation, keyed=bool(roles))
        app.openapi_schema = schema
    return app.openapi_schema


def _secure(headers: MutableHeaders, *, https: bool) -> None:
    """Headers every response carries: no content sniffing, no framing, no referrer; an API answer
    may load nothing at all, a page (console, API explorer) only what it names itself."""
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    if "content-security-policy" not in headers:
        page = headers.get("content-type", "").startswith("text/html")
        headers["Content-Security-Policy"] = (
            "frame-ancestors 'none'" if page else "default-src 'none'; frame-ancestors 'none'"
        )
    if https:
        headers["Strict-Transport-Security"] = "max-age=31536000"


class _Observe:
    """Give each request an id (echoed back, logged, kept in the audit log), time it and log it.
    Plain ASGI: it sits on the path of every credit check.

    The log line names the route's template, never the path itself nor the caller: paths carry
    customer codes and a key's name may be a person's."""

    def __init__(
        self, app: ASGIApp, max_body: int, access_log: bool, hot: dict[tuple[str, str], ASGIApp]
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.access_log = access_log
        # (method, path) → the app that answers it without the framework's routing (credit checks).
        self.hot = hot
        # Each (method, route, status)'s histogram, found once: finding it (`labels`) costs twice
        # what recording the time does, 1.8 against 0.8 µs.
        self.timers: dict[tuple[str, str, int], Histogram] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        asked = Headers(scope=scope)
        request_id = asked.get("x-request-id") or uuid.uuid4().hex
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers.append("X-Request-ID", request_id)
                _secure(headers, https=scope.get("scheme") == "https")
            await send(message)

        length = asked.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            # Refused before a byte of it is read; a body sent without its length is counted as it
            # arrives (below).
            too_large = problems.problem(
                413,
                "body-too-large",
                "Request body too large",
                f"at most {self.max_body} bytes",
                scope["path"],
            )
            await too_large(scope, receive, send_with_id)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body:
                raise HTTPException(413, "Request body too large")
            return message

        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            await self.hot.get((scope["method"], scope["path"]), self.app)(scope, counted, send_with_id)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            route = getattr(scope.get("route"), "path", "unmatched")
            took = time.perf_counter() - started
            key = (scope["method"], route, status)
            timer = self.timers.get(key)
            if timer is None:
                timer = self.timers[key] = REQUEST_SECONDS.labels(*key)
            timer.observe(took)
            if self.access_log and scope["path"] not in PROBES:
                log.info(
                    "request",
                    method=scope["method"],
                    route=route,
                    status=status,
                    ms=round(took * 1000, 1),
                    request_id=request_id,
                )
