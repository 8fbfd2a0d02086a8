"""What the benchmarks share: a scratch database, service processes, and load generators."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from services.devstack.settings import read_dev_env

ROOT = Path(__file__).resolve().parents[1]
# The ledger's tables as the benchmarks fill them with COPY.
ITEM_COLUMNS = [
    "customer_code",
    "item_id",
    "item_type",
    "currency",
    "amount",
    "open_amount",
    "issue_date",
    "due_date",
    "status",
]
MOVEMENT_COLUMNS = ["customer_code", "account", "item_id", "currency", "amount", "effective_date", "due_date"]


def stack_env() -> dict[str, str]:
    return {**read_dev_env(ROOT / ".devstack" / "dev.env"), **os.environ}


async def fresh_database(name: str) -> str:
    """An empty database `name` on the stack's server, migrated to head; returns its URL."""
    server = make_url(stack_env()["DATABASE_URL"])
    conn = await asyncpg.connect(
        host=server.host,
        port=server.port,
        user=server.username,
        password=server.password,
        database="postgres",
    )
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = server.set(database=name).render_as_string(hide_password=False)
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    await asyncio.to_thread(command.upgrade, config, "head")
    return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def process(
    args: Sequence[str], env: dict[str, str], ready_url: str
) -> AsyncIterator[subprocess.Popen[bytes]]:
    """A server process, once `ready_url` answers 200; stopped with SIGTERM afterwards. Its output
    goes to `.devstack/logs/bench-<module>-<port>.log`."""
    log = ROOT / ".devstack" / "logs" / f"bench-{args[-1].replace('.', '-')}-{urlsplit(ready_url).port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:
        proc = subprocess.Popen([sys.executable, *args], env=env, cwd=ROOT, stdout=output, stderr=output)
    try:
        async with httpx.AsyncClient() as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if (await client.get(ready_url)).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"{args} did not become ready")
                await asyncio.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 30)


@dataclass
class Run:
    name: str
    throughput: float
    p50_ms: float
    p99_ms: float
    errors: int

    def line(self) -> str:
        return (
            f"{self.name:<36} {self.throughput:>8.0f}/s  p50 {self.p50_ms:7.2f} ms  "
            f"p99 {self.p99_ms:7.2f} ms  errors {self.errors}"
        )


_LUA = """
local counter = 0
local run = "%(run)s"
request = function()
  counter = counter + 1
  local id = run .. "-" .. counter
  local body = string.format([[%(body)s]], counter %% %(customers)d, id)
  return wrk.format("%(method)s", "%(path)s",
                    {["Content-Type"] = "application/json", ["Idempotency-Key"] = id,
                     ["Authorization"] = "Bearer %(key)s"}, body)
end
%(pacing)s
%(stop)s
"""


def _milliseconds(value: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if value.endswith(unit):
            return float(value[: -len(unit)]) * factor
    return float(value)


@dataclass(frozen=True)
class Load:
    """Requests of `body` (formatted with a customer number and a unique id) to `path` with `key`;
    POSTs unless `method` says otherwise."""

    path: str
    body: str
    key: str
    customers: int
    method: str = "POST"


async def wrk(
    name: str,
    url: str,
    load: Load,
    *,
    connections: int,
    seconds: float,
    rate: float | None = None,
    requests: int | None = None,
) -> Run:
    """Load from wrk (C, so the client takes little of the CPU the servers need). With `rate`, each
    connection waits a random time between requests, connections/rate on average (exponentially
    distributed): together, arrivals as from many independent callers at about that rate. A fixed
    wait would keep the connections in step and send bursts of all of them at once. With
    `requests`, each connection stops after that many answers (or `seconds`, whichever is first)."""
    pacing = (
        ""
        if rate is None
        else "math.randomseed(os.time())\n"
        f"delay = function() return -math.log(1 - math.random()) * {connections * 1000 / rate:.1f} end"
    )
    script = ROOT / ".devstack" / f"bench-{name.replace(' ', '-').replace(',', '')}.lua"
    script.parent.mkdir(exist_ok=True)
    script.write_text(
        _LUA
        % {
            "run": uuid.uuid4().hex[:8],
            "body": load.body,
            "customers": load.customers,
            "path": load.path,
            "method": load.method,
            "key": load.key,
            "pacing": pacing,
            "stop": ""
            if requests is None
            else f"response = function() if counter >= {requests} then wrk.thread:stop() end end",
        }
    )
    proc = await asyncio.create_subprocess_exec(
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds:.0f}s",
        "--latency",
        "-s",
        str(script),
        url,
        stdout=asyncio.subprocess.PIPE,
    )
    out = (await proc.communicate())[0].decode()
    percentiles = dict(re.findall(r"^\s+(\d+)%\s+(\S+)$", out, flags=re.M))
    refused = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    broken = re.search(r"Socket errors: (.*)$", out, flags=re.M)
    errors = refused + (sum(int(n) for n in re.findall(r"\d+", broken.group(1))) if broken else 0)
    if errors:
        # Which kind, since the count alone cannot tell a refusal from a request wrk gave up on (after
        # 2 s); the servers' own logs are in .devstack/logs/bench-*.log.
        print(f"  {name}: {refused} answers not 2xx; socket errors: {broken.group(1) if broken else 'none'}")
    throughput = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    if requests is not None:
        # wrk runs to its duration even when every connection has stopped: the rate the stopped
        # connections kept is their count over the time their answers took.
        answered = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
        average = _milliseconds(re.search(r"Latency\s+(\S+)", out).group(1))  # type: ignore[union-attr]
        throughput = connections * 1000 / average
        name = f"{name} ({answered})"
    return Run(
        name,
        throughput,
        _milliseconds(percentiles["50"]),
        _milliseconds(percentiles["99"]),
        errors,
    )


def erp_event(type_: str, code: str, data: dict[str, object]) -> tuple[bytes, bytes]:
    """An ERP's CloudEvent about one customer, as Kafka key and value."""
    event = {
        "specversion": "1.0",
        "id": uuid.uuid4().hex,
        "source": "erp/bench",
        "type": type_,
        "subject": code,
        "data": {"customer_code": code, **data},
    }
    return code.encode(), json.dumps(event).encode()


def invoice_event(
    code: str, invoice_id: str, amount: str, issue_date: str, due_date: str
) -> tuple[bytes, bytes]:
    """An ERP's `invoice.issued` in euros, as Kafka key and value."""
    data = {"invoice_id": invoice_id, "currency": "EUR", "amount": amount, "issue_date": issue_date}
    return erp_event("invoice.issued", code, {**data, "due_date": due_date})
