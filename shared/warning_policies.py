"""Warning policies: YAML or JSON documents checked against a schema, then against the rules of
`shared.domain.warnings`. The default ships as `shared/policies/warnings.yaml`."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from shared.domain import warnings as domain
from shared.domain.warnings import InvalidWarningPolicy, Level
from shared.policy_documents import read, shipped

DEFAULT_VERSION = "default"
LevelName = Literal["watch", "warning", "critical"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ThresholdIn(_Strict):
    enter: Decimal
    exit: Decimal
    for_days: Annotated[StrictInt, Field(ge=0, le=365)] = 0


class RuleIn(_Strict):
    direction: Literal["above", "below"] = "above"
    watch: ThresholdIn | None = None
    warning: ThresholdIn | None = None
    critical: ThresholdIn | None = None


class ActionsIn(_Strict):
    do: list[Literal["notify", "suggest_lower_limit", "block"]] = []
    unblock_on_exit: StrictBool = True


class PolicyIn(_Strict):
    """A warning policy as it is written (`GET /v1/warning-policies/default` gives the shipped one)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "indicators": {
                        "max_days_past_due": {
                            "watch": {"enter": 15, "exit": 5},
                            "warning": {"enter": 45, "exit": 30},
                            "critical": {"enter": 90, "exit": 60, "for_days": 2},
                        },
                        "limit_expiring": {"direction": "below", "watch": {"enter": 30, "exit": 31}},
                    },
                    "actions": {"critical": {"do": ["notify", "block"], "unblock_on_exit": True}},
                    "hold_orders_at": "critical",
                }
            ]
        },
    )

    indicators: dict[str, RuleIn]
    actions: dict[LevelName, ActionsIn] = {}
    hold_orders_at: LevelName | None = "critical"

    def to_domain(self, version: str) -> domain.Policy:
        rules = tuple(
            domain.Rule(
                name,
                {
                    Level[level.upper()]: domain.Threshold(t.enter, t.exit, t.for_days)
                    for level in ("watch", "warning", "critical")
                    if (t := getattr(rule, level)) is not None
                },
                rule.direction,
            )
            for name, rule in self.indicators.items()
        )
        return domain.validate(
            domain.Policy(
                version=version,
                rules=rules,
                actions={
                    Level[level.upper()]: domain.LevelActions(tuple(a.do), a.unblock_on_exit)
                    for level, a in self.actions.items()
                },
                hold_orders_at=None if self.hold_orders_at is None else Level[self.hold_orders_at.upper()],
            )
        )


def parse(document: dict[str, Any], version: str) -> domain.Policy:
    """A document as data (from YAML or JSON), checked in full: every problem with its pointer."""
    return read(PolicyIn, document, InvalidWarningPolicy).to_domain(version)


def default_document() -> dict[str, Any]:
    return shipped("warnings.yaml")


@cache
def default() -> domain.Policy:
    return parse(default_document(), DEFAULT_VERSION)
