from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.schemas import IsoDate, IsoDateTime

Note = Annotated[str, Field(max_length=2000)]


DisputeReason = Literal["price", "quantity", "quality", "not_delivered", "duplicate", "terms", "other"]


class DisputeIn(BaseModel):
    customer_code: Annotated[str, Field(max_length=64)] | None = Field(
        None, description="Needed only when customers share invoice numbers"
    )
    reason_code: DisputeReason
    amount: Annotated[str, Field(pattern=r"^\d+(\.\d+)?$")] | None = Field(
        None, description="What is contested; default: what the invoice still owes"
    )
    note: Note | None = None

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [{"reason_code": "quantity", "amount": "200.00", "note": "2 of 10 pallets missing"}]
        },
    }


class ResolutionIn(BaseModel):
    resolution: Literal["accepted", "rejected"] = Field(
        description="accepted: a credit note is expected and the invoice stays out of dunning; "
        "rejected: dunning resumes where it was"
    )
    note: Note

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [{"resolution": "accepted", "note": "warehouse confirms the shortfall"}]
        },
    }


class DisputeOut(BaseModel):
    id: uuid.UUID
    customer_code: str
    item_id: str
    reason_code: str
    amount: str
    currency: str
    note: str | None
    status: str = Field(description="open or accepted (out of dunning), rejected")
    opened_on: IsoDate
    resolution_note: str | None
    resolved_by: str | None
    resolved_at: IsoDateTime | None
    created_by: str
    created_at: IsoDateTime

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c",
                    "customer_code": "C-1001",
                    "item_id": "INV-1001",
                    "reason_code": "quantity",
                    "amount": "200.00",
                    "currency": "EUR",
                    "note": "2 of 10 pallets missing",
                    "status": "open",
                    "opened_on": "2026-11-24",
                    "resolution_note": None,
                    "resolved_by": None,
                    "resolved_at": None,
                    "created_by": "key:li-wei",
                    "created_at": "2026-11-24T09:00:00Z",
                }
            ]
        }
    }


class AttachmentOut(BaseModel):
    id: uuid.UUID
    filename: str
    content_type: str = Field(description="application/pdf, image/png or image/jpeg, as its bytes show")
    size: int = Field(description="Bytes")
