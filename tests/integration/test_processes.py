"""The three services as real processes, as `make run` starts them: probes answer, SIGTERM stops
each one cleanly."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys

import httpx

from shared.roles import Role
from tests.integration.conftest import Topics, eventually
from tests.integration.processes import service_env, wait_ready
from tests.integration.receivers import free_port


async def test_each_service_is_ready_serves_metrics_and_stops_cleanly_on_sigterm(
    database_url: str, topics: Topics, keys: dict[Role, str]
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
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['api']}") as client:
            await _a_customer_is_checked_without_a_limit(client, keys)
            for port in ports.values():
                health = await client.get(f"http://127.0.0.1:{port}/healthz")
                assert health.json() == {"status": "alive"}
                metrics = await client.get(f"http://127.0.0.1:{port}/metrics")
                assert "process_cpu_seconds_total" in metrics.text
            # What the dashboard shows: decisions by reason, and each consumer's lag per partition.
            decided = 'credence_credit_decisions_total{decision="held",reason="no_valid_limit"} 1.0'
            assert decided in (await client.get("/metrics")).text

            async def lag_reported() -> bool:
                text = (await client.get(f"http://127.0.0.1:{ports['risk-worker']}/metrics")).text
                labels = f'consumer="risk-worker",partition="0",topic="{topics.ar_events}"'
                return f"credence_consumer_lag{{{labels}}} 0.0" in text

            assert await eventually(lag_reported, within=20)
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


async def _a_customer_is_checked_without_a_limit(client: httpx.AsyncClient, keys: dict[Role, str]) -> None:
    created = await client.post(
        "/v1/customers",
        headers={"Authorization": f"Bearer {keys[Role.ERP]}"},
        json={"customer_code": "C-METRICS", "name": "Metrics Ltd", "currency": "EUR"},
    )
    assert created.status_code in (200, 201), created.text
    checked = await client.post(
        "/v1/credit-checks",
        headers={"Authorization": f"Bearer {keys[Role.ORDER_SYSTEM]}", "Idempotency-Key": "metrics-1"},
        json={"customer_code": "C-METRICS", "order_ref": "SO-M1", "amount": "100.00", "currency": "EUR"},
    )
    assert checked.json()["decision"] == "held", checked.text
