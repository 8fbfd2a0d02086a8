"""The platform's services as real processes on free ports, against the test's database and topics."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from tests.integration.conftest import KAFKA, Topics, eventually


def service_env(database_url: str, topics: Topics, ports: dict[str, int]) -> dict[str, str]:
    """The environment `make run` would give the services, pointed at this test's database, topics,
    consumer groups and ports (`api`, `risk-worker`, `notifier`)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": KAFKA,
        "CREDENCE_TOPIC_AR_EVENTS": topics.ar_events,
        "CREDENCE_TOPIC_ALERTS": topics.alerts,
        "CREDENCE_TOPIC_CREDIT_EVENTS": topics.credit_events,
        "CREDENCE_TOPIC_RISK_EVENTS": topics.settings["risk_events_topic"],
        "CREDENCE_API_GROUP_ID": f"{topics.prefix}-api",
        "CREDENCE_WORKER_GROUP_ID": f"{topics.prefix}-rw",
        "CREDENCE_NOTIFIER_GROUP_ID": f"{topics.prefix}-nt",
        "CREDENCE_API_PORT": str(ports["api"]),
        "CREDENCE_WORKER_HTTP_PORT": str(ports["risk-worker"]),
        "CREDENCE_NOTIFIER_HTTP_PORT": str(ports["notifier"]),
    }


async def wait_ready(ports: dict[str, int], within: float = 60) -> None:
    """Every service answers /readyz with its database and Kafka reachable."""
    async with httpx.AsyncClient() as client:
        for name, port in ports.items():

            async def ready(port: int = port) -> bool:
                try:
                    response = await client.get(f"http://127.0.0.1:{port}/readyz")
                except httpx.TransportError:
                    return False
                return response.status_code == 200 and response.json()["checks"] == {
                    "database": "ok",
                    "kafka": "ok",
                }

            assert await eventually(ready, within=within), name


class Service:
    """One service as `make run` starts it (`credence <name>`), to be killed and started again."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name, self.env = name, env
        self.process = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "services.cli", self.name], env=self.env, stdout=subprocess.DEVNULL
        )

    async def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(self.process.wait, 10)

    def restart(self) -> None:
        self.process = self._start()


@asynccontextmanager
async def service(name: str, env: dict[str, str]) -> AsyncIterator[Service]:
    running = Service(name, env)
    try:
        yield running
    finally:
        running.process.terminate()
        await asyncio.to_thread(running.process.wait, 30)
