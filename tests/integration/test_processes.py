"""The three services as real processes, as `make run` starts them: probes answer, SIGTERM stops
each one cleanly."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys

import httpx

from tests.integration.conftest import Topics
from tests.integration.processes import service_env, wait_ready
from tests.integration.receivers import free_port


async def test_each_service_is_ready_serves_metrics_and_stops_cleanly_on_sigterm(
    database_url: str, topics: Topics
) -> None:
    ports = {"api": free_port(), "risk-worker": free_port(), "notifier": free_port()}
    env = service_env(database_url, topics, ports)
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
        await wait_ready(ports)
        async with httpx.AsyncClient() as client:
            for port in ports.values():
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
