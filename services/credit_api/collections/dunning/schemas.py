from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, Field, JsonValue

from shared.schemas import IsoDate, IsoDateTime

LINE: dict[str, JsonValue] = {
    "item_id": "INV-1",
    "due_date": "2026-10-15",
    "days_past_due": 40,
    "open_amount": "1200.00",
    "currency": "EUR",
}


class RunIn(BaseModel):
    as_of: IsoDate = Field(description="The business date to run dunning for")

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"as_of": "2026-11-24"}]}}


class RunOut(BaseModel):
    as_of: IsoDate
    policy_version: str
    customers: int = Field(description="Customers with invoices due or overdue")
    notices: int
    tasks: int
    already_done: bool = Field(description="The day had been run before: nothing was done again")
    missing_rates: list[str] = Field(
        description="Currencies without an exchange rate into the policy's: their items could not count "
        "toward a step's minimum, and the steps they would have made wait (add the rates and run again)"
    )

    model_config = {
        "from_attributes": True,
        "json_schema_extra": {
            "examples": [
                {
                    "as_of": "2026-11-24",
                    "policy_version": "default",
                    "customers": 120,
                    "notices": 14,
                    "tasks": 3,
                    "already_done": False,
                    "missing_rates": [],
                }
            ]
        },
    }


class NoticeOut(BaseModel):
    id: uuid.UUID
    customer_code: str
    step: str
    effect: str
    as_of: IsoDate
    policy_version: str
    channels: list[str]
    items: list[dict[str, Any]] = Field(
        description="Each item at this step: due date, days past due, open amount"
    )
    created_at: IsoDateTime

    model_config = {
        "from_attributes": True,
        "json_schema_extra": {
            "examples": [
                {
                    "id": "4f0c2b1a-9d8e-4c7b-a6f5-e4d3c2b1a090",
                    "customer_code": "C-1001",
                    "step": "notice_2",
                    "effect": "formal_notice",
                    "as_of": "2026-11-24",
                    "policy_version": "default",
                    "channels": ["email"],
                    "items": [LINE],
                    "created_at": "2026-11-24T06:00:00Z",
                }
            ]
        },
    }


class StepOut(BaseModel):
    item_id: str
    step: str
    outcome: str = Field(description="notice, task, or superseded (a later step came first)")
    as_of: IsoDate
    notice_id: uuid.UUID | None
    task_id: uuid.UUID | None

    model_config = {"from_attributes": True}


class TaskOut(BaseModel):
    id: uuid.UUID
    kind: str = Field(description="phone_task or legal_handover")
    step: str | None
    as_of: IsoDate
    items: list[dict[str, Any]]
    status: str

    model_config = {"from_attributes": True}


class CustomerDunningOut(BaseModel):
    customer_code: str
    steps: list[StepOut] = Field(description="Every step each item took, oldest first")
    tasks: list[TaskOut]

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "customer_code": "C-1001",
                    "steps": [
                        {
                            "item_id": "INV-1",
                            "step": "notice_1",
                            "outcome": "notice",
                            "as_of": "2026-10-22",
                            "notice_id": "4f0c2b1a-9d8e-4c7b-a6f5-e4d3c2b1a090",
                            "task_id": None,
                        }
                    ],
                    "tasks": [
                        {
                            "id": "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
                            "kind": "phone_task",
                            "step": "call",
                            "as_of": "2026-11-14",
                            "items": [LINE],
                            "status": "open",
                        }
                    ],
                }
            ]
        }
    }
