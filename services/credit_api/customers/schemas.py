from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from shared.schemas import CurrencyCode, CustomerCode, StrictModel

Email = Annotated[
    str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", examples=["ar@example.com"])
]


class Contacts(StrictModel):
    credit_controller_email: Email | None = Field(None, description="Who receives alerts about this customer")
    accounts_payable_email: Email | None = Field(None, description="Where reminders and dunning go")


class CustomerCreate(StrictModel):
    customer_code: CustomerCode
    name: Annotated[str, Field(min_length=1, max_length=200, examples=["Acme Trading GmbH"])]
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$", examples=["DE"])] | None = None
    industry: Annotated[str, Field(min_length=1, max_length=100, examples=["wholesale"])] | None = None
    currency: CurrencyCode = Field(description="The credit currency: limits and exposure are kept in it")
    language: Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$", examples=["zh-CN"])] = "en"
    contacts: Contacts = Contacts()
    payment_terms_days: Annotated[int, Field(ge=0, le=365, examples=[30])] | None = None
    review_date: date | None = None

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "customer_code": "C-1001",
                    "name": "Acme Trading GmbH",
                    "country": "DE",
                    "industry": "wholesale",
                    "currency": "EUR",
                    "language": "en",
                    "contacts": {
                        "credit_controller_email": "credit@example.com",
                        "accounts_payable_email": "ap@acme.example",
                    },
                    "payment_terms_days": 30,
                }
            ]
        },
    }


class CreditLimitOut(BaseModel):
    amount: str = Field(examples=["50000.00"])
    currency: str = Field(examples=["EUR"])
    valid_until: date | None = None
    reason: str
    set_by: str
    set_at: datetime


class CustomerOut(BaseModel):
    customer_code: str
    name: str
    country: str | None
    industry: str | None
    currency: str
    language: str
    contacts: Contacts
    payment_terms_days: int | None
    review_date: date | None
    blocked: bool
    block_reason: str | None
    credit_limit: CreditLimitOut | None = Field(description="The permanent limit currently set, if any")
    effective_limit: str | None = Field(description="The limit in force today; null when none is")
    created_at: datetime
    updated_at: datetime
