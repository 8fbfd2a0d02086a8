from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class DevStackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CREDENCE_DEV_", extra="ignore")

    home: Path = Field(PROJECT_ROOT / ".devstack", description="Where the local stack keeps data and logs")
    pg_port: int = 55432
    kafka_port: int = 59092
    kafka_controller_port: int = 59093
    kafka_heap: str = "512m"
    smtp_port: int = 2525
    topic_partitions: int = 6
    api_port: int = 8000
    worker_port: int = 8001
    notifier_port: int = 8002

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
