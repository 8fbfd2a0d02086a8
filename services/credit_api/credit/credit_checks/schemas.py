from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, Field, StrictBool

from shared.domain.credit import Decision, ReasonCode
from shared.schemas import Amount, CurrencyCode, CustomerCode, IsoDateTime, StrictModel


class CreditCheckRequest(StrictModel):
    customer_code: CustomerCode
    order_ref: Annotated[str, Field(min_length=1, max_length=100, examples=["SO-2026-0042"])]
    amount: Amount
    currency: CurrencyCode = Field(
        description="The order's currency; converted to the credit currency if it differs"
    )
    reserve: StrictBool = Field(
        True,
        description="Reserve the amount if approved, open a credit hold if held; one live "
        "reservation and one open hold per order, replaced by a later check of the same order",
    )

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "customer_code": "C-1001",
                    "order_ref": "SO-2026-0042",
                    "amount": "1250.00",
                    "currency": "EUR",
                    "reserve": True,
                }
            ]
        },
    }


class ReservationRef(BaseModel):
    id: uuid.UUID
    amount: str
    expires_at: IsoDateTime


class HoldRef(BaseModel):
    id: uuid.UUID


class ReasonOut(BaseModel):
    code: ReasonCode
    message: str
    details: dict[str, Any] = Field(
        default_factory=dict,
        description="The figures behind the reason. Money is in the credit currency, except for "
        "`group_limit_exceeded`, one per credit group over its limit (nearest first): `group`, and "
        "`limit`, `exposure_before`, `exposure_after` and `shortfall` in the group's `currency`",
        examples=[
            {
                "group": "ACME-DE",
                "currency": "EUR",
                "limit": "1000000.00",
                "exposure_before": "998000.00",
                "exposure_after": "1000500.00",
                "shortfall": "500.00",
            }
        ],
    )


class CreditCheckOut(BaseModel):
    check_id: uuid.UUID
    customer_code: str
    order_ref: str
    decision: Decision
    reasons: list[ReasonOut]
    currency: str = Field(description="The customer's credit currency, in which the figures below are")
    amount: str = Field(description="The order amount in the credit currency")
    effective_limit: str | None
    exposure_before: str
    exposure_after: str
    available_after: str | None
    order_amount: str = Field(description="The order amount as sent, in `order_currency`")
    order_currency: str
    reservation: ReservationRef | None
    hold: HoldRef | None
    checked_at: IsoDateTime

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "check_id": "0b9f3a52-5d0e-4b43-9d6b-6a3f7f3e1a10",
                    "customer_code": "C-1001",
                    "order_ref": "SO-2026-0042",
                    "decision": "held",
                    "reasons": [
                        {
                            "code": "limit_exceeded",
                            "message": "Exposure after this order would exceed the credit limit by 250.00",
                            "details": {"shortfall": "250.00"},
                        }
                    ],
                    "currency": "EUR",
                    "amount": "1250.00",
                    "effective_limit": "50000.00",
                    "exposure_before": "49000.00",
                    "exposure_after": "50250.00",
                    "available_after": "-250.00",
                    "order_amount": "1250.00",
                    "order_currency": "EUR",
                    "reservation": None,
                    "hold": {"id": "9c2d6a4e-1b7f-4e0a-8f3c-5d6e7f8a9b0c"},
                    "checked_at": "2026-11-22T10:15:00Z",
                }
            ]
        }
    }
