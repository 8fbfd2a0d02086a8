from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from shared.schemas import IsoDateTime


class AuditOut(BaseModel):
    id: int
    at: IsoDateTime
    actor: str
    role: str
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None

    model_config = {
        "from_attributes": True,
        "json_schema_extra": {
            "examples": [
                {
                    "id": 1042,
                    "at": "2026-11-22T09:00:00Z",
                    "actor": "key:maria",
                    "role": "credit_manager",
                    "action": "credit_limit.set",
                    "entity_type": "customer",
                    "entity_id": "C-1001",
                    "before": {
                        "amount": "40000.00",
                        "currency": "EUR",
                        "valid_until": None,
                        "reason": "opening limit",
                    },
                    "after": {
                        "amount": "50000.00",
                        "currency": "EUR",
                        "valid_until": None,
                        "reason": "annual review",
                    },
                    "request_id": "4f1c2b9e0d8a4b7c",
                }
            ]
        },
    }
