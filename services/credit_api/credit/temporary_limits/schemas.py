from __future__ import annotations

import uuid
from typing import Annotated, Self

from pydantic import BaseModel, Field, model_validator

from shared.schemas import Amount, IsoDate, IsoDateTime, StrictModel


class TemporaryLimitCreate(StrictModel):
    amount: Amount = Field(description="The increase on top of the permanent limit, in the credit currency")
    valid_from: IsoDate
    valid_until: IsoDate = Field(description="Last day of the increase (included)")
    reason: Annotated[str, Field(min_length=3, max_length=500, examples=["peak season orders"])]

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "amount": "20000.00",
                    "valid_from": "2026-12-01",
                    "valid_until": "2026-12-31",
                    "reason": "peak season orders",
                }
            ]
        },
    }

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self


class IncreaseOut(BaseModel):
    id: uuid.UUID
    amount: str
    currency: str
    valid_from: IsoDate
    valid_until: IsoDate
    reason: str
    created_by: str
    created_at: IsoDateTime


class TemporaryLimitOut(IncreaseOut):
    customer_code: str

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": "7a0e1d2c-3b4a-5968-8776-5a4b3c2d1e0f",
                    "customer_code": "C-1001",
                    "amount": "20000.00",
                    "currency": "EUR",
                    "valid_from": "2026-12-01",
                    "valid_until": "2026-12-31",
                    "reason": "peak season orders",
                    "created_by": "key:li-wei",
                    "created_at": "2026-11-22T09:00:00Z",
                }
            ]
        }
    }
