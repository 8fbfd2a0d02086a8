from __future__ import annotations

import uuid
from typing import Annotated, Self

from pydantic import BaseModel, Field, model_validator

from shared.schemas import Amount, CustomerCode, GroupCode, IsoDate, IsoDateTime, StrictModel


class LimitRequestCreate(StrictModel):
    customer_code: CustomerCode | None = Field(None, description="The customer whose limit is requested")
    credit_group: GroupCode | None = Field(
        None, description="Or the credit group whose limit is requested (exactly one of the two)"
    )
    amount: Amount = Field(
        description="The proposed permanent limit, in the customer's credit currency or the group's currency"
    )
    valid_until: IsoDate | None = None
    reason: Annotated[str, Field(min_length=3, max_length=500, examples=["turnover doubled in 2026"])]

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "customer_code": "C-1001",
                    "amount": "120000.00",
                    "valid_until": "2027-12-31",
                    "reason": "turnover doubled in 2026",
                }
            ]
        },
    }

    @model_validator(mode="after")
    def _one_subject(self) -> Self:
        if (self.customer_code is None) == (self.credit_group is None):
            raise ValueError("name either customer_code or credit_group")
        return self


class LimitRequestDecision(StrictModel):
    note: Annotated[str, Field(min_length=1, max_length=500, examples=["financials reviewed"])] | None = None

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"note": "financials reviewed"}]}}


class LimitRequestOut(BaseModel):
    id: uuid.UUID
    customer_code: str | None
    credit_group: str | None = None
    amount: str
    currency: str
    valid_until: IsoDate | None
    reason: str
    status: str = Field(description="pending; applied (within the requester's authority); approved; rejected")
    requested_by: str
    requested_at: IsoDateTime
    decided_by: str | None
    decided_at: IsoDateTime | None
    decision_note: str | None

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": "1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                    "customer_code": "C-1001",
                    "amount": "120000.00",
                    "currency": "EUR",
                    "valid_until": "2027-12-31",
                    "reason": "turnover doubled in 2026",
                    "status": "pending",
                    "requested_by": "key:li-wei",
                    "requested_at": "2026-11-22T09:00:00Z",
                    "decided_by": None,
                    "decided_at": None,
                    "decision_note": None,
                }
            ]
        }
    }
