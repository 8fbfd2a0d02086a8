from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Self

from pydantic import BaseModel, Field, model_validator


class SpecificProvisionIn(BaseModel):
    rate: Annotated[Decimal, Field(ge=0, le=1)] | None = Field(
        None, description="A fraction of what the customer owes (0.5 is 50 %)"
    )
    amount: Annotated[str, Field(pattern=r"^\d+(\.\d+)?$")] | None = Field(
        None, description="Or an amount, never more than what it owes"
    )
    currency: Annotated[str, Field(pattern="^[A-Z]{3}$")] | None = Field(
        None, description="Of the amount; default the credit currency"
    )
    reason: Annotated[str, Field(min_length=3, max_length=2000)]

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [{"rate": "0.5", "reason": "Insolvency proceedings opened on 2026-11-02"}]
        },
    }

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.rate is None) == (self.amount is None):
            raise ValueError("a rate or an amount")
        return self


class SpecificProvisionOut(BaseModel):
    customer_code: str
    rate: str | None
    amount: str | None
    currency: str | None
    reason: str
    created_by: str
    created_at: str | None


class AbcApplyIn(BaseModel):
    as_of: date
    period_days: Annotated[int, Field(ge=1, le=3660)] = 365
    a: Annotated[Decimal, Field(gt=0, lt=1)] = Decimal("0.80")
    b: Annotated[Decimal, Field(gt=0, le=1)] = Decimal("0.95")

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"as_of": "2026-10-31"}]}}


class AbcApplied(BaseModel):
    as_of: date
    changed: int = Field(description="Customers whose class in the credit file changed")
