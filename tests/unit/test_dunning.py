"""Dunning steps: which step each item has reached, one notice per customer and step, the minimum
gap and amount, superseded steps, paused items, and a policy's validation."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import dunning_policies
from shared.domain.dunning import InvalidDunningPolicy, Item, Plan, Step, plan
from shared.domain.interest import Tier

D = Decimal
TODAY = date(2026, 11, 24)
POLICY = dunning_policies.default()
A = POLICY.for_grade("A")  # reminder -5, notice_1 +7, notice_2 +21, call +30, final +45, legal +75


def same(amount: Decimal, currency: str) -> Decimal:
    return amount


def item(item_id: str, days_late: int, amount: str = "1000.00", **extra: Any) -> Item:
    return Item(item_id, TODAY - timedelta(days=days_late), D(amount), "EUR", **extra)


def run(items: list[Item], last: date | None = None, steps: tuple[Step, ...] = A) -> Plan:
    return plan(steps, items, TODAY, last_message_on=last, min_gap_days=POLICY.min_gap_days, convert=same)


def names(result: Plan) -> list[tuple[str, list[str]]]:
    return [(a.step.name, [i.item_id for i in a.items]) for a in result.actions]


def test_the_shipped_policy_reads_and_falls_back_for_customers_without_a_grade() -> None:
    assert [s.offset_days for s in A] == [-5, 7, 21, 30, 45, 75]
    assert POLICY.for_grade(None) == POLICY.for_grade("C") == POLICY.for_grade("Z")
    assert POLICY.compensation["EUR"] == (Tier(D(40)),)
    assert POLICY.interest is not None and POLICY.interest.on(date(2024, 3, 1)) == D("0.1250")


def test_one_notice_per_step_lists_every_item_at_that_step() -> None:
    result = run([item("INV-1", 8), item("INV-2", 10), item("INV-3", -3)])
    # INV-3 is due in 3 days: a reminder; INV-1 and INV-2 reached the friendly notice. Two notices
    # the same day would break the 5-day gap: the more advanced one goes out, the reminder waits.
    assert names(result) == [("notice_1", ["INV-1", "INV-2"])]
    assert [(s.name, why) for s, why in result.waiting] == [
        ("reminder", "a more advanced notice goes out today")
    ]
    # The reminder the two late items never had is superseded: they will not get it later.
    assert sorted((i.item_id, s.name) for i, s in result.superseded) == [
        ("INV-1", "reminder"),
        ("INV-2", "reminder"),
    ]


def test_a_step_is_taken_once() -> None:
    assert run([item("INV-1", 8, taken=frozenset({"reminder", "notice_1"}))]).actions == ()
    later = run([item("INV-1", 21, taken=frozenset({"reminder", "notice_1"}))])
    assert names(later) == [("notice_2", ["INV-1"])]


def test_a_customer_seen_late_gets_the_step_it_has_reached_not_the_ones_before() -> None:
    result = run([item("INV-1", 50)])
    assert names(result) == [("final", ["INV-1"])]
    assert [s.name for _, s in result.superseded] == ["reminder", "notice_1", "notice_2", "call"]


def test_the_minimum_gap_holds_notices_but_not_tasks() -> None:
    result = run(
        [item("INV-1", 8), item("INV-2", 30, taken=frozenset({"notice_2"}))], last=TODAY - timedelta(days=2)
    )
    assert names(result) == [("call", ["INV-2"])]
    assert [(s.name, why) for s, why in result.waiting] == [
        ("notice_1", "the last notice went out on 2026-11-22")
    ]
    assert result.superseded == ((result.actions[0].items[0], A[0]), (result.actions[0].items[0], A[1]))
    assert names(run([item("INV-1", 8)], last=TODAY - timedelta(days=5))) == [("notice_1", ["INV-1"])]


def test_small_balances_wait_and_keep_their_earlier_steps() -> None:
    result = run([item("INV-1", 8, "20.00"), item("INV-2", 9, "25.00")])
    assert result.actions == () and result.superseded == ()
    assert [(s.name, why) for s, why in result.waiting] == [
        ("notice_1", "45.00 below the step's minimum of 50")
    ]


def test_an_item_without_an_exchange_rate_is_reported_never_counted_as_nothing() -> None:
    def euros_only(amount: Decimal, currency: str) -> Decimal | None:
        return amount if currency == "EUR" else None

    pounds = Item("INV-2", TODAY - timedelta(days=9), D("900.00"), "GBP")
    result = plan(
        A,
        [item("INV-1", 8, "20.00"), pounds],
        TODAY,
        last_message_on=None,
        min_gap_days=5,
        convert=euros_only,
    )
    assert result.actions == ()
    assert [(s.name, why) for s, why in result.waiting] == [
        ("notice_1", "20.00 below the step's minimum of 50, without the items in GBP: no exchange rate")
    ]
    assert result.missing_rates == {"GBP"}
    # Enough in known currencies: the step goes out with every item, and nothing is missing.
    enough = plan(
        A, [item("INV-1", 8), pounds], TODAY, last_message_on=None, min_gap_days=5, convert=euros_only
    )
    assert names(enough) == [("notice_1", ["INV-1", "INV-2"])] and enough.missing_rates == frozenset()


def test_disputed_and_promised_items_are_left_out() -> None:
    assert run([item("INV-1", 8, paused=True)]).actions == ()
    assert names(run([item("INV-1", 8, paused=True), item("INV-2", 8)])) == [("notice_1", ["INV-2"])]


def test_nothing_before_the_first_step() -> None:
    assert run([item("INV-1", -30)]) == Plan((), (), ())


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"steps": {"A": []}}, "#/steps"),
        (
            {"steps": {"default": [{"name": "late", "offset_days": 3, "effect": "formal_notice"}]}},
            "#/steps/default/0/channels",
        ),
        (
            {
                "steps": {
                    "default": [
                        {"name": "b", "offset_days": 9, "effect": "phone_task"},
                        {"name": "a", "offset_days": 3, "effect": "phone_task"},
                    ]
                }
            },
            "#/steps/default",
        ),
        (
            {
                "steps": {
                    "default": [
                        {
                            "name": "r",
                            "offset_days": 2,
                            "effect": "reminder",
                            "channels": ["email"],
                            "template": "reminder",
                        }
                    ]
                }
            },
            "#/steps/default/0/offset_days",
        ),
        (
            {"steps": {"default": [{"name": "x", "offset_days": 3, "effect": "shout"}]}},
            "#/steps/default/0/effect",
        ),
        ({"currency": "XXQ"}, "#/currency"),
        ({"interest": {"margin": 0.08}}, "#/interest"),
    ],
)
def test_an_invalid_policy_is_refused_with_a_pointer(change: dict[str, Any], pointer: str) -> None:
    with pytest.raises(InvalidDunningPolicy) as refused:
        dunning_policies.parse({**dunning_policies.default_document(), **change}, "broken")
    assert pointer in [e["pointer"] for e in refused.value.extra["errors"]]


@settings(max_examples=200, deadline=None)
@given(
    offsets=st.lists(st.integers(min_value=-40, max_value=60), min_size=1, max_size=6),
    amounts=st.lists(st.integers(min_value=1, max_value=200), min_size=1, max_size=6),
    paid_on=st.lists(st.integers(min_value=0, max_value=120) | st.none(), min_size=6, max_size=6),
)
def test_day_by_day_every_step_once_in_order_and_notices_apart(
    offsets: list[int], amounts: list[int], paid_on: list[int | None]
) -> None:
    """120 consecutive daily runs over a customer's items, each run's actions and superseded steps
    recorded as the run would: no item takes a step twice or goes back, no two notices come within
    the gap, an item takes no step after it is paid, and each step an item took was reached."""
    start = TODAY
    items = {
        f"I{n}": Item(f"I{n}", start + timedelta(days=off), D(amounts[n % len(amounts)]), "EUR")
        for n, off in enumerate(offsets)
    }
    history: dict[str, list[tuple[date, str]]] = {k: [] for k in items}
    notices: list[date] = []
    for day in (start + timedelta(days=n) for n in range(121)):
        open_items = [
            Item(
                i.item_id, i.due_date, i.open_amount, i.currency, frozenset(s for _, s in history[i.item_id])
            )
            for n, i in enumerate(items.values())
            if paid_on[n] is None or day < start + timedelta(days=paid_on[n] or 0)
        ]
        result = plan(
            A, open_items, day, last_message_on=notices[-1] if notices else None, min_gap_days=5, convert=same
        )
        for i, s in result.superseded:
            history[i.item_id].append((day, s.name))
        for action in result.actions:
            if action.step.message:
                notices.append(day)
            for i in action.items:
                assert action.step.offset_days <= (day - i.due_date).days
                history[i.item_id].append((day, action.step.name))
    order = [s.name for s in A]
    for item_id, taken in history.items():
        steps = [s for _, s in taken]
        assert len(steps) == len(set(steps)), (item_id, taken)
        assert [order.index(s) for s in steps] == sorted(order.index(s) for s in steps), (item_id, taken)
    assert all((b - a).days >= 5 for a, b in itertools.pairwise(notices))
