"""Scorecard configurations: YAML or JSON documents checked against a schema, then against the
rules of `shared.domain.scorecard`. The default ships as `shared/policies/scorecard.yaml`."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from shared.domain import altman, behaviour
from shared.domain import scorecard as domain
from shared.domain.scorecard import InvalidScorecard
from shared.policy_documents import read, shipped

DEFAULT_VERSION = "default"
Points = Annotated[Decimal, Field(ge=0, le=1000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BinIn(_Strict):
    points: Points
    at_least: Decimal | None = None
    equals: str | None = None


class FactorIn(_Strict):
    name: str = Field(description="One of the factor inputs: " + ", ".join(domain.FACTOR_INPUTS))
    weight: Annotated[Decimal, Field(ge=0, le=100)] = Decimal(1)
    missing_points: Points = Decimal(0)
    bins: list[BinIn]


class LimitIn(_Strict):
    equity_share: Annotated[Decimal, Field(ge=0, le=10)]
    revenue_share: Annotated[Decimal, Field(ge=0, le=10)]
    cap: Annotated[Decimal, Field(ge=0)]
    experience_floor: StrictBool = True


class GradeIn(_Strict):
    grade: Annotated[str, Field(min_length=1, max_length=10)]
    min_score: Annotated[Decimal, Field(ge=0, le=100)]
    terms: str
    review_months: Annotated[StrictInt, Field(ge=1, le=60)]
    probability_of_default: Annotated[Decimal, Field(ge=0, le=1)] = Decimal(0)
    limit: LimitIn


class BehaviourIn(_Strict):
    window_months: Annotated[StrictInt, Field(ge=3, le=60)] = 12
    recent_months: Annotated[StrictInt, Field(ge=1, le=12)] = 3
    min_settled_invoices: Annotated[StrictInt, Field(ge=1, le=1000)] = 3


class ScorecardIn(_Strict):
    """A scorecard as it is written (`GET /v1/scorecards/default` gives the shipped one)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "currency": "EUR",
                    "factors": [
                        {
                            "name": "payment_index",
                            "weight": 3,
                            "missing_points": 5,
                            "bins": [{"at_least": 80, "points": 10}, {"at_least": None, "points": 0}],
                        }
                    ],
                    "grades": [
                        {
                            "grade": "A",
                            "min_score": 60,
                            "terms": "NET60",
                            "review_months": 12,
                            "limit": {"equity_share": "0.2", "revenue_share": "0.15", "cap": "2000000"},
                        },
                        {
                            "grade": "E",
                            "min_score": 0,
                            "terms": "PREPAY",
                            "review_months": 3,
                            "limit": {
                                "equity_share": 0,
                                "revenue_share": 0,
                                "cap": 0,
                                "experience_floor": False,
                            },
                        },
                    ],
                }
            ]
        },
    )

    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    altman_model: altman.Model | None = None
    manufacturing_industries: list[str] = []
    behaviour: BehaviourIn = BehaviourIn()
    factors: list[FactorIn]
    grades: list[GradeIn]
    industry_risk: dict[str, StrictInt] = {}
    default_industry_risk: Annotated[StrictInt, Field(ge=1, le=5)] = 3
    country_risk: dict[str, StrictInt] = {}
    default_country_risk: Annotated[StrictInt, Field(ge=0, le=7)] = 4

    def to_domain(self, version: str) -> domain.Scorecard:
        return domain.validate(
            domain.Scorecard(
                version=version,
                currency=self.currency,
                factors=tuple(
                    domain.Factor(
                        f.name,
                        f.weight,
                        tuple(domain.Bin(b.points, b.at_least, b.equals) for b in f.bins),
                        f.missing_points,
                    )
                    for f in self.factors
                ),
                grades=tuple(
                    domain.Grade(
                        g.grade,
                        g.min_score,
                        g.terms,
                        g.review_months,
                        domain.LimitRule(**g.limit.model_dump()),
                        g.probability_of_default,
                    )
                    for g in self.grades
                ),
                industry_risk=dict(self.industry_risk),
                default_industry_risk=self.default_industry_risk,
                country_risk=dict(self.country_risk),
                default_country_risk=self.default_country_risk,
                manufacturing_industries=frozenset(self.manufacturing_industries),
                altman_model=self.altman_model,
                behaviour=behaviour.Policy(**self.behaviour.model_dump()),
            )
        )


def parse(document: dict[str, Any], version: str) -> domain.Scorecard:
    """A document as data (from YAML or JSON), checked in full: every problem with its pointer."""
    return read(ScorecardIn, document, InvalidScorecard).to_domain(version)


def default_document() -> dict[str, Any]:
    return shipped("scorecard.yaml")


@cache
def default() -> domain.Scorecard:
    return parse(default_document(), DEFAULT_VERSION)
