from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from shared.schemas import Amount, IsoDateTime, StrictModel


class ReservationOut(BaseModel):
    id: uuid.UUID
    customer_code: str
    order_ref: str
    amount: str = Field(description="Reserved amount in the credit currency")
    currency: str
    remaining: str = Field(
        description="What still counts toward exposure once invoices for the order came in"
    )
    status: str = Field(description="active, released or expired")
    expires_at: IsoDateTime
    created_at: IsoDateTime
    released_at: IsoDateTime | None = None
    release_reason: str | None = None

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": "5f1b0c8e-3f4a-4f57-9a51-2b3c4d5e6f70",
                    "customer_code": "C-1001",
                    "order_ref": "SO-2026-0042",
                    "amount": "1250.00",
                    "currency": "EUR",
                    "remaining": "1250.00",
                    "status": "active",
                    "expires_at": "2026-12-22T10:15:00Z",
                    "created_at": "2026-11-22T10:15:00Z",
                    "released_at": None,
                    "release_reason": None,
                }
            ]
        }
    }


class ReservationChange(StrictModel):
    amount: Amount = Field(description="The new reserved amount, in the credit currency")

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"amount": "900.00"}]}}
