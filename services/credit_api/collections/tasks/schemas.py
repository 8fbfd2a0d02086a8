from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, JsonValue

from services.credit_api.collections.promises.schemas import PromiseIn
from shared.schemas import IsoDate, IsoDateTime

TaskKind = Literal[
    "phone_task",
    "legal_handover",
    "no_address",
    "broken_promise",
    "dispute_to_resolve",
    "critical_customer",
    "follow_up",
    "promise_at_risk",
]
Outcome = Literal["reached", "no_answer", "wrong_contact", "promise_made", "handed_over", "resolved", "other"]
LINE: dict[str, JsonValue] = {
    "item_id": "INV-1001",
    "due_date": "2026-10-15",
    "days_past_due": 20,
    "open_amount": "1200.00",
    "currency": "EUR",
}


class WorkItem(BaseModel):
    task_id: uuid.UUID | None = Field(description="None for a customer at critical: not a task to complete")
    kind: TaskKind = Field(
        description="critical_customer: at the critical early-warning level; follow_up: a next action "
        "of the contact log that fell due; promise_at_risk: open promises whose predicted payment falls "
        "after the promised date (its items say both dates)"
    )
    customer_code: str
    customer_name: str
    grade: str | None
    amount_at_risk: str = Field(description="What the task's invoices owe, in `currency`")
    currency: str
    probability_of_default: str = Field(description="Of the customer's grade by the active scorecard")
    priority: str = Field(
        description="Σ each invoice's amount × its probability of no payment within 30 days (by the "
        "customer's payment habit; under dispute: 1): the list's order"
    )
    step: str | None
    as_of: IsoDate
    items: list[dict[str, Any]] = Field(
        description="What to talk about: invoices, amounts, promises; the causes of a critical level"
    )
    contacts: dict[str, Any]

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "task_id": "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
                    "kind": "phone_task",
                    "customer_code": "C-1001",
                    "customer_name": "Northwind Traders",
                    "grade": "C",
                    "amount_at_risk": "1200.00",
                    "currency": "EUR",
                    "probability_of_default": "0.04",
                    "priority": "48.00",
                    "step": "call",
                    "as_of": "2026-11-24",
                    "items": [LINE],
                    "contacts": {"accounts_payable_email": "ap@northwind.example"},
                }
            ]
        }
    }


class CompletionIn(BaseModel):
    outcome: Outcome
    note: Annotated[str, Field(max_length=2000)] | None = None
    promise: PromiseIn | None = Field(None, description="With `promise_made`: the promise, recorded as such")

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "outcome": "promise_made",
                    "note": "Ms Li: paying INV-1001 on Friday",
                    "promise": {"item_ids": ["INV-1001"], "promised_date": "2026-11-27", "channel": "phone"},
                }
            ]
        },
    }


class TaskOut(BaseModel):
    id: uuid.UUID
    customer_code: str
    kind: TaskKind
    status: str
    outcome: str | None
    note: str | None
    completed_by: str | None
    completed_at: IsoDateTime | None
    promise_id: uuid.UUID | None = None

    model_config = {
        "from_attributes": True,
        "json_schema_extra": {
            "examples": [
                {
                    "id": "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
                    "customer_code": "C-1001",
                    "kind": "phone_task",
                    "status": "completed",
                    "outcome": "promise_made",
                    "note": "Ms Li: paying INV-1001 on Friday",
                    "completed_by": "key:li-wei",
                    "completed_at": "2026-11-24T10:00:00Z",
                    "promise_id": "2b1c0d9e-8f7a-4b6c-9d5e-4f3a2b1c0d9e",
                }
            ]
        },
    }
