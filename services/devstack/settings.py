from __future__ import annotations

import shlex
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class DevStackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CREDENCE_DEV_", extra="ignore")

    home: Path = Field(PROJECT_ROOT / ".devstack", description="Where the local stack keeps data and logs")
    # Below Linux's ephemeral range (32768-60999): a client retrying a stopped server's port inside
    # that range can be handed the same port as its source and connect to itself, which then keeps
    # the server from binding when it starts again.
    pg_port: int = Field(25432, description="Port of the local PostgreSQL cluster")
    kafka_port: int = Field(29092, description="Port of the local Kafka broker")
    kafka_controller_port: int = Field(29093, description="Port of the broker's KRaft controller")
    kafka_proxied_port: int = Field(
        29094, description="A second broker listener, for clients that reach it through a fault proxy"
    )
    kafka_proxy_port: int = Field(
        29095, description="Where that listener is advertised: the fault proxy's port (`make test-faults`)"
    )
    kafka_heap: str = Field("512m", description="Java heap of the broker")
    smtp_port: int = Field(2525, description="Port of the local mail sink (mail kept in .devstack/mail)")
    topic_partitions: int = Field(6, description="Partitions of the event and alert topics")
    api_port: int = Field(8000, description="credit_api port under `make run`")
    worker_port: int = Field(8001, description="risk_worker probe port under `make run`")
    notifier_port: int = Field(8002, description="notifier probe port under `make run`")

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def run(self) -> Path:
        return self.home / "run"

    @property
    def database_url(self) -> str:
        return f"postgresql://credence@127.0.0.1:{self.pg_port}/credence"

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"


@lru_cache
def get_devstack_settings() -> DevStackSettings:
    return DevStackSettings()


def read_dev_env(path: Path | None = None) -> dict[str, str]:
    """The variables of `.devstack/dev.env` (shell syntax, as `credence dev env` writes it)."""
    path = path or get_devstack_settings().home / "dev.env"
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            name, sep, value = line.removeprefix("export ").partition("=")
            if sep and not line.startswith("#"):
                values[name.strip()] = shlex.split(value)[0] if value.strip() else ""
    return values
