from __future__ import annotations

from pydantic import BaseModel, Field

from shared.schemas import IsoDate


class LineOut(BaseModel):
    date: IsoDate
    kind: str = Field(
        description="invoice, adjustment, cancellation, write_off, credit_note, payment, allocation, "
        "reversal, interest_claimed, interest_invoiced, interest_waived, or movement (a journal line "
        "older than the recording of kinds)"
    )
    document_id: str | None = Field(description="The invoice, credit note, payment or interest invoice")
    items: list[str] = Field(description="The invoices it touched besides its own document")
    amount: str = Field(description="Signed: positive when the customer owes more")
    balance: str = Field(description="What the customer owes after this line")


class OpenItemOut(BaseModel):
    item_id: str
    issue_date: IsoDate
    due_date: IsoDate
    open_amount: str
    days_overdue: int = Field(description="At the end of the period; 0 when not due")


class BucketAmount(BaseModel):
    bucket: str = Field(examples=["1-30"])
    amount: str


class AccountOut(BaseModel):
    currency: str
    opening_balance: str = Field(description="What the customer owed at the start of the period")
    lines: list[LineOut]
    total_debits: str
    total_credits: str
    closing_balance: str = Field(
        description="opening + debits − credits = open items − unallocated cash − unapplied credit "
        "+ interest claimed"
    )
    open_items: list[OpenItemOut]
    ageing: list[BucketAmount] = Field(description="The open items by days past due at the end")
    unallocated_cash: str
    unapplied_credit: str
    interest_claimed: str = Field(description="Late interest claimed and not yet invoiced nor waived")


class StatementOut(BaseModel):
    customer_code: str
    customer_name: str
    language: str = Field(description="The customer's language: the CSV's and PDF's words and numbers")
    period_from: IsoDate
    period_to: IsoDate
    accounts: list[AccountOut] = Field(description="One per currency the customer dealt in")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "customer_code": "C-1001",
                    "customer_name": "Acme Trading GmbH",
                    "language": "en",
                    "period_from": "2026-03-01",
                    "period_to": "2026-03-31",
                    "accounts": [
                        {
                            "currency": "EUR",
                            "opening_balance": "0.00",
                            "lines": [
                                {"date": "2026-03-02", "kind": "invoice", "document_id": "1", "items": [],
                                 "amount": "1200.00", "balance": "1200.00"},
                                {"date": "2026-03-20", "kind": "payment", "document_id": "P1", "items": ["1"],
                                 "amount": "-1200.00", "balance": "0.00"},
                                {"date": "2026-03-24", "kind": "invoice", "document_id": "2", "items": [],
                                 "amount": "850.00", "balance": "850.00"},
                            ],
                            "total_debits": "2050.00",
                            "total_credits": "1200.00",
                            "closing_balance": "850.00",
                            "open_items": [
                                {"item_id": "2", "issue_date": "2026-03-24", "due_date": "2026-04-23",
                                 "open_amount": "850.00", "days_overdue": 0}
                            ],
                            "ageing": [{"bucket": "not_due", "amount": "850.00"}],
                            "unallocated_cash": "0.00",
                            "unapplied_credit": "0.00",
                            "interest_claimed": "0.00",
                        }
                    ],
                }
            ]
        }
    }  # fmt: skip
