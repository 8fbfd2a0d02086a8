from __future__ import annotations

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

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "customer_code": "R2",
                    "rate": "0.500000",
                    "amount": None,
                    "currency": None,
                    "reason": "Insolvency proceedings opened on 2026-11-02",
                    "created_by": "key:maria",
                    "created_at": "2026-11-25T09:12:00+00:00",
                }
            ]
        }
    }
