from __future__ import annotations

import uuid

from pydantic import BaseModel, Field, StrictInt

from shared.schemas import IsoDateTime


class PortalLinkIn(BaseModel):
    days: StrictInt | None = Field(
        None,
        ge=1,
        le=365,
        description="How many days the link works; default: the `portal_link_days` setting",
    )

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"days": 30}]}}


class PortalLinkOut(BaseModel):
    id: uuid.UUID
    customer_code: str
    purpose: str = Field(description="statement or notice (sent by e-mail), given (made by a person)")
    url: str = Field(description="The customer's way into its portal: give it to the customer alone")
    expires_at: IsoDateTime
    created_by: str
    created_at: IsoDateTime
    revoked_at: IsoDateTime | None
    revoked_by: str | None

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": "0b6c2f0e-54c4-4c4b-9d0e-2f3c7f1d9a10",
                    "customer_code": "C-1001",
                    "purpose": "given",
                    "url": "https://credit.example.com/portal/0b6c2f0e54c44c4b9d0e2f3c7f1d9a10.1798761600."
                    "Yk1c3pQ9y6mB2wq0dXx5mN4eZ1aQ8cVbR7tLs0HfJ2U/",
                    "expires_at": "2026-12-31T00:00:00Z",
                    "created_by": "key:li-wei",
                    "created_at": "2026-12-01T09:00:00Z",
                    "revoked_at": None,
                    "revoked_by": None,
                }
            ]
        }
    }
