from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.schemas import IsoDate, IsoDateTime, StrictModel

Decision = Literal["confirmed", "limit_increased", "limit_reduced", "blocked", "escalated"]


class ReviewIn(StrictModel):
    decision: Decision = Field(description="What the review concluded")
    note: Annotated[
        str, Field(min_length=3, max_length=2000, examples=["financials 2025 in line; limit kept"])
    ]

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [{"decision": "confirmed", "note": "financials 2025 in line; limit kept"}]
        },
    }


class ReviewOut(BaseModel):
    id: int
    customer_code: str
    decision: str
    note: str
    grade: str | None
    next_review_date: IsoDate
    reviewed_by: str
    reviewed_at: IsoDateTime

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": 7,
                    "customer_code": "C-1001",
                    "decision": "confirmed",
                    "note": "financials 2025 in line; limit kept",
                    "grade": "B",
                    "next_review_date": "2027-08-24",
                    "reviewed_by": "key:maria",
                    "reviewed_at": "2026-11-24T10:00:00Z",
                }
            ]
        }
    }


class DueReview(BaseModel):
    customer_code: str
    name: str
    review_date: IsoDate
    grade: str | None
    score: str | None
    currency: str
    exposure: str | None = Field(description="Null when a currency of its receivables has no rate")
    current_limit: str | None
    recommended_limit: str | None = Field(description="From the latest assessment")
    recommended_terms: str | None

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "customer_code": "C-1001",
                    "name": "Acme Trading GmbH",
                    "review_date": "2026-11-30",
                    "grade": "B",
                    "score": "71.5",
                    "currency": "EUR",
                    "exposure": "12500.00",
                    "current_limit": "50000.00",
                    "recommended_limit": "40000.00",
                    "recommended_terms": "NET45",
                }
            ]
        }
    }
