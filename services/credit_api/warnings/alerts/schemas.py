from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, Field

from shared.schemas import IsoDateTime, StrictModel


class AlertOut(BaseModel):
    id: uuid.UUID
    customer_code: str
    level: str = Field(
        description="watch, warning or critical while unresolved; the last level once resolved"
    )
    status: str = Field(description="open, acknowledged or resolved")
    causes: list[dict[str, Any]] = Field(description="The indicators at the alert's level, with their values")
    opened_at: IsoDateTime
    updated_at: IsoDateTime
    acknowledged_by: str | None
    resolved_at: IsoDateTime | None
    resolved_by: str | None = Field(description="A person, or `system:early-warning` when back to normal")
    note: str | None

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": "5b1f8a2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
                    "customer_code": "C-1001",
                    "level": "critical",
                    "status": "open",
                    "causes": [{"indicator": "limit_utilisation", "value": "1.3", "level": "critical"}],
                    "opened_at": "2026-11-24T10:00:00Z",
                    "updated_at": "2026-11-24T10:05:00Z",
                    "acknowledged_by": None,
                    "resolved_at": None,
                    "resolved_by": None,
                    "note": None,
                }
            ]
        }
    }


class NoteIn(StrictModel):
    note: Annotated[str, Field(min_length=3, max_length=2000, examples=["called the CFO; payment promised"])]

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {"examples": [{"note": "called the CFO; payment promised"}]},
    }
