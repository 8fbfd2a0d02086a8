from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import PlatformSettings


class ApiSettings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="CREDENCE_API_", extra="ignore", validate_by_name=True)

    host: str = Field("127.0.0.1", description="Interface uvicorn binds to")
    port: int = Field(8000, description="HTTP port of credit_api")
    db_pool_size: int = Field(20, description="Connections kept open to PostgreSQL")
    limit_tolerance: Decimal = Field(
        Decimal("0"), description="Share above the limit still approved (0.05 = 5%)"
    )
    near_limit_ratio: Decimal = Field(Decimal("0.90"), description="Utilisation from which approvals warn")
    key_cache_seconds: float = Field(
        30.0, description="How long a verified API key is trusted without a lookup"
    )


@lru_cache
def get_settings() -> ApiSettings:
    return ApiSettings()
