"""What every service process shares: a clean stop on SIGTERM/SIGINT, and its HTTP server."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Literal, TypeVar

import structlog
import uvicorn
import uvloop
from starlette.applications import Starlette
from starlette.types import ASGIApp

from shared.db import is_outage
from shared.health import Check, health_routes
from shared.logging import configure_logging
from shared.settings import PlatformSettings
from shared.tracing import configure_tracing

S = TypeVar("S", bound=PlatformSettings)

log = structlog.get_logger(__name__)


class _Server(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The worker owns the signals: it must finish its batch before anything stops.
        yield


def install_stop_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)


async def serve_http(
    app: ASGIApp, host: str, port: int, stop: asyncio.Event, *, lifespan: Literal["auto", "off"] = "auto"
) -> None:
    """Serve an ASGI app until `stop` is set, then shut down gracefully (requests in flight finish)."""
    server = _Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            lifespan=lifespan,
            timeout_graceful_shutdown=20,
        )
    )
    task = asyncio.create_task(server.serve())
    await stop.wait()
    server.should_exit = True
    await task


async def serve_probes(host: str, port: int, checks: dict[str, Check], stop: asyncio.Event) -> None:
    """Serve /healthz, /readyz and /metrics until `stop` is set."""
    await serve_http(Starlette(routes=health_routes(checks)), host, port, stop, lifespan="off")


def run_service(name: str, settings: S, serve: Callable[[S, asyncio.Event], Awaitable[None]]) -> int:
    """Entry point of a service process: logs, signals, and `serve` until SIGTERM or SIGINT.

    The process then exits 0, so supervisors see a clean stop rather than death by signal.
    """
    configure_logging(name, settings.log_level, json=settings.log_json)
    configure_tracing(name, settings.otlp_endpoint)
    # What is loaded at start (modules, models, schemas) lives as long as the process: kept out of
    # the collector's full passes, and young collections made rarer, which otherwise pause every
    # request in flight for tens of milliseconds under load.
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)

    async def main() -> None:
        stop = asyncio.Event()
        install_stop_signals(stop)
        await serve(settings, stop)

    # uvloop: the event loop's own overhead is a large share of a credit check's time.
    uvloop.run(main())
    return 0


async def supervise(
    name: str,
    run: Callable[[asyncio.Event], Awaitable[None]],
    stop: asyncio.Event,
    *,
    backoff_seconds: float = 5.0,
) -> None:
    """Run a background loop until `stop`, restarting it after a failure instead of dying with it."""
    while not stop.is_set():
        try:
            await run(stop)
        except Exception as exc:  # any failure is logged and retried: the service stays up
            if is_outage(exc):
                # Expected while the database restarts; /readyz and the metrics already say so.
                log.warning("background task waiting for the database", task=name, error=str(exc))
            else:
                log.exception("background task failed; restarting", task=name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff_seconds)
