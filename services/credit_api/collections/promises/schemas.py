from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.schemas import IsoDate, IsoDateTime

Note = Annotated[str, Field(max_length=2000)]


class PromiseIn(BaseModel):
    item_ids: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        [], description="The invoices promised; empty: an amount towards whatever the customer owes"
    )
    amount: Annotated[str, Field(pattern=r"^\d+(\.\d+)?$")] | None = Field(
        None, description="Default: what the invoices still owe"
    )
    currency: Annotated[str, Field(pattern="^[A-Z]{3}$")] | None = Field(
        None, description="Default: the invoices' currency, or the credit currency"
    )
    promised_date: IsoDate
    channel: Literal["phone", "email", "letter", "visit", "portal", "other"] = "phone"
    note: Note | None = None

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "item_ids": ["INV-1001", "INV-1007"],
                    "promised_date": "2026-11-30",
                    "channel": "phone",
                    "note": "Ms Li, accounts payable: paying Friday",
                }
            ]
        },
    }


class PromiseOut(BaseModel):
    id: uuid.UUID
    customer_code: str
    item_ids: list[str]
    amount: str
    currency: str
    promised_date: IsoDate
    made_on: IsoDate
    channel: str
    note: str | None
    status: str = Field(description="open (dunning of its items paused), kept or broken")
    settled_on: IsoDate | None
    created_by: str
    created_at: IsoDateTime

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": "2b1c0d9e-8f7a-4b6c-9d5e-4f3a2b1c0d9e",
                    "customer_code": "C-1001",
                    "item_ids": ["INV-1001", "INV-1007"],
                    "amount": "1550.50",
                    "currency": "EUR",
                    "promised_date": "2026-11-30",
                    "made_on": "2026-11-24",
                    "channel": "phone",
                    "note": "Ms Li, accounts payable: paying Friday",
                    "status": "open",
                    "settled_on": None,
                    "created_by": "key:li-wei",
                    "created_at": "2026-11-24T09:00:00Z",
                }
            ]
        }
    }
