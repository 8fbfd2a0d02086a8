from __future__ import annotations

from pydantic import BaseModel, Field

from shared.schemas import IsoDate


class BucketAmount(BaseModel):
    bucket: str = Field(examples=["1-30"])
    amount: str


class Unconverted(BaseModel):
    currency: str
    amount: str = Field(description="Open items in this currency, left out of the totals: no exchange rate")


class AgeingOut(BaseModel):
    customer_code: str
    as_of: IsoDate
    basis: str
    currency: str
    buckets: list[BucketAmount]
    total: str = Field(description="Open receivables in the buckets above")
    unallocated_cash: str
    unapplied_credit: str
    missing_rates: list[str] = Field(description="Currencies without a rate to the credit currency on as_of")
    unconverted: list[Unconverted]

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "customer_code": "C-1001",
                    "as_of": "2026-10-31",
                    "basis": "due_date",
                    "currency": "EUR",
                    "buckets": [
                        {"bucket": "not_due", "amount": "12000.00"},
                        {"bucket": "1-30", "amount": "3000.00"},
                        {"bucket": "31-60", "amount": "0.00"},
                        {"bucket": "61-90", "amount": "0.00"},
                        {"bucket": "91-120", "amount": "0.00"},
                        {"bucket": ">120", "amount": "500.00"},
                    ],
                    "total": "15500.00",
                    "unallocated_cash": "200.00",
                    "unapplied_credit": "0.00",
                    "missing_rates": [],
                    "unconverted": [],
                }
            ]
        }
    }


class PortfolioRow(BaseModel):
    group: str
    currency: str
    buckets: list[BucketAmount]
    total: str
    unallocated_cash: str = "0"
    unapplied_credit: str = "0"


class PortfolioOut(BaseModel):
    as_of: IsoDate
    basis: str
    group_by: str
    rows: list[PortfolioRow]
    missing_rates: list[str]

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "as_of": "2026-10-31",
                    "basis": "due_date",
                    "group_by": "industry",
                    "missing_rates": [],
                    "rows": [
                        {
                            "group": "wholesale",
                            "currency": "EUR",
                            "total": "15500.00",
                            "buckets": [
                                {"bucket": "not_due", "amount": "12000.00"},
                                {"bucket": ">120", "amount": "3500.00"},
                            ],
                        }
                    ],
                }
            ]
        }
    }
