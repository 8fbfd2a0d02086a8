"""Dunning policies: YAML or JSON documents checked against a schema, then against the rules of
`shared.domain.dunning`. The default ships as `shared/policies/dunning.yaml`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from shared.domain import dunning as domain
from shared.domain.dunning import Effect, InvalidDunningPolicy
from shared.domain.interest import RateRule, Tier, check_tiers
from shared.domain.money import MINOR_UNITS
from shared.domain.statements import Schedule
from shared.policy_documents import read, shipped

DEFAULT_VERSION = "default"
Currency = Annotated[str, Field(pattern="^[A-Z]{3}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepIn(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    offset_days: Annotated[StrictInt, Field(ge=-90, le=3650)]
    effect: Effect
    channels: list[Literal["email", "webhook", "chat"]] = []
    template: str = ""
    min_amount: Annotated[Decimal, Field(ge=0)] = Decimal(0)
    after: str | None = Field(
        None,
        description="A step of the same grade this one presupposes: never taken for an item before "
        "that step was done for it (a notice issued or a task given, not superseded)",
    )
    gap_days: Annotated[StrictInt, Field(ge=0, le=365)] = Field(
        0, description="Days at least between the step named in `after` and this one"
    )


class InterestIn(_Strict):
    fixed: Annotated[Decimal, Field(ge=0, le=1)] | None = None
    margin: Annotated[Decimal, Field(ge=0, le=1)] = Decimal(0)
    per: Literal["day", "half_year"] = "day"
    reference: dict[date, Annotated[Decimal, Field(ge=-1, le=1)]] = {}


class TierIn(_Strict):
    below: Annotated[Decimal, Field(gt=0)] | None = None
    amount: Annotated[Decimal, Field(ge=0)]


class StatementsIn(_Strict):
    day_of_month: Annotated[StrictInt, Field(ge=1, le=28)] = Field(
        1, description="Each month on this day, every customer's statement of the month before"
    )
    also_when_moved: StrictBool = Field(
        False, description="Also a statement whenever a customer's ledger moved since its last one"
    )
    min_gap_days: Annotated[StrictInt, Field(ge=1, le=90)] = Field(
        7, description="Days at least between two statements sent because the ledger moved"
    )


class PolicyIn(_Strict):
    """A dunning policy as it is written (`GET /v1/dunning-policies/default` gives the shipped one)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "currency": "EUR",
                    "min_gap_days": 5,
                    "promise_grace_days": 3,
                    "interest": {"fixed": "0.08"},
                    "compensation": {"EUR": "40"},
                    "steps": {
                        "default": [
                            {
                                "name": "reminder",
                                "offset_days": -5,
                                "effect": "reminder",
                                "channels": ["email"],
                                "template": "reminder",
                            },
                            {
                                "name": "notice",
                                "offset_days": 10,
                                "effect": "formal_notice",
                                "channels": ["email"],
                                "template": "formal_notice",
                                "min_amount": "50",
                            },
                            {"name": "call", "offset_days": 20, "effect": "phone_task"},
                            {
                                "name": "final",
                                "offset_days": 30,
                                "effect": "final_notice",
                                "channels": ["email"],
                                "template": "final_notice",
                                "after": "notice",
                                "gap_days": 7,
                            },
                        ]
                    },
                }
            ]
        },
    )

    currency: Currency
    min_gap_days: Annotated[StrictInt, Field(ge=0, le=90)] = 0
    promise_grace_days: Annotated[StrictInt, Field(ge=0, le=90)] = 0
    dispute_age_days: Annotated[StrictInt, Field(ge=1, le=3650)] = 30
    interest: InterestIn | None = None
    compensation: dict[Currency, Annotated[Decimal, Field(ge=0)] | list[TierIn]] = Field(
        {},
        description="Per late item, by its currency: a flat sum, or tiers by the size of the debt "
        "(each `below` an amount, the last without it)",
    )
    steps: dict[str, list[StepIn]]
    statements: StatementsIn = Field(
        StatementsIn(),
        description="When statements of account are e-mailed to customers' accounts payable",
    )

    def to_domain(self, version: str) -> domain.Policy:
        rate = None
        if self.interest is not None:
            if self.interest.fixed is None and not self.interest.reference:
                raise InvalidDunningPolicy(
                    "#/interest: a fixed rate or a reference rate history",
                    errors=[{"pointer": "#/interest", "detail": "a fixed rate or a reference rate history"}],
                )
            rate = RateRule(
                self.interest.fixed, self.interest.margin, self.interest.reference, self.interest.per
            )
        compensation: dict[str, tuple[Tier, ...]] = {}
        for currency, given in self.compensation.items():
            tiers = (
                (Tier(given),)
                if isinstance(given, Decimal)
                else tuple(Tier(t.amount, t.below) for t in given)
            )
            wrong = check_tiers(tiers)
            if wrong is not None:
                raise InvalidDunningPolicy(
                    f"#/compensation/{currency}: {wrong}",
                    errors=[{"pointer": f"#/compensation/{currency}", "detail": wrong}],
                )
            compensation[currency] = tiers
        unknown = sorted(c for c in {self.currency, *self.compensation} if c not in MINOR_UNITS)
        if unknown:
            raise InvalidDunningPolicy(
                f"unknown currencies: {', '.join(unknown)}",
                errors=[{"pointer": "#/currency", "detail": f"unknown currencies: {', '.join(unknown)}"}],
            )
        return domain.validate(
            domain.Policy(
                version=version,
                currency=self.currency,
                steps={
                    grade: tuple(
                        domain.Step(
                            s.name,
                            s.offset_days,
                            s.effect,
                            tuple(s.channels),
                            s.template,
                            s.min_amount,
                            s.after,
                            s.gap_days,
                        )
                        for s in steps
                    )
                    for grade, steps in self.steps.items()
                },
                min_gap_days=self.min_gap_days,
                promise_grace_days=self.promise_grace_days,
                dispute_age_days=self.dispute_age_days,
                interest=rate,
                compensation=compensation,
                statements=Schedule(
                    self.statements.day_of_month,
                    self.statements.also_when_moved,
                    self.statements.min_gap_days,
                ),
            )
        )


def parse(document: dict[str, Any], version: str) -> domain.Policy:
    """A document as data (from YAML or JSON), checked in full: every problem with its pointer."""
    return read(PolicyIn, document, InvalidDunningPolicy).to_domain(version)


def default_document() -> dict[str, Any]:
    return shipped("dunning.yaml")


@cache
def default() -> domain.Policy:
    return parse(default_document(), DEFAULT_VERSION)
