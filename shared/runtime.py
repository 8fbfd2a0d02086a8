"""What the two workers share: stop on SIGTERM/SIGINT, and a small HTTP port for probes and metrics."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import uvicorn
from starlette.applications import Starlette

from shared.health import Check, health_routes
from shared.logging import configure_logging
from shared.settings import PlatformSettings

S = TypeVar("S", bound=PlatformSettings)


class _Server(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The worker owns the signals: it must finish its batch before anything stops.
        yield


def install_stop_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)


async def serve_probes(host: str, port: int, checks: dict[str, Check], stop: asyncio.Event) -> None:
    """Serve /healthz, /readyz and /metrics until `stop` is set."""
    app = Starlette(routes=health_routes(checks))
    server = _Server(
        uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    await stop.wait()
    server.should_exit = True
    await task


def run_worker(name: str, settings: S, serve: Callable[[S, asyncio.Event], Awaitable[None]]) -> int:
    """Entry point of a worker process: logs, signals, and `serve` until SIGTERM or SIGINT."""
    configure_logging(name, settings.log_level, json=settings.log_json)

    async def main() -> None:
        stop = asyncio.Event()
        install_stop_signals(stop)
        await serve(settings, stop)

    asyncio.run(main())
    return 0
