from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, Field

from shared.schemas import IsoDateTime

VersionPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=60,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$",
        examples=["2026-12"],
        description="A name of the version; `default` is the one shipped with Credence",
    ),
]


class PolicyVersionOut(BaseModel):
    version: str
    active: bool
    created_by: str | None = Field(description="Null for the shipped default")
    created_at: IsoDateTime | None
    activated_at: IsoDateTime | None
    document: dict[str, Any] = Field(description="The configuration as uploaded")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "version": "2026-12",
                    "active": True,
                    "created_by": "key:admin",
                    "created_at": "2026-11-24T10:00:00Z",
                    "activated_at": "2026-11-24T10:00:00Z",
                    "document": {"currency": "EUR", "factors": ["…"], "grades": ["…"]},
                }
            ]
        }
    }
