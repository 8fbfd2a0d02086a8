from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, Field, StrictInt

from shared.roles import Role
from shared.schemas import IsoDateTime, StrictModel


class ApiKeyCreate(StrictModel):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\w.@\-]+$", examples=["sap-prod"])]
    role: Role
    expires_at: IsoDateTime | None = Field(None, description="When the key stops working; null: never")

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {"examples": [{"name": "sap-prod", "role": "erp"}]},
    }


_KEY_EXAMPLE: dict[str, Any] = {
    "id": "2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091",
    "name": "sap-prod",
    "role": "erp",
    "key_prefix": "9f2a61c0",
    "created_at": "2026-11-22T08:00:00Z",
    "revoked_at": None,
    "expires_at": None,
    "last_used_at": "2026-11-22T09:15:00Z",
}


class ApiKeyOut(BaseModel):
    id: uuid.UUID
    name: str
    role: Role
    key_prefix: str = Field(description="The public part of the key, to recognise it in lists")
    created_at: IsoDateTime
    revoked_at: IsoDateTime | None
    expires_at: IsoDateTime | None = Field(description="When the key stops working; null: never")
    last_used_at: IsoDateTime | None = Field(
        description="When a credit_api process last looked the key up (at most its key cache period late)"
    )

    model_config = {"json_schema_extra": {"examples": [_KEY_EXAMPLE]}}


class RotationIn(StrictModel):
    overlap_hours: Annotated[StrictInt, Field(ge=0, le=720)] = Field(
        24, description="How long the old key keeps working beside the new one"
    )

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"overlap_hours": 24}]}}


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The secret: shown this once, only its SHA-256 digest is kept")

    model_config = {"json_schema_extra": {"examples": [{**_KEY_EXAMPLE, "key": "cred_9f2a61c0_Xq3…"}]}}
