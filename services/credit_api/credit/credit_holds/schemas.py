from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, Field

from shared.schemas import IsoDateTime, StrictModel


class HoldOut(BaseModel):
    id: uuid.UUID
    check_id: uuid.UUID
    customer_code: str
    order_ref: str
    amount: str = Field(description="The order amount in the credit currency")
    currency: str
    order_amount: str
    order_currency: str
    reasons: list[dict[str, Any]]
    status: str = Field(description="open, released or rejected")
    created_at: IsoDateTime
    resolved_at: IsoDateTime | None
    resolved_by: str | None
    resolution_note: str | None
    reservation_id: uuid.UUID | None

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": "9c2d6a4e-1b7f-4e0a-8f3c-5d6e7f8a9b0c",
                    "check_id": "0b9f3a52-5d0e-4b43-9d6b-6a3f7f3e1a10",
                    "customer_code": "C-1001",
                    "order_ref": "SO-2026-0042",
                    "amount": "1250.00",
                    "currency": "EUR",
                    "order_amount": "1250.00",
                    "order_currency": "EUR",
                    "reasons": [
                        {
                            "code": "limit_exceeded",
                            "message": "Exposure after this order would exceed the credit "
                            "limit by 250.00 EUR",
                            "details": {"shortfall": "250.00"},
                        }
                    ],
                    "status": "open",
                    "created_at": "2026-11-22T10:15:00Z",
                    "resolved_at": None,
                    "resolved_by": None,
                    "resolution_note": None,
                    "reservation_id": None,
                }
            ]
        }
    }


class HoldDecision(StrictModel):
    reason: Annotated[
        str, Field(min_length=3, max_length=500, examples=["customer paid by wire this morning"])
    ]

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {"examples": [{"reason": "customer paid by wire this morning"}]},
    }
