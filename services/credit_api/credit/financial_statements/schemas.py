from __future__ import annotations

from pydantic import BaseModel, Field, JsonValue, StrictInt

from shared.events import StatementFigures
from shared.schemas import IsoDate, IsoDateTime

EXAMPLE: dict[str, JsonValue] = {
    "period_months": 12,
    "currency": "EUR",
    "audited": True,
    "source": "annual report 2025",
    "current_assets": "500000.00",
    "inventory": "200000.00",
    "cash": "50000.00",
    "total_assets": "1000000.00",
    "current_liabilities": "250000.00",
    "total_liabilities": "600000.00",
    "equity": "400000.00",
    "retained_earnings": "150000.00",
    "revenue": "2000000.00",
    "ebit": "120000.00",
    "interest_expense": "30000.00",
    "net_income": "60000.00",
    "operating_cash_flow": "100000.00",
}


class StatementIn(StatementFigures):
    """The same figures as a `financial_statement.filed` event carries."""

    model_config = {"extra": "forbid", "frozen": True, "json_schema_extra": {"examples": [EXAMPLE]}}


class RatioOut(BaseModel):
    value: str | None = Field(description="Null when an input is missing or a denominator is zero")
    change: str | None = Field(None, description="Against the previous period, where both are known")
    reason: str | None = Field(None, description="Why the value is null")


class StatementOut(BaseModel):
    customer_code: str
    period_end: IsoDate
    period_months: StrictInt
    currency: str
    audited: bool
    source: str | None
    figures: dict[str, str | None] = Field(description="Every amount as sent; null when not given")
    ratios: dict[str, RatioOut]
    filed_at: IsoDateTime | None = Field(description="When it was stored; null while on its way")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "customer_code": "C-1001",
                    "period_end": "2025-12-31",
                    "period_months": 12,
                    "currency": "EUR",
                    "audited": True,
                    "source": "annual report 2025",
                    "figures": {
                        k: v
                        for k, v in EXAMPLE.items()
                        if k not in {"period_months", "currency", "audited", "source"}
                    },
                    "ratios": {
                        "current": {"value": "2.0000", "change": "0.2500", "reason": None},
                        "interest_cover": {
                            "value": None,
                            "change": None,
                            "reason": "interest cover: interest_expense is zero",
                        },
                    },
                    "filed_at": "2026-11-24T09:00:00Z",
                }
            ]
        }
    }
