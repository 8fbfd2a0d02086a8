from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas import Amount

Status = Literal["pending", "applying", "applied", "refused", "rejected", "reversing", "reversed", "void"]


class MatchLineOut(BaseModel):
    customer_code: str
    invoice_id: str
    amount: str = Field(description="Cash applied")
    deduction: str | None = Field(description="Settled besides the cash: a discount or bank charges")
    deduction_reason: Literal["discount", "bank_charges"] | None


class CashMatchOut(BaseModel):
    """A payment's unallocated cash and the invoices cash application proposes for it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "match_id": "0b6f6d1e-3c58-4d53-9a53-7b0a3c1d2e4f",
                    "customer_code": "C-1001",
                    "payment_id": "BANK-2026-11-30-0042",
                    "currency": "EUR",
                    "amount": "480.50",
                    "received_date": "2026-11-30",
                    "remittance_text": "INV-7001",
                    "bank_reference": None,
                    "payer_name": "Acme GmbH",
                    "payer_account": "DE89370400440532013000",
                    "confidence": "0.92",
                    "lines": [
                        {
                            "customer_code": "C-1001",
                            "invoice_id": "INV-5003",
                            "amount": "480.50",
                            "deduction": None,
                            "deduction_reason": None,
                        }
                    ],
                    "reasons": ["the amount is what INV-5003 leaves open"],
                    "held": ["the remittance names invoice INV-7001 of customer C-2002"],
                    "status": "pending",
                    "status_reason": None,
                    "applied_by": None,
                    "decided_by": None,
                    "policy_version": "default",
                    "proposed_at": "2026-11-30T09:12:03Z",
                    "changed_at": "2026-11-30T09:12:03Z",
                }
            ]
        }
    )

    match_id: uuid.UUID
    customer_code: str
    payment_id: str
    currency: str
    amount: str = Field(description="The payment's cash that was unallocated when it was matched")
    received_date: date
    remittance_text: str | None
    bank_reference: str | None
    payer_name: str | None
    payer_account: str | None
    confidence: str = Field(examples=["0.92"], description="0 to 1; the policy applies from `apply_from`")
    lines: list[MatchLineOut]
    reasons: list[str] = Field(description="Why these invoices")
    held: list[str] = Field(description="Why it may not apply without a person, whatever its confidence")
    status: Status = Field(
        description="pending: waits for a person; applying: on its way to the ledger; applied; refused: "
        "the ledger refused it (see status_reason), a person may confirm other allocations; rejected; "
        "reversing / reversed: undone by a person; void: its payment was reversed"
    )
    status_reason: str | None
    applied_by: str | None
    decided_by: str | None = Field(description="Who confirmed, rejected or reversed it")
    policy_version: str
    proposed_at: datetime
    changed_at: datetime


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    invoice_id: Annotated[str, Field(min_length=1, max_length=100)]
    amount: Amount
    deduction: Amount | None = None
    deduction_reason: Literal["discount", "bank_charges"] | None = None


class ConfirmIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {},
                {
                    "allocations": [
                        {
                            "invoice_id": "INV-5002",
                            "amount": "245.00",
                            "deduction": "5.00",
                            "deduction_reason": "bank_charges",
                        }
                    ],
                    "note": "the customer's AP confirmed by phone",
                },
            ]
        },
    )

    allocations: list[LineIn] | None = Field(
        None,
        max_length=1000,
        description="The invoices to apply the payment to; absent: the proposal as it stands",
    )
    note: Annotated[str, Field(max_length=500)] | None = None


class RejectIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"note": "paid INV-5004, not INV-5001"}]}
    )

    note: Annotated[str, Field(max_length=500)] | None = Field(
        None, description="Why: kept in the audit log (and, for an applied match, in the reversal)"
    )
