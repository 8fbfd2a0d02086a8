"""Toxiproxy, the fault proxy, between the services and PostgreSQL or Kafka: latency, a bandwidth
limit, a connection that stops passing data, a cut. Built from its Go module by `make test-faults`."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.integration.conftest import eventually
from tests.integration.receivers import free_port

SERVER = Path(__file__).resolve().parents[2] / ".devstack" / "toxiproxy" / "server"


@dataclass
class Proxy:
    """One proxied upstream; `listen` is the address the services are given instead of it."""

    api: httpx.AsyncClient
    name: str
    listen: str

    async def toxic(self, name: str, kind: str, **attributes: Any) -> None:
        """Both directions, every connection."""
        for stream in ("upstream", "downstream"):
            answer = await self.api.post(
                f"/proxies/{self.name}/toxics",
                json={"name": f"{name}-{stream}", "type": kind, "stream": stream, "attributes": attributes},
            )
            answer.raise_for_status()

    async def clear(self) -> None:
        for toxic in (await self.api.get(f"/proxies/{self.name}/toxics")).json():
            (await self.api.delete(f"/proxies/{self.name}/toxics/{toxic['name']}")).raise_for_status()

    async def enabled(self, on: bool) -> None:
        """Off closes every connection and refuses new ones: a network partition."""
        (await self.api.post(f"/proxies/{self.name}", json={"enabled": on})).raise_for_status()


@asynccontextmanager
async def toxiproxy(name: str, upstream: str, listen: str | None = None) -> AsyncIterator[Proxy]:
    """A proxy to `upstream`, listening on `listen` (a free port if not given)."""
    assert SERVER.exists(), f"{SERVER} is missing: `make test-faults` builds it from its Go module"
    port = free_port()
    server = subprocess.Popen(
        [str(SERVER), "-host", "127.0.0.1", "-port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as api:

            async def up() -> bool:
                try:
                    return (await api.get("/version")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(up, within=20, interval=0.05)
            listen = listen or f"127.0.0.1:{free_port()}"
            created = await api.post("/proxies", json={"name": name, "listen": listen, "upstream": upstream})
            created.raise_for_status()
            yield Proxy(api, name, listen)
    finally:
        server.terminate()
        await asyncio.to_thread(server.wait, 10)
