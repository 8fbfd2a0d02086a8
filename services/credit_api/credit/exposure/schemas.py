from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field


class AlertOut(BaseModel):
    """The customer's unresolved early-warning alert (`/v1/alerts/{id}`)."""

    id: uuid.UUID
    kind: Literal["early_warning"] = "early_warning"
    level: str
    status: str


class IndicatorOut(BaseModel):
    indicator: str
    value: str | None
    level: str


class ExposureOut(BaseModel):
    customer_code: str
    currency: str = Field(description="The credit currency; every amount below is in it")
    open_receivables: str
    overdue_receivables: str
    reserved_orders: str = Field(
        description="Live reservations, less what invoices for their orders consumed"
    )
    unallocated_cash: str
    net_unallocated_cash: bool = Field(
        description="Whether the policy deducts unallocated cash from exposure"
    )
    exposure: str = Field(description="open_receivables + reserved_orders (− unallocated_cash by policy)")
    effective_limit: str | None = Field(description="Permanent limit plus temporary increases in force today")
    available: str | None
    utilisation: str | None = Field(description='exposure / effective_limit, e.g. "0.8125"')
    max_days_past_due: int
    blocked: bool
    block_reason: str | None
    warning_level: str = Field(
        description="Early-warning level: normal, watch, warning or critical (the highest of its indicators')"
    )
    warning_causes: list[str] = Field(description="The indicators at that level")
    warning_indicators: list[IndicatorOut] = Field(description="Every indicator above normal, with its value")
    alerts: list[AlertOut] = Field(description="The unresolved early-warning alert, if any")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "customer_code": "C-1001",
                    "currency": "EUR",
                    "open_receivables": "38000.00",
                    "overdue_receivables": "4000.00",
                    "reserved_orders": "5000.00",
                    "unallocated_cash": "500.00",
                    "net_unallocated_cash": True,
                    "exposure": "42500.00",
                    "effective_limit": "50000.00",
                    "available": "7500.00",
                    "utilisation": "0.8500",
                    "max_days_past_due": 12,
                    "blocked": False,
                    "block_reason": None,
                    "warning_level": "watch",
                    "warning_causes": ["limit_utilisation"],
                    "warning_indicators": [
                        {"indicator": "limit_utilisation", "value": "0.85", "level": "watch"}
                    ],
                    "alerts": [],
                }
            ]
        }
    }
