from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import PlatformSettings


class WorkerSettings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="CREDENCE_WORKER_", extra="ignore", validate_by_name=True)

    http_host: str = Field("127.0.0.1", description="Interface of the probe and metrics port")
    http_port: int = Field(8001, description="Port serving /healthz, /readyz and /metrics")
    group_id: str = Field("credence-risk-worker", description="Kafka consumer group")
    batch_max_records: int = Field(2000, description="Most events applied in one transaction")
    consumers: int = Field(2, ge=1, description="Kafka consumers in the process, sharing the partitions")
    source: str = Field("credence/risk-worker", description="CloudEvents `source` of what the worker emits")
    db_pool_size: int = Field(5, description="Connections kept open to PostgreSQL")
    sweep_interval_seconds: float = Field(86400, description="How often overdue items are swept (daily)")
    overdue_boundaries: str = Field("1,31,61,91,121", description="Days past due whose crossing is announced")
    reassess_poll_seconds: float = Field(
        10, gt=0, description="How often to look for a new scorecard, a new day or changed credit files"
    )
    assessment_interval_seconds: float = Field(
        10.0, gt=0, description="How often customers touched by applied events are reassessed"
    )

    @property
    def boundaries(self) -> list[int]:
        return sorted(int(days) for days in self.overdue_boundaries.split(","))


@lru_cache
def get_settings() -> WorkerSettings:
    return WorkerSettings()
