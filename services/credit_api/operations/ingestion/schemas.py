from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, JsonValue, RootModel

EXAMPLE_EVENT: dict[str, JsonValue] = {
    "specversion": "1.0",
    "id": "8d1c2f64-0b9e-4f5e-9a7e-3c1d2b4a5f60",
    "source": "erp/sap-prod",
    "type": "invoice.issued",
    "time": "2026-11-01T08:00:00Z",
    "subject": "C-1001",
    "data": {
        "invoice_id": "INV-1",
        "customer_code": "C-1001",
        "currency": "EUR",
        "amount": "1200.00",
        "issue_date": "2026-11-01",
        "due_date": "2026-12-01",
        "order_ref": "SO-1",
    },
}


class EventBatch(RootModel[list[dict[str, Any]] | dict[str, Any]]):
    """One CloudEvent, or a list of up to 1,000."""

    model_config = {"json_schema_extra": {"examples": [[EXAMPLE_EVENT]]}}


class Rejected(BaseModel):
    index: int = Field(description="Position in the batch")
    id: str | None
    reason: str


class IngestOut(BaseModel):
    accepted: list[str] = Field(description="Ids of the events written for relay to Kafka")
    rejected: list[Rejected]

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "accepted": ["8d1c2f64-0b9e-4f5e-9a7e-3c1d2b4a5f60"],
                    "rejected": [
                        {
                            "index": 1,
                            "id": "e-2",
                            "reason": "invalid invoice.issued data: amount: Value error, "
                            "EUR amounts have at most 2 decimals",
                        }
                    ],
                }
            ]
        }
    }
