from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.schemas import IsoDate, IsoDateTime


class PeriodOut(BaseModel):
    first: IsoDate
    last: IsoDate
    days: int
    balance: str = Field(description="What was open on each of these days")
    annual_rate: str = Field(description="As a fraction: 0.1065 is 10.65 %")


class InterestClaimOut(BaseModel):
    customer_code: str
    item_id: str
    currency: str
    due_date: IsoDate
    status: Literal["accruing", "claimable", "waived", "invoiced"] = Field(
        description="accruing: the invoice is open and its interest still runs; claimable: settled "
        "late, the claim waits to be invoiced or waived"
    )
    interest: str
    compensation: str = Field(description="The fixed sum per late invoice the policy claims")
    days_late: int
    settled_on: IsoDate | None
    as_of: IsoDate | None = Field(description="The date an accruing claim is computed to")
    periods: list[PeriodOut] = Field(description="How the interest adds up")
    policy_version: str
    invoice_ref: str | None = None
    note: str | None = None
    closed_by: str | None = None
    closed_at: IsoDateTime | None = None

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "customer_code": "C-1001",
                    "item_id": "INV-1001",
                    "currency": "EUR",
                    "due_date": "2026-09-30",
                    "status": "claimable",
                    "interest": "29.18",
                    "compensation": "40.00",
                    "days_late": 100,
                    "settled_on": "2027-01-08",
                    "as_of": None,
                    "periods": [
                        {
                            "first": "2026-10-01",
                            "last": "2027-01-08",
                            "days": 100,
                            "balance": "1000.00",
                            "annual_rate": "0.1065",
                        }
                    ],
                    "policy_version": "default",
                }
            ]
        }
    }


class WaiverIn(BaseModel):
    note: Annotated[str, Field(min_length=3, max_length=2000)] = Field(description="Why it is waived")

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {"examples": [{"note": "Goodwill: first late payment in ten years"}]},
    }


class InvoicedIn(BaseModel):
    invoice_ref: Annotated[str, Field(min_length=1, max_length=100)] = Field(
        description="The ERP's invoice that charges the interest"
    )

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"invoice_ref": "INT-2027-0042"}]}}
