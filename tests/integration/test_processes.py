"""The three services as real processes, as `make run` starts them: probes answer, SIGTERM stops
each one cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import httpx

from tests.integration.conftest import KAFKA, Topics, eventually
from tests.integration.receivers import free_port


async def test_each_service_is_ready_serves_metrics_and_stops_cleanly_on_sigterm(
    database_url: str, topics: Topics
) -> None:
    ports = {"api": free_port(), "risk-worker": free_port(), "notifier": free_port()}
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": KAFKA,
        "CREDENCE_TOPIC_AR_EVENTS": topics.ar_events,
        "CREDENCE_TOPIC_ALERTS": topics.alerts,
        "CREDENCE_TOPIC_CREDIT_EVENTS": topics.credit_events,
        "CREDENCE_TOPIC_RISK_EVENTS": topics.settings["risk_events_topic"],
        "CREDENCE_API_GROUP_ID": f"{topics.prefix}-api",
        "CREDENCE_API_PORT": str(ports["api"]),
        "CREDENCE_WORKER_HTTP_PORT": str(ports["risk-worker"]),
        "CREDENCE_NOTIFIER_HTTP_PORT": str(ports["notifier"]),
        "CREDENCE_WORKER_GROUP_ID": f"{topics.ar_events}-rw",
        "CREDENCE_NOTIFIER_GROUP_ID": f"{topics.alerts}-nt",
    }
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "services.cli", name],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for name in ports
    }
    try:
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

                assert await eventually(ready, within=60), name
                health = await client.get(f"http://127.0.0.1:{port}/healthz")
                assert health.json() == {"status": "alive"}
                metrics = await client.get(f"http://127.0.0.1:{port}/metrics")
                assert "process_cpu_seconds_total" in metrics.text
        for proc in procs.values():
            proc.send_signal(signal.SIGTERM)
        codes = {name: await asyncio.to_thread(proc.wait, 30) for name, proc in procs.items()}
        assert codes == {"api": 0, "risk-worker": 0, "notifier": 0}
        logs = {name: proc.stdout.read().decode() for name, proc in procs.items() if proc.stdout}
        assert '"event": "risk worker stopped"' in logs["risk-worker"]
        assert '"event": "notifier stopped"' in logs["notifier"]
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
