"""Early-warning levels: hysteresis, minimum duration, aggregation, actions once per entry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import warning_policies
from shared.domain.warnings import (
    InvalidWarningPolicy,
    Level,
    Rule,
    State,
    Threshold,
    effects,
    evaluate,
    indicator_values,
    reopening,
    step,
)

D = Decimal
DAY = date(2026, 11, 1)
DPD = Rule(
    "max_days_past_due",
    {
        Level.WATCH: Threshold(D(15), D(5)),
        Level.WARNING: Threshold(D(45), D(30)),
        Level.CRITICAL: Threshold(D(90), D(60)),
    },
)


def walk(rule: Rule, values: list[int | None], *, start: State = State()) -> list[Level]:
    state, levels = start, []
    for n, value in enumerate(values):
        state = step(rule, state, None if value is None else D(value), DAY + timedelta(days=n))
        levels.append(state.level)
    return levels


def test_levels_are_entered_at_enter_and_left_at_exit() -> None:
    W, N, R, C = Level.WATCH, Level.NORMAL, Level.WARNING, Level.CRITICAL
    assert walk(DPD, [0, 15, 44, 45, 89, 90, 61, 60, 31, 30, 6, 5]) == [N, W, W, R, R, C, C, R, R, W, W, N]


def test_a_value_oscillating_between_enter_and_exit_changes_nothing() -> None:
    assert walk(DPD, [45, 31, 44, 31, 44, 31]) == [Level.WARNING] * 6
    assert walk(DPD, [14, 6, 14, 6]) == [Level.NORMAL] * 4


@given(st.lists(st.integers(31, 44), min_size=1, max_size=30))
def test_no_flapping_inside_the_band_whatever_the_sequence(values: list[int]) -> None:
    assert set(walk(DPD, [45, *values])) == {Level.WARNING}


def test_falling_lands_on_the_highest_level_whose_exit_is_not_crossed() -> None:
    # From critical straight to 10: below warning's and critical's exits, above watch's (5).
    assert walk(DPD, [95, 10]) == [Level.CRITICAL, Level.WATCH]
    assert walk(DPD, [95, 3]) == [Level.CRITICAL, Level.NORMAL]
    # An unknown value crosses every exit.
    assert walk(DPD, [95, None]) == [Level.CRITICAL, Level.NORMAL]


def test_a_minimum_duration_holds_the_entry_back() -> None:
    share = Rule("overdue_share", {Level.CRITICAL: Threshold(D("0.6"), D("0.5"), for_days=3)})
    assert walk(share, [1, 1, 1, 1]) == [Level.NORMAL, Level.NORMAL, Level.NORMAL, Level.CRITICAL]
    # A dip below the enter threshold restarts the wait.
    assert walk(share, [1, 1, 0, 1, 1, 1, 1])[-1] == Level.CRITICAL
    assert walk(share, [1, 1, 0, 1, 1, 1]) == [Level.NORMAL] * 6


def test_indicators_worse_when_lower() -> None:
    expiring = Rule("limit_expiring", {Level.WATCH: Threshold(D(30), D(31))}, direction="below")
    assert walk(expiring, [60, 30, 31, 29, 45]) == [
        Level.NORMAL,
        Level.WATCH,
        Level.NORMAL,
        Level.WATCH,
        Level.NORMAL,
    ]


def test_the_customer_level_is_the_highest_of_its_indicators() -> None:
    policy = warning_policies.default()
    values: dict[str, Decimal | None] = {"max_days_past_due": D(50), "bounced_payments": D(3)}
    result = evaluate(policy, {}, values, DAY)
    assert result.level is Level.CRITICAL
    assert result.causes == ("bounced_payments",)
    assert result.states["max_days_past_due"].level is Level.WARNING
    assert result.states["overdue_share"].level is Level.NORMAL


def test_actions_once_per_entry_and_the_block_lifts_on_exit() -> None:
    policy = warning_policies.default()
    up = effects(policy, Level.NORMAL, Level.CRITICAL)
    assert (up.entered, up.actions, up.unblock) == (Level.CRITICAL, ("notify", "block"), False)
    assert effects(policy, Level.CRITICAL, Level.CRITICAL).actions == ()  # staying is no new entry
    assert effects(policy, Level.WATCH, Level.WARNING).actions == ("notify", "suggest_lower_limit")
    assert effects(policy, Level.CRITICAL, Level.WARNING).unblock is True
    assert effects(policy, Level.WARNING, Level.WATCH).unblock is False  # nothing had blocked


def test_an_alert_resolved_while_the_level_persists_is_reopened_once_per_resolution() -> None:
    policy = warning_policies.default()
    entered = datetime(2026, 11, 1, 8, tzinfo=UTC)
    resolved = entered + timedelta(hours=3)
    assert reopening(policy, Level.CRITICAL, entered, resolved, None) == ("notify",)  # no block again
    assert reopening(policy, Level.CRITICAL, entered, resolved, resolved) is None  # already reopened
    assert reopening(policy, Level.CRITICAL, entered, resolved + timedelta(days=1), resolved) == ("notify",)
    assert reopening(policy, Level.NORMAL, entered, resolved, None) is None
    # Resolved before the customer entered this level: that entry opened an alert of its own.
    assert reopening(policy, Level.WARNING, resolved, entered, None) is None


def test_a_block_the_policy_keeps_is_not_lifted() -> None:
    document = warning_policies.default_document()
    document["actions"]["critical"]["unblock_on_exit"] = False
    policy = warning_policies.parse(document, "keep-blocks")
    assert effects(policy, Level.CRITICAL, Level.NORMAL).unblock is False


def test_indicator_values_from_a_customers_figures() -> None:
    values = indicator_values(
        max_days_past_due=40,
        overdue=D(300),
        receivables=D(1000),
        exposure=D(1100),
        limit=D(1000),
        score_now=D("61.5"),
        score_before=D("75.0"),
        grade_now="C",
        grade_before="A",
        grades=("A", "B", "C", "D", "E"),
        altman_zone="distress",
        bounced_payments=1,
        trend_days=D("12.0"),
        limit_valid_until=DAY + timedelta(days=20),
        broken_promises=0,
        today=DAY,
    )
    assert values == {
        "max_days_past_due": D(40),
        "overdue_share": D("0.3"),
        "limit_utilisation": D("1.1"),
        "score_drop": D("13.5"),
        "grade_downgrade": D(2),
        "altman_distress": D(1),
        "bounced_payments": D(1),
        "days_beyond_terms_trend": D("12.0"),
        "limit_expiring": D(20),
        "broken_promises": D(0),
    }


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"indicators": {"shoe_size": {"watch": {"enter": 1, "exit": 0}}}}, "#/indicators/shoe_size"),
        (
            {"indicators": {"max_days_past_due": {"watch": {"enter": 10, "exit": 20}}}},
            "#/indicators/max_days_past_due/watch",
        ),
        (
            {
                "indicators": {
                    "max_days_past_due": {
                        "watch": {"enter": 50, "exit": 5},
                        "warning": {"enter": 40, "exit": 30},
                    }
                }
            },
            "#/indicators/max_days_past_due/warning/enter",
        ),
        ({"actions": {"watch": {"do": ["phone"]}}}, "#/actions/watch/do/0"),
    ],
)
def test_an_invalid_policy_is_refused_with_a_pointer(change: dict[str, Any], pointer: str) -> None:
    with pytest.raises(InvalidWarningPolicy) as refused:
        warning_policies.parse({**warning_policies.default_document(), **change}, "bad")
    assert pointer in [e["pointer"] for e in refused.value.extra["errors"]]
