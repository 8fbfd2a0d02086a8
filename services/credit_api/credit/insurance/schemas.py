from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from shared.schemas import IsoDate, IsoDateTime

Amount = Annotated[str, Field(pattern=r"^\d+(\.\d+)?$")]


class PolicyIn(BaseModel):
    insurer: Annotated[str, Field(min_length=1, max_length=200)]
    indemnity: Annotated[Decimal, Field(gt=0, le=1)] = Field(description="Share of a covered loss paid: 0.9")
    currency: Annotated[str, Field(pattern="^[A-Z]{3}$")]
    valid_from: IsoDate
    valid_to: IsoDate | None = None
    discretionary_limit: Amount = Field(
        "0", description="Cover of a customer without a named limit (the most insured on own judgement)"
    )

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "insurer": "Allianz Trade",
                    "indemnity": "0.90",
                    "currency": "EUR",
                    "valid_from": "2026-01-01",
                    "valid_to": "2026-12-31",
                    "discretionary_limit": "20000",
                }
            ]
        },
    }


class PolicyOut(BaseModel):
    policy_number: str
    insurer: str
    indemnity: str
    currency: str
    valid_from: IsoDate
    valid_to: IsoDate | None
    discretionary_limit: str
    created_by: str
    created_at: IsoDateTime

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "policy_number": "AT-2026-0042",
                    "insurer": "Allianz Trade",
                    "indemnity": "0.9000",
                    "currency": "EUR",
                    "valid_from": "2026-01-01",
                    "valid_to": "2026-12-31",
                    "discretionary_limit": "20000.00",
                    "created_by": "key:maria",
                    "created_at": "2026-01-02T09:00:00+00:00",
                }
            ]
        }
    }


class CoverIn(BaseModel):
    policy_number: Annotated[str, Field(min_length=1, max_length=60)]
    amount: Amount = Field(description="In the policy's currency; 0 is a refusal")
    valid_from: IsoDate
    valid_to: IsoDate | None = None
    decision_ref: Annotated[str, Field(min_length=1, max_length=100)] = Field(
        description="The insurer's decision reference"
    )

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "policy_number": "AT-2026-0042",
                    "amount": "150000",
                    "valid_from": "2026-11-01",
                    "valid_to": "2027-10-31",
                    "decision_ref": "DEC-889123",
                }
            ]
        },
    }


class CoverOut(BaseModel):
    id: str
    policy_number: str
    customer_code: str
    amount: str
    currency: str
    valid_from: IsoDate
    valid_to: IsoDate | None
    decision_ref: str
    created_by: str
    created_at: IsoDateTime

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": "5b0e7c3a-2f1d-4e8b-9a6c-1d2e3f4a5b6c",
                    "policy_number": "AT-2026-0042",
                    "customer_code": "C-1001",
                    "amount": "150000.00",
                    "currency": "EUR",
                    "valid_from": "2026-11-01",
                    "valid_to": "2027-10-31",
                    "decision_ref": "DEC-889123",
                    "created_by": "key:maria",
                    "created_at": "2026-11-01T10:00:00+00:00",
                }
            ]
        }
    }
