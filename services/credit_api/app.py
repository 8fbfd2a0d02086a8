"""The credit_api application factory."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request, Response
from prometheus_client import Histogram

from services.credit_api import problems
from services.credit_api.api_keys.service import Authenticator
from services.credit_api.credit_checks.routes import router as credit_checks
from services.credit_api.credit_limits.routes import router as credit_limits
from services.credit_api.customers.routes import router as customers
from services.credit_api.settings import ApiSettings
from shared.credit import CheckPolicy
from shared.db import make_engine, make_sessionmaker
from shared.health import database_check, health_routes, kafka_check

REQUEST_SECONDS = Histogram(
    "credence_http_request_seconds",
    "HTTP request duration",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)

DESCRIPTION = """
Customer credit risk and receivables control. Order systems ask for credit decisions; ERPs keep
customer master data; credit teams manage limits.

Authenticate with `Authorization: Bearer <api key>`. Amounts are decimal strings in the currency's
minor unit; errors are RFC 9457 `application/problem+json` documents with a stable `type`.
"""


def create_app(settings: ApiSettings) -> FastAPI:
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.sessions = make_sessionmaker(engine)
        app.state.authenticator = Authenticator(settings.key_cache_seconds)
        app.state.policy = CheckPolicy(
            limit_tolerance=settings.limit_tolerance, near_limit_ratio=settings.near_limit_ratio
        )
        yield
        await engine.dispose()

    app = FastAPI(
        title="Credence credit API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        routes=health_routes(
            {"database": database_check(engine), "kafka": kafka_check(settings.kafka_bootstrap_servers)}
        ),
    )
    problems.install(app)
    app.include_router(customers)
    app.include_router(credit_limits)
    app.include_router(credit_checks)
    app.middleware("http")(_observe)
    return app


async def _observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Give each request an id (echoed back, logged, kept in the audit log) and time it."""
    request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
    structlog.contextvars.bind_contextvars(request_id=request_id)
    started = time.perf_counter()
    try:
        response = await call_next(request)
    finally:
        structlog.contextvars.unbind_contextvars("request_id")
    route = request.scope.get("route")
    REQUEST_SECONDS.labels(request.method, getattr(route, "path", "unmatched"), response.status_code).observe(
        time.perf_counter() - started
    )
    response.headers["X-Request-ID"] = request_id
    return response
