from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StrictInt

from shared.schemas import IsoDateTime, StrictModel


class DeadLetterOut(BaseModel):
    id: int
    consumer: str
    topic: str
    partition: int
    offset: int
    key: str | None
    payload: str
    reason: str
    created_at: IsoDateTime
    replayed_at: IsoDateTime | None

    model_config = {
        "from_attributes": True,
        "json_schema_extra": {
            "examples": [
                {
                    "id": 17,
                    "consumer": "risk-worker",
                    "topic": "credence.ar.events",
                    "partition": 3,
                    "offset": 120554,
                    "key": "C-1001",
                    "payload": '{"specversion": "1.0", …}',
                    "reason": "allocation 500.00 exceeds the open balance 70.00 of invoice INV-1",
                    "created_at": "2026-11-22T10:00:00Z",
                    "replayed_at": None,
                }
            ]
        },
    }


class ReplayIn(StrictModel):
    ids: Annotated[list[Annotated[StrictInt, Field(ge=1)]], Field(min_length=1, max_length=1000)]

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"ids": [17, 18]}]}}


class ReplayOut(BaseModel):
    replayed: list[int] = Field(description="The letters sent back; those replayed before are left out")

    model_config = {"json_schema_extra": {"examples": [{"replayed": [17]}]}}
