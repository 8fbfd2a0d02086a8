from __future__ import annotations

from pydantic import BaseModel, Field

from shared.schemas import IsoDate, IsoDateTime


class FactorOut(BaseModel):
    factor: str
    value: str | int | None = Field(description="The input as scored; null when unknown")
    bin: str = Field(description="The bin that held it (`>= 1.5`, `< 0.8`, `= safe`) or `missing`")
    points: str
    max_points: str
    weight: str


class ReasonOut(BaseModel):
    code: str = Field(description="The factor that cost the points")
    points_lost: str = Field(description="Weighted points below the factor's best")


class AltmanOut(BaseModel):
    model: str = Field(description="Z, Z' or Z''")
    x: list[str] | None = Field(description="X1…X5 (X1…X4 for Z'')")
    score: str | None
    zone: str | None = Field(description="safe, grey or distress")
    note: str | None


class RatioOut(BaseModel):
    value: str | None
    change: str | None
    reason: str | None


class BehaviourOut(BaseModel):
    settled_invoices: int
    weighted_days_late: str | None
    on_time_share: str | None
    max_days_past_due: int
    days_beyond_terms: str
    bounced_payments: int
    trend_days: str | None = Field(description="Days late of the last 3 months less the 9 before")
    payment_index: int | None = Field(description="0–100: 80 pays on time, 50 thirty days late")
    high_credit: str = Field(description="Highest exposure carried while nothing was overdue")


class AssessmentOut(BaseModel):
    customer_code: str
    as_of: IsoDate
    scorecard_version: str
    score: str
    grade: str
    factors: list[FactorOut]
    reasons: list[ReasonOut] = Field(description="The three factors that cost the most points")
    altman: AltmanOut | None
    ratios: dict[str, RatioOut]
    payment_behaviour: BehaviourOut
    currency: str = Field(description="The credit currency of the recommended limit")
    recommended_limit: str
    recommended_limit_basis: str
    recommended_terms: str
    current_limit: str | None = Field(description="The permanent limit set now, to compare")
    below_current_limit: bool = Field(
        description="The recommendation is below the limit set: nothing changes it by itself"
    )
    missing: list[str] = Field(description="What could not be scored, and why")
    review_months: int
    changed_at: IsoDateTime = Field(description="When these figures last changed")
    assessed_at: IsoDateTime = Field(description="When they were last recomputed")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "customer_code": "C-1001",
                    "as_of": "2026-11-30",
                    "scorecard_version": "default",
                    "score": "84.2",
                    "grade": "A",
                    "factors": [
                        {
                            "factor": "payment_index",
                            "value": 77,
                            "bin": ">= 70",
                            "points": "7",
                            "max_points": "10",
                            "weight": "3",
                        }
                    ],
                    "reasons": [{"code": "payment_index", "points_lost": "9"}],
                    "altman": {
                        "model": "Z''",
                        "x": ["0.2500", "0.1500", "0.1200", "0.6667"],
                        "score": "3.64",
                        "zone": "safe",
                        "note": None,
                    },
                    "ratios": {"current": {"value": "2.0000", "change": None, "reason": None}},
                    "payment_behaviour": {
                        "settled_invoices": 10,
                        "weighted_days_late": "5.0",
                        "on_time_share": "0.0000",
                        "max_days_past_due": 0,
                        "days_beyond_terms": "0",
                        "bounced_payments": 0,
                        "trend_days": "0.0",
                        "payment_index": 77,
                        "high_credit": "20000.00",
                    },
                    "currency": "EUR",
                    "recommended_limit": "80000.00",
                    "recommended_limit_basis": "the lower of the equity and revenue shares",
                    "recommended_terms": "NET60",
                    "current_limit": "50000.00",
                    "below_current_limit": False,
                    "missing": [],
                    "review_months": 12,
                    "changed_at": "2026-11-30T06:00:00Z",
                    "assessed_at": "2026-11-30T06:00:00Z",
                }
            ]
        }
    }


class AssessmentChangeOut(BaseModel):
    id: int
    score: str
    grade: str
    scorecard_version: str
    trigger: str = Field(description="events, daily or scorecard")
    assessed_at: IsoDateTime
    reasons: list[ReasonOut]
    recommended_limit: str
    recommended_terms: str

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": 42,
                    "score": "58.3",
                    "grade": "C",
                    "scorecard_version": "default",
                    "trigger": "events",
                    "assessed_at": "2026-11-24T10:00:00Z",
                    "reasons": [{"code": "payment_index", "points_lost": "18"}],
                    "recommended_limit": "20000.00",
                    "recommended_terms": "NET30",
                }
            ]
        }
    }
