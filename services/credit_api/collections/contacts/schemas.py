from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.schemas import IsoDate, IsoDateTime

ContactKind = Literal["call", "visit", "email", "letter", "portal", "other"]


class ContactIn(BaseModel):
    kind: ContactKind
    contact_on: IsoDate = Field(description="The day of the contact: today or earlier")
    who: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="Whom at the customer it was with"
    )
    summary: Annotated[str, Field(min_length=1, max_length=4000)]
    next_action: Annotated[str, Field(min_length=1, max_length=500)] | None = Field(
        None, description="What is to be done next; with `next_action_on`"
    )
    next_action_on: IsoDate | None = Field(
        None,
        description="When: on that day (or at once, if it is today or earlier) it becomes a task on "
        "the worklist",
    )

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "kind": "call",
                    "contact_on": "2026-11-20",
                    "who": "Ms Li, accounts payable",
                    "summary": "Invoice INV-1001 is approved; payment run on the 30th.",
                    "next_action": "Check INV-1001 was paid",
                    "next_action_on": "2026-12-01",
                }
            ]
        },
    }


class ContactOut(BaseModel):
    id: uuid.UUID
    customer_code: str
    kind: str
    contact_on: IsoDate
    who: str
    summary: str
    next_action: str | None
    next_action_on: IsoDate | None
    task_id: uuid.UUID | None = Field(description="The worklist task its next action became, once due")
    recorded_by: str
    created_at: IsoDateTime

    model_config = {
        "from_attributes": True,
        "json_schema_extra": {
            "examples": [
                {
                    "id": "7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
                    "customer_code": "C-1001",
                    "kind": "call",
                    "contact_on": "2026-12-01",
                    "who": "Anna Schmidt, accounts payable",
                    "summary": "INV-1001 is approved for payment; the run is on the 15th",
                    "next_action": "Check that INV-1001 was paid",
                    "next_action_on": "2026-12-16",
                    "task_id": None,
                    "recorded_by": "user:Li Wei",
                    "created_at": "2026-12-01T09:30:00Z",
                }
            ]
        },
    }
