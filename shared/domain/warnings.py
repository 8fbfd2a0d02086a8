"""Early warning: indicators, levels with hysteresis, and the actions a level calls for.

Each indicator has, per level (`watch`, `warning`, `critical`), an enter threshold and an exit
threshold. A level is entered when the value reaches its enter threshold (and has held it for the
level's minimum duration, as a Prometheus rule's `for`), and left only when the value is back at
or past its exit threshold: a value oscillating between the two changes nothing. On leaving, the indicator
falls to the highest lower level whose exit threshold the value has not crossed. Most indicators
are worse when higher; `direction: below` turns that round (days until a limit expires).

The customer's level is the highest of its indicators'. Entering a level calls for its actions
once; falling below a level that blocked lifts the block when the policy says so. An alert a person
resolved while the level persisted is reopened by the next evaluation that still finds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum
from itertools import pairwise
from typing import Literal

from shared.domain.errors import InvalidInput


class Level(IntEnum):
    NORMAL = 0
    WATCH = 1
    WARNING = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        return self.name.lower()


LEVELS = (Level.WATCH, Level.WARNING, Level.CRITICAL)

INDICATORS: dict[str, str] = {
    "max_days_past_due": "days past due of the oldest open invoice",
    "overdue_share": "share of receivables overdue (0–1)",
    "limit_utilisation": "(open receivables + live reservations) / limit in force (1 = at the limit)",
    "score_drop": "points the score fell over the window (90 days)",
    "grade_downgrade": "grades lost over the window (90 days)",
    "altman_distress": "1 when the Altman zone is distress",
    "bounced_payments": "payments reversed in the last 90 days",
    "days_beyond_terms_trend": "days late of the last 3 months less the 9 before",
    "limit_expiring": "days until the limit expires",
    "broken_promises": "promises to pay broken in the last 90 days",
}
Action = Literal["notify", "suggest_lower_limit", "block"]
ACTIONS: tuple[Action, ...] = ("notify", "suggest_lower_limit", "block")


class InvalidWarningPolicy(InvalidInput):
    """`extra["errors"]` lists each problem with a JSON pointer into the policy."""

    code = "invalid-warning-policy"
    title = "Invalid warning policy"


@dataclass(frozen=True)
class Threshold:
    enter: Decimal
    exit: Decimal
    for_days: int = 0


@dataclass(frozen=True)
class Rule:
    """One indicator's thresholds per level."""

    indicator: str
    levels: Mapping[Level, Threshold]
    direction: Literal["above", "below"] = "above"

    def reaches(self, value: Decimal, bound: Decimal) -> bool:
        return value >= bound if self.direction == "above" else value <= bound

    def crossed_exit(self, value: Decimal, level: Level) -> bool:
        """At or beyond the exit threshold, on the safe side."""
        bound = self.levels[level].exit
        return value <= bound if self.direction == "above" else value >= bound


@dataclass(frozen=True)
class LevelActions:
    actions: tuple[Action, ...] = ()
    # With `block`: lift the block when the customer falls below this level again.
    unblock_on_exit: bool = True


@dataclass(frozen=True)
class Policy:
    version: str
    rules: tuple[Rule, ...]
    actions: Mapping[Level, LevelActions] = field(default_factory=dict)
    hold_orders_at: Level | None = Level.CRITICAL

    def rule(self, indicator: str) -> Rule | None:
        return next((r for r in self.rules if r.indicator == indicator), None)


@dataclass(frozen=True)
class State:
    """An indicator's level, and since when the value has reached each higher level's enter
    threshold without having entered it yet (its minimum duration running)."""

    level: Level = Level.NORMAL
    pending: Mapping[Level, date] = field(default_factory=dict)


def step(rule: Rule, state: State, value: Decimal | None, today: date) -> State:
    """The indicator's next state. An unknown value reaches no threshold and crosses every exit."""
    pending: dict[Level, date] = {}
    entered = state.level
    for level in LEVELS:
        threshold = rule.levels.get(level)
        if (
            threshold is None
            or level <= state.level
            or value is None
            or not rule.reaches(value, threshold.enter)
        ):
            continue
        since = state.pending.get(level, today)
        if (today - since).days >= threshold.for_days:
            entered = max(entered, level)
        else:
            pending[level] = since
    if entered > state.level:
        return State(entered, {lvl: d for lvl, d in pending.items() if lvl > entered})
    level = state.level
    if level is not Level.NORMAL and (value is None or rule.crossed_exit(value, level)):
        held = [
            lower
            for lower in LEVELS
            if lower < state.level
            and lower in rule.levels
            and value is not None
            and not rule.crossed_exit(value, lower)
        ]
        level = max(held, default=Level.NORMAL)
    return State(level, pending)


@dataclass(frozen=True)
class Evaluation:
    states: dict[str, State]
    level: Level
    # The indicators at the customer's level, worst first: what an alert names as its cause.
    causes: tuple[str, ...]


def evaluate(
    policy: Policy, states: Mapping[str, State], values: Mapping[str, Decimal | None], today: date
) -> Evaluation:
    new = {rule.indicator: step(rule, states.get(rule.indicator, State()), values.get(rule.indicator), today)
           for rule in policy.rules}  # fmt: skip
    level = max((s.level for s in new.values()), default=Level.NORMAL)
    causes = tuple(sorted(i for i, s in new.items() if s.level == level and level is not Level.NORMAL))
    return Evaluation(new, level, causes)


@dataclass(frozen=True)
class Effects:
    """What a move from one customer level to another calls for."""

    entered: Level | None
    actions: tuple[Action, ...]
    unblock: bool


def effects(policy: Policy, before: Level, after: Level) -> Effects:
    """Entering a level calls for its actions, once: the caller keys them by the entry. Falling
    below every level that blocks lifts the block if those levels say so."""
    if after > before:
        return Effects(after, policy.actions.get(after, LevelActions()).actions, False)
    if after < before:
        blocking = [
            lvl
            for lvl in LEVELS
            if before >= lvl > after and "block" in policy.actions.get(lvl, LevelActions()).actions
        ]
        unblock = bool(blocking) and all(policy.actions[lvl].unblock_on_exit for lvl in blocking)
        still_blocking = any(
            "block" in policy.actions.get(lvl, LevelActions()).actions for lvl in LEVELS if lvl <= after
        )
        return Effects(None, (), unblock and not still_blocking)
    return Effects(None, (), False)


def reopening(
    policy: Policy,
    level: Level,
    entered_at: datetime,
    resolved_at: datetime,
    last_reopened: datetime | None,
) -> tuple[Action, ...] | None:
    """A person resolved the customer's alert at `resolved_at` while it stayed at `level` (entered
    at `entered_at`): the evaluation that finds it still there reopens the alert, once per
    resolution, and tells whoever the level notifies; nothing else runs again, as the level was not
    entered again. None when there is nothing to reopen."""
    if level is Level.NORMAL or resolved_at < entered_at:
        return None
    if last_reopened is not None and resolved_at <= last_reopened:
        return None
    return tuple(a for a in policy.actions.get(level, LevelActions()).actions if a == "notify")


def validate(policy: Policy) -> Policy:
    errors: list[tuple[str, str]] = []
    if not policy.rules:
        errors.append(("/indicators", "at least one indicator"))
    for rule in policy.rules:
        at = f"/indicators/{rule.indicator}"
        if rule.indicator not in INDICATORS:
            errors.append((at, f"unknown indicator; known: {', '.join(INDICATORS)}"))
        ordered = [lvl for lvl in LEVELS if lvl in rule.levels]
        for lvl in ordered:
            t = rule.levels[lvl]
            if not rule.reaches(t.enter, t.exit):
                errors.append(
                    (f"{at}/{lvl.label}", "the exit threshold lies on the safe side of the enter one")
                )
            if t.for_days < 0:
                errors.append((f"{at}/{lvl.label}/for_days", "0 or more"))
        for low, high in pairwise(ordered):
            if not rule.reaches(rule.levels[high].enter, rule.levels[low].enter):
                errors.append(
                    (f"{at}/{high.label}/enter", f"a higher level starts beyond {low.label}'s enter")
                )
    for lvl, configured in policy.actions.items():
        for action in configured.actions:
            if action not in ACTIONS:
                errors.append((f"/actions/{lvl.label}", f"unknown action {action!r}"))
    if errors:
        raise InvalidWarningPolicy(
            "; ".join(f"{p}: {m}" for p, m in errors),
            errors=[{"pointer": f"#{p}", "detail": m} for p, m in errors],
        )
    return policy


def indicator_values(
    *,
    max_days_past_due: int,
    overdue: Decimal,
    receivables: Decimal,
    exposure: Decimal,
    limit: Decimal | None,
    score_now: Decimal | None,
    score_before: Decimal | None,
    grade_now: str | None,
    grade_before: str | None,
    grades: tuple[str, ...],
    altman_zone: str | None,
    bounced_payments: int,
    trend_days: Decimal | None,
    limit_valid_until: date | None,
    broken_promises: int,
    today: date,
) -> dict[str, Decimal | None]:
    """Each indicator's value from a customer's figures; None where it cannot be had."""

    def notches(grade: str | None) -> int | None:
        return grades.index(grade) if grade in grades else None

    now, before = notches(grade_now), notches(grade_before)
    return {
        "max_days_past_due": Decimal(max_days_past_due),
        "overdue_share": None if receivables <= 0 else overdue / receivables,
        "limit_utilisation": None if not limit else exposure / limit,
        "score_drop": None
        if score_now is None or score_before is None
        else max(score_before - score_now, Decimal(0)),
        "grade_downgrade": None if now is None or before is None else Decimal(max(now - before, 0)),
        "altman_distress": None if altman_zone is None else Decimal(altman_zone == "distress"),
        "bounced_payments": Decimal(bounced_payments),
        "days_beyond_terms_trend": trend_days,
        "limit_expiring": None if limit_valid_until is None else Decimal((limit_valid_until - today).days),
        "broken_promises": Decimal(broken_promises),
    }
