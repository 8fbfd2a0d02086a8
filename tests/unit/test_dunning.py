"""Dunning steps: which step each item has reached, one notice per customer and step, the minimum
gap and amount, superseded steps, paused items, and a policy's validation."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import replace
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


Walk = list[tuple[int, str, str]]


def walk(
    steps: tuple[Step, ...],
    items: list[Item],
    days: Iterable[int],
    min_gap_days: int = 5,
    paid: Mapping[str, int] | None = None,
) -> dict[str, Walk]:
    """Runs on the given days after TODAY (an item paid on day n is open before it), each recorded
    as the run records it: per item, (day, step, notice | task | superseded)."""
    history: dict[str, Walk] = {i.item_id: [] for i in items}
    last: date | None = None
    for n in days:
        day = TODAY + timedelta(days=n)
        open_items = [
            replace(
                i,
                taken=frozenset(s for _, s, _ in history[i.item_id]),
                done={
                    s: TODAY + timedelta(days=d)
                    for d, s, outcome in history[i.item_id]
                    if outcome != "superseded"
                },
            )
            for i in items
            if n < (paid or {}).get(i.item_id, n + 1)
        ]
        result = plan(steps, open_items, day, last_message_on=last, min_gap_days=min_gap_days, convert=same)
        for i, s in result.superseded:
            history[i.item_id].append((n, s.name, "superseded"))
        for action in result.actions:
            last = day if action.step.message else last
            for i in action.items:
                assert action.step.offset_days <= (day - i.due_date).days  # each step taken was reached
                history[i.item_id].append((n, action.step.name, "notice" if action.step.message else "task"))
    return history


def done(history: Walk) -> list[tuple[int, str]]:
    return [(n, s) for n, s, outcome in history if outcome != "superseded"]


# Grade A: reminder −5, notice_1 +7, notice_2 +21, call +30, final +45 a week after notice_2,
# legal +75 a week after final.
@pytest.mark.parametrize(
    ("late", "steps"),
    [
        (
            -3,
            [(0, "reminder"), (10, "notice_1"), (24, "notice_2"), (33, "call"), (48, "final"), (78, "legal")],
        ),
        (8, [(0, "notice_1"), (13, "notice_2"), (22, "call"), (37, "final"), (67, "legal")]),
        (22, [(0, "notice_2"), (8, "call"), (23, "final"), (53, "legal")]),
        # Past the call: the formal notice first, since the final notice presupposes it; the call
        # the next day, the final notice once the formal one is a week old, then legal a week on.
        (31, [(0, "notice_2"), (1, "call"), (14, "final"), (44, "legal")]),
        (50, [(0, "notice_2"), (1, "call"), (7, "final"), (25, "legal")]),
        (96, [(0, "notice_2"), (1, "call"), (7, "final"), (14, "legal")]),
    ],
)
def test_an_item_first_seen_late_gets_the_most_advanced_notice_it_may_and_the_rest_in_order(
    late: int, steps: list[tuple[int, str]]
) -> None:
    [history] = walk(A, [item("INV-1", late)], range(90)).values()
    assert done(history) == steps
    skipped = [s for _, s, outcome in history if outcome == "superseded"]
    assert skipped == [s.name for s in A if s.name not in {name for _, name in steps}]


def test_first_seen_at_96_days_the_steps_above_the_formal_notice_wait_and_say_why() -> None:
    first = run([item("INV-1", 96)])
    assert names(first) == [("notice_2", ["INV-1"])]
    assert [s.name for _, s in first.superseded] == ["reminder", "notice_1"]  # not the call
    sent = TODAY - timedelta(days=3)
    taken = frozenset({"reminder", "notice_1", "notice_2", "call"})
    after = run([item("INV-1", 99, taken=taken, done={"notice_2": sent})], last=sent)
    assert after.actions == ()
    assert [(s.name, why) for s, why in after.waiting] == [
        ("final", "INV-1 waits 7 days after notice_2 of 2026-11-21")
    ]


def test_a_presupposed_notice_passed_before_is_sent_before_the_step_that_needs_it() -> None:
    # Superseded under an earlier policy without the presupposition: the formal notice was never
    # sent, so no final notice; the formal notice goes out now instead of the item waiting for ever.
    passed = item(
        "INV-1", 60, taken=frozenset({"reminder", "notice_1", "notice_2", "call"}), done={"call": TODAY}
    )
    result = run([passed])
    assert names(result) == [("notice_2", ["INV-1"])] and result.superseded == ()
    sent = TODAY - timedelta(days=7)
    then = replace(passed, done={"call": sent, "notice_2": sent})
    assert names(run([then], last=sent)) == [("final", ["INV-1"])]


def test_without_gaps_the_steps_still_come_in_order_as_the_minimum_gap_allows() -> None:
    no_gaps = tuple(replace(s, gap_days=0) for s in A)
    [history] = walk(no_gaps, [item("INV-1", 96)], range(30)).values()
    # The final notice waits only for the five days between two notices; the call it passes.
    assert done(history) == [(0, "notice_2"), (5, "final"), (6, "legal")]
    [history] = walk(no_gaps, [item("INV-1", 96)], range(30), min_gap_days=0).values()
    assert done(history) == [(0, "notice_2"), (1, "final"), (2, "legal")]


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


CALL = {"name": "call", "offset_days": 5, "effect": "phone_task"}
LATER = {"name": "legal", "offset_days": 30, "effect": "legal_handover"}


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
        ({"steps": {"default": [{**CALL, "after": "call"}]}}, "#/steps/default/0/after"),
        ({"steps": {"default": [CALL, {**LATER, "gap_days": 3}]}}, "#/steps/default/1/gap_days"),
        ({"interest": {"margin": 0.08}}, "#/interest"),
    ],
)
def test_an_invalid_policy_is_refused_with_a_pointer(change: dict[str, Any], pointer: str) -> None:
    with pytest.raises(InvalidDunningPolicy) as refused:
        dunning_policies.parse({**dunning_policies.default_document(), **change}, "broken")
    assert pointer in [e["pointer"] for e in refused.value.extra["errors"]]


def test_presuppositions_name_an_earlier_step_of_the_grade_without_a_cycle() -> None:
    def refused(*steps: dict[str, Any]) -> list[tuple[str, str]]:
        with pytest.raises(InvalidDunningPolicy) as error:
            dunning_policies.parse({**dunning_policies.default_document(), "steps": {"default": steps}}, "x")
        return [(e["pointer"], e["detail"]) for e in error.value.extra["errors"]]

    assert refused(CALL, {**LATER, "after": "finale"}) == [
        ("#/steps/default/1/after", "unknown step `finale`; the steps of default: call, legal")
    ]
    assert refused({**CALL, "after": "legal"}, {**LATER, "after": "call"}) == [
        ("#/steps/default/0/after", "a cycle of presuppositions: call → legal → call"),
        ("#/steps/default/1/after", "a cycle of presuppositions: legal → call → legal"),
    ]
    assert refused({**CALL, "after": "legal"}, LATER) == [
        ("#/steps/default/0/after", "`legal` comes after `call`: a step presupposes an earlier one")
    ]
    accepted = dunning_policies.parse(
        {
            **dunning_policies.default_document(),
            "steps": {"default": [CALL, {**LATER, "after": "call", "gap_days": 10}]},
        },
        "x",
    )
    assert [(s.after, s.gap_days) for s in accepted.for_grade(None)] == [(None, 0), ("call", 10)]


@st.composite
def policies(draw: st.DrawFn) -> tuple[Step, ...]:
    """A grade's shipped steps with presuppositions drawn afresh: any step may presuppose any
    earlier one, at any gap."""
    steps = POLICY.for_grade(draw(st.sampled_from(["A", "B", "C", "D", "E"])))
    drawn = []
    for n, s in enumerate(steps):
        after = draw(st.none() | st.integers(min_value=0, max_value=n - 1)) if n else None
        drawn.append(
            replace(
                s,
                after=None if after is None else steps[after].name,
                gap_days=0 if after is None else draw(st.integers(min_value=0, max_value=20)),
            )
        )
    return tuple(drawn)


@settings(max_examples=200, deadline=None)
@given(
    steps=policies(),
    lates=st.lists(st.integers(min_value=-40, max_value=120), min_size=1, max_size=6),
    amounts=st.lists(st.integers(min_value=1, max_value=200), min_size=1, max_size=6),
    paid_on=st.lists(st.integers(min_value=0, max_value=120) | st.none(), min_size=6, max_size=6),
    skipped=st.sets(st.integers(min_value=1, max_value=120), max_size=60),
)
def test_any_history_of_runs_takes_each_step_once_in_order_and_after_what_it_presupposes(
    steps: tuple[Step, ...],
    lates: list[int],
    amounts: list[int],
    paid_on: list[int | None],
    skipped: set[int],
) -> None:
    """Runs over 120 days (some days missed) on a customer's items, first seen at any point of the
    sequence: no item takes a step twice or goes back, no two notices come within the gap, an item
    takes no step after it is paid, and every step with a presupposition comes after the step it
    presupposes was done for that item, at least its gap earlier."""
    items = [item(f"I{n}", late, str(amounts[n % len(amounts)])) for n, late in enumerate(lates)]
    paid = {f"I{n}": day for n, day in enumerate(paid_on) if day is not None}
    history = walk(steps, items, [n for n in range(121) if n not in skipped], paid=paid)
    order = [s.name for s in steps]
    by_name = {s.name: s for s in steps}
    notices: set[int] = set()
    for item_id, taken in history.items():
        names_taken = [s for _, s, _ in taken]
        assert len(names_taken) == len(set(names_taken)), (item_id, taken)
        assert [order.index(s) for s in names_taken] == sorted(order.index(s) for s in names_taken)
        assert all(n < paid.get(item_id, 121) for n, _, _ in taken)
        when = {name: n for n, name in done(taken)}
        for name, n in when.items():
            step = by_name[name]
            notices |= {n} if step.message else set()
            if step.after is not None:
                assert step.after in when, (item_id, taken)
                assert n - when[step.after] >= step.gap_days, (item_id, taken)
    assert all(b - a >= 5 for a, b in itertools.pairwise(sorted(notices)))
