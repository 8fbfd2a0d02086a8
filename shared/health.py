"""`/healthz`, `/readyz` and `/metrics`, the same on every service."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from shared.kafka import kafka_reachable

Check = Callable[[], Awaitable[bool]]


def database_check(engine: AsyncEngine) -> Check:
    async def probe() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def check() -> bool:
        # The connect too within the bound: behind a partition a new connection hangs, not fails.
        try:
            await asyncio.wait_for(probe(), 3)
        except Exception:
            return False
        return True

    return check


def kafka_check(bootstrap: str) -> Check:
    async def check() -> bool:
        return await kafka_reachable(bootstrap)

    return check


def health_routes(checks: dict[str, Check]) -> list[BaseRoute]:
    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "alive"})

    async def readyz(_: Request) -> Response:
        results = dict(zip(checks, await asyncio.gather(*(c() for c in checks.values())), strict=True))
        ready = all(results.values())
        return JSONResponse(
            {
                "status": "ready" if ready else "not ready",
                "checks": {k: "ok" if v else "failing" for k, v in results.items()},
            },
            status_code=200 if ready else 503,
        )

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz, include_in_schema=False),
        Route("/readyz", readyz, include_in_schema=False),
        Route("/metrics", metrics, include_in_schema=False),
    ]
