from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from shared.schemas import IsoDate, IsoDateTime, StrictModel


class GroupAlertOut(BaseModel):
    id: uuid.UUID
    group: str
    level: str = Field(description="watch, warning or critical: the group's utilisation level")
    status: str = Field(description="open, or resolved once the group is back to normal")
    utilisation: str | None = Field(
        description="The group's exposure over its limit in force, when last evaluated"
    )
    opened_at: IsoDateTime
    updated_at: IsoDateTime
    resolved_at: IsoDateTime | None

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": "3f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f",
                    "group": "G-ACME",
                    "level": "warning",
                    "status": "open",
                    "utilisation": "1.0250",
                    "opened_at": "2026-12-06T06:00:00Z",
                    "updated_at": "2026-12-06T06:00:00Z",
                    "resolved_at": None,
                }
            ]
        }
    }


class GroupWarningRunIn(StrictModel):
    as_of: IsoDate = Field(description="The business date the groups are evaluated for")

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"as_of": "2026-12-06"}]}}


class GroupWarningRunOut(BaseModel):
    as_of: IsoDate
    policy_version: str
    evaluated: int = Field(description="Groups with a limit evaluated")
    opened: int
    changed: int = Field(description="Unresolved alerts whose level moved")
    resolved: int

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "as_of": "2026-12-06",
                    "policy_version": "default",
                    "evaluated": 12,
                    "opened": 1,
                    "changed": 0,
                    "resolved": 2,
                }
            ]
        }
    }
