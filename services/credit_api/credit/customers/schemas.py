from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, Field, JsonValue, StrictBool

from shared.domain.money import format_amount
from shared.events import TermsCode
from shared.schemas import CurrencyCode, CustomerCode, GroupCode, IsoDate, IsoDateTime, StrictModel

Email = Annotated[
    str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", examples=["ar@example.com"])
]
Name = Annotated[str, Field(min_length=1, max_length=200, examples=["Acme Trading GmbH"])]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$", examples=["DE"], description="ISO 3166-1 alpha-2")]
Industry = Annotated[str, Field(min_length=1, max_length=100, examples=["wholesale"])]
Language = Annotated[
    str,
    Field(
        pattern=r"^[a-z]{2}(-[A-Z]{2})?$",
        examples=["zh-CN"],
        description="Language of notices to the customer",
    ),
]


Status = Literal["active", "inactive"]

EXAMPLE: dict[str, JsonValue] = {
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
    "payment_terms": "NET30",
    "listed": False,
    "customer_since": "2019-04-01",
    "review_date": "2027-06-30",
}


class Contacts(StrictModel):
    credit_controller_email: Email | None = Field(None, description="Who receives alerts about this customer")
    accounts_payable_email: Email | None = Field(None, description="Where reminders and dunning go")


class CustomerData(StrictModel):
    """Master data as an ERP holds it; the same for POST, PUT and `customer.upserted` events."""

    name: Name
    country: Country | None = None
    industry: Industry | None = None
    currency: CurrencyCode = Field(description="The credit currency: limits and exposure are kept in it")
    language: Language = "en"
    contacts: Contacts = Contacts()
    payment_terms: TermsCode | None = None
    listed: StrictBool = Field(False, description="Shares traded on an exchange: Altman's Z rather than Z'")
    customer_since: IsoDate | None = Field(None, description="When the relationship began (scored)")
    review_date: IsoDate | None = Field(None, description="When the credit file is due for review")
    credit_group: GroupCode | None = Field(
        None,
        description="The credit group the customer belongs to, whose limit it shares: absent leaves "
        "the membership as it is (an ERP that knows no groups keeps none from being lost), null ends it",
    )

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {"examples": [{k: v for k, v in EXAMPLE.items() if k != "customer_code"}]},
    }


class CustomerCreate(CustomerData):
    customer_code: CustomerCode

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [EXAMPLE]}}


class CustomerPatch(StrictModel):
    """Only the fields sent change; `null` clears an optional field."""

    name: Name | None = None
    country: Country | None = None
    industry: Industry | None = None
    language: Language | None = None
    contacts: Contacts | None = None
    payment_terms: TermsCode | None = None
    listed: StrictBool | None = None
    customer_since: IsoDate | None = None
    review_date: IsoDate | None = None
    status: Status | None = None
    credit_group: GroupCode | None = Field(None, description="null: no longer in a credit group")

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {"review_date": "2027-03-31", "contacts": {"credit_controller_email": "li.wei@example.com"}}
            ]
        },
    }


class BlockRequest(StrictModel):
    reason: Annotated[str, Field(min_length=3, max_length=500, examples=["cheque returned unpaid"])]

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {"examples": [{"reason": "cheque returned unpaid"}]},
    }


class LimitRow(Protocol):
    """A stored limit: a customer's or a credit group's."""

    amount: Decimal
    currency: str
    valid_until: date | None
    reason: str
    set_by: str
    set_at: datetime
    superseded_at: datetime | None


class CreditLimitOut(BaseModel):
    amount: str = Field(examples=["50000.00"])
    currency: str = Field(examples=["EUR"])
    valid_until: IsoDate | None = None
    reason: str
    set_by: str
    set_at: IsoDateTime
    superseded_at: IsoDateTime | None = None

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "amount": "50000.00",
                    "currency": "EUR",
                    "valid_until": "2027-06-30",
                    "reason": "annual review 2026",
                    "set_by": "key:maria",
                    "set_at": "2026-11-22T09:00:00Z",
                    "superseded_at": None,
                }
            ]
        }
    }

    @classmethod
    def of(cls, limit: LimitRow) -> CreditLimitOut:
        return cls(
            amount=format_amount(limit.amount, limit.currency),
            currency=limit.currency,
            valid_until=limit.valid_until,
            reason=limit.reason,
            set_by=limit.set_by,
            set_at=limit.set_at,
            superseded_at=limit.superseded_at,
        )


class ExposureSummary(BaseModel):
    exposure: str
    available: str | None
    utilisation: str | None


class CustomerOut(BaseModel):
    customer_code: str
    name: str
    country: str | None
    industry: str | None
    currency: str
    language: str
    contacts: Contacts
    payment_terms: str | None
    listed: bool
    customer_since: IsoDate | None
    review_date: IsoDate | None
    status: str
    grade: str | None = Field(description="From the latest assessment (GET …/assessment)")
    abc_class: str | None = Field(
        None, description="A, B or C by credit sales, as last applied from `GET /v1/reports/abc`"
    )
    credit_group: str | None = Field(None, description="The credit group it belongs to (`/v1/credit-groups`)")
    score: str | None = Field(description="0–100, from the latest assessment")
    master_data_missing: bool = Field(
        description="Created from a ledger event; the ERP has not sent master data"
    )
    blocked: bool
    block_reason: str | None
    blocked_at: IsoDateTime | None
    credit_limit: CreditLimitOut | None = Field(description="The permanent limit currently set, if any")
    effective_limit: str | None = Field(
        description="Permanent plus temporary limits in force today; null if none"
    )
    exposure_summary: ExposureSummary | None = Field(
        description="Exposure now; null when a currency of its receivables has no exchange rate"
    )
    created_at: IsoDateTime
    updated_at: IsoDateTime

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    **EXAMPLE,
                    "status": "active",
                    "grade": "B",
                    "score": "71.5",
                    "blocked": False,
                    "block_reason": None,
                    "blocked_at": None,
                    "credit_limit": {
                        "amount": "50000.00",
                        "currency": "EUR",
                        "valid_until": None,
                        "reason": "opening limit",
                        "set_by": "key:maria",
                        "set_at": "2026-11-22T09:00:00Z",
                        "superseded_at": None,
                    },
                    "effective_limit": "50000.00",
                    "exposure_summary": {
                        "exposure": "12500.00",
                        "available": "37500.00",
                        "utilisation": "0.2500",
                    },
                    "created_at": "2026-11-22T08:00:00Z",
                    "updated_at": "2026-11-22T09:00:00Z",
                }
            ]
        }
    }
