"""Dunning: which step each overdue item has reached, and what a customer is sent today.

A policy has, per grade, steps ordered by their offset from the due date (negative: before it).
A step may presuppose an earlier one (`after`): it is never taken for an item until that step was
done for the item (a notice issued or a task given, not superseded) at least `gap_days` before, and
no item passes a step that another presupposes without taking it. Within those bounds an item
takes the most advanced step it has reached, and earlier steps it never took are superseded: an
invoice first seen 40 days late gets the formal notice, not the friendly one as well, and the final
notice only when the formal one is a gap old. A customer is sent one notice per step, listing
every item at that step, and never more than one notice within the policy's minimum gap: when
several message steps are due the same day, the most advanced goes out and the others wait.
Tasks (a phone call, a legal hand-over) are not messages and wait for no gap. A step whose items
add up to less than its minimum amount waits for the balance to grow. Disputed items and items
under a live promise are left out; paid items are not given to the plan at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from shared.domain import fx
from shared.domain.errors import InvalidInput
from shared.domain.interest import RateRule, Tier
from shared.domain.statements import Schedule

Effect = Literal[
    "reminder", "friendly_notice", "formal_notice", "phone_task", "final_notice", "legal_handover"
]
MESSAGES: frozenset[Effect] = frozenset({"reminder", "friendly_notice", "formal_notice", "final_notice"})
ZERO = Decimal(0)
Convert = fx.Convert  # into the policy's currency


class InvalidDunningPolicy(InvalidInput):
    """`extra["errors"]` lists each problem with a JSON pointer into the policy."""

    code = "invalid-dunning-policy"
    title = "Invalid dunning policy"


@dataclass(frozen=True)
class Step:
    name: str
    offset_days: int
    effect: Effect
    channels: tuple[str, ...] = ()
    template: str = ""
    min_amount: Decimal = ZERO
    after: str | None = None  # the step this one presupposes
    gap_days: int = 0  # at least this long after it

    @property
    def message(self) -> bool:
        return self.effect in MESSAGES


@dataclass(frozen=True)
class Policy:
    version: str
    currency: str  # of minimum amounts and compensations
    steps: Mapping[str, tuple[Step, ...]]  # by grade; "default" for customers without one
    min_gap_days: int = 0
    promise_grace_days: int = 0
    dispute_age_days: int = 30
    interest: RateRule | None = None
    # Per late item, by the item's currency: the tiers by the size of the debt.
    compensation: Mapping[str, tuple[Tier, ...]] = field(default_factory=dict)
    statements: Schedule = field(default_factory=Schedule)

    def for_grade(self, grade: str | None) -> tuple[Step, ...]:
        return self.steps.get(grade or "default") or self.steps["default"]


@dataclass(frozen=True)
class Item:
    item_id: str
    due_date: date
    open_amount: Decimal
    currency: str
    taken: frozenset[str] = frozenset()  # steps already taken (sent, tasked or superseded)
    done: Mapping[str, date] = field(default_factory=dict)  # of those, sent or tasked: the day
    paused: bool = False  # disputed, or under a promise that has not run out

    def days_past_due(self, as_of: date) -> int:
        return (as_of - self.due_date).days


@dataclass(frozen=True)
class Action:
    """One step for a customer: the notice or task, and its items."""

    step: Step
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]  # what is sent or tasked today
    superseded: tuple[tuple[Item, Step], ...]  # earlier steps an item will never take
    waiting: tuple[tuple[Step, str], ...]  # steps due but held back, and why
    # Currencies of items at a step with a minimum that have no rate into the policy's currency:
    # what the run reports, since those items could not count toward the minimum.
    missing_rates: frozenset[str] = frozenset()


def unmet(step: Step, item: Item, as_of: date) -> str | None:
    """Why the step cannot be taken for the item yet, if it cannot."""
    if step.after is None:
        return None
    done = item.done.get(step.after)
    if done is None:
        return f"waits for {step.after}"
    if (as_of - done).days < step.gap_days:
        return f"waits {step.gap_days} days after {step.after} of {done.isoformat()}"
    return None


def _skipped(step: Step, item: Item, as_of: date) -> bool:
    """Superseded, never done, and free to be taken now."""
    return step.name in item.taken and step.name not in item.done and unmet(step, item, as_of) is None


def _next_step(
    steps: Sequence[Step], by_name: Mapping[str, Step], needed: frozenset[str], item: Item, as_of: date
) -> tuple[Step | None, tuple[Step, str] | None]:
    """The step the item takes today, and the step above it held back by what it presupposes
    (`needed`: the steps some step presupposes).

    Only steps after the last one taken count, so an item never goes back, but for one case: a
    step it passed as superseded (under a policy without the presupposition, or before it had
    any) that a step it has now reached presupposes. Without it the item would wait for ever;
    so it takes that step now, and the rest follow. A step that another presupposes is a step
    the item cannot pass untaken: the search ends there."""
    late = item.days_past_due(as_of)
    start = max((n + 1 for n, s in enumerate(steps) if s.name in item.taken), default=0)
    found: Step | None = None
    for step in steps[start:]:
        if step.offset_days > late:
            return found, None
        why = unmet(step, item, as_of)
        if why is not None:
            passed = by_name.get(step.after or "")
            if passed is not None and _skipped(passed, item, as_of):
                return passed, None
            return found, (step, why)
        found = step
        if step.name in needed:
            return found, None
    return found, None


def plan(
    steps: Sequence[Step],
    items: Sequence[Item],
    as_of: date,
    *,
    last_message_on: date | None,
    min_gap_days: int,
    convert: Convert,
) -> Plan:
    """What one customer gets today."""
    order = {s.name: n for n, s in enumerate(steps)}
    by_step = {s.name: s for s in steps}
    needed = frozenset(s.after for s in steps if s.after is not None)
    due: dict[str, list[Item]] = {}
    superseded: list[tuple[Item, Step]] = []
    held: dict[str, list[tuple[Item, str]]] = {}
    for item in items:
        if item.paused:
            continue
        step, blocked = _next_step(steps, by_step, needed, item, as_of)
        if blocked is not None:
            held.setdefault(blocked[0].name, []).append((item, blocked[1]))
        if step is None:
            continue
        due.setdefault(step.name, []).append(item)
        superseded += [(item, s) for s in steps[: order[step.name]] if s.name not in item.taken]
    actions: list[Action] = []
    waiting: list[tuple[Step, str]] = []
    missing: set[str] = set()
    for name in sorted(held, key=order.__getitem__, reverse=True):
        waiting.append((by_step[name], "; ".join(f"{i.item_id} {why}" for i, why in held[name])))
    for name in sorted(due, key=order.__getitem__, reverse=True):
        step, at_step = by_step[name], tuple(due[name])
        converted = [(i, convert(i.open_amount, i.currency)) for i in at_step]
        total = sum((amount for _, amount in converted if amount is not None), ZERO)
        unrated = sorted({i.currency for i, amount in converted if amount is None})
        if total < step.min_amount:
            missing |= set(unrated)
            waiting.append(
                (
                    step,
                    f"{total} below the step's minimum of {step.min_amount}"
                    + (f", without the items in {', '.join(unrated)}: no exchange rate" if unrated else ""),
                )
            )
        elif step.message and any(a.step.message for a in actions):
            waiting.append((step, "a more advanced notice goes out today"))
        elif step.message and last_message_on is not None and (as_of - last_message_on).days < min_gap_days:
            waiting.append((step, f"the last notice went out on {last_message_on.isoformat()}"))
        else:
            actions.append(Action(step, at_step))
    # Only what goes out today supersedes: an item whose step waits keeps its earlier steps open.
    sent = {i.item_id for a in actions for i in a.items}
    return Plan(
        actions=tuple(reversed(actions)),
        superseded=tuple((i, s) for i, s in superseded if i.item_id in sent),
        waiting=tuple(waiting),
        missing_rates=frozenset(missing),
    )


def validate(policy: Policy) -> Policy:
    errors: list[tuple[str, str]] = []
    if "default" not in policy.steps:
        errors.append(("/steps", "a `default` list of steps for customers without a grade"))
    for grade, steps in policy.steps.items():
        names = [s.name for s in steps]
        if len(set(names)) != len(names):
            errors.append((f"/steps/{grade}", "step names are unique"))
        offsets = [s.offset_days for s in steps]
        if offsets != sorted(offsets) or len(set(offsets)) != len(offsets):
            errors.append((f"/steps/{grade}", "steps in increasing order of offset, no two on one day"))
        for n, s in enumerate(steps):
            if s.message and not s.channels:
                errors.append((f"/steps/{grade}/{n}/channels", "a notice needs at least one channel"))
            if s.message and not s.template:
                errors.append((f"/steps/{grade}/{n}/template", "a notice needs a template"))
            if s.effect == "reminder" and s.offset_days >= 0:
                errors.append((f"/steps/{grade}/{n}/offset_days", "a reminder comes before the due date"))
            if s.effect != "reminder" and s.offset_days <= 0:
                errors.append((f"/steps/{grade}/{n}/offset_days", "only reminders come before the due date"))
            if s.min_amount < 0:
                errors.append((f"/steps/{grade}/{n}/min_amount", "not negative"))
        errors += _presuppositions(grade, steps)
    if policy.min_gap_days < 0:
        errors.append(("/min_gap_days", "not negative"))
    if errors:
        raise InvalidDunningPolicy(
            "; ".join(f"#{p}: {d}" for p, d in errors),
            errors=[{"pointer": f"#{p}", "detail": d} for p, d in errors],
        )
    return policy


def _presuppositions(grade: str, steps: Sequence[Step]) -> list[tuple[str, str]]:
    """What each step's `after` names: a step of the same grade that comes before it, with no
    cycle among them (a cycle would hold every step in it for ever)."""
    errors: list[tuple[str, str]] = []
    index = {s.name: n for n, s in enumerate(steps)}
    for n, step in enumerate(steps):
        at = f"/steps/{grade}/{n}"
        if step.gap_days < 0:
            errors.append((f"{at}/gap_days", "not negative"))
        if step.after is None:
            if step.gap_days:
                errors.append((f"{at}/gap_days", "a gap counts from the step named in `after`"))
            continue
        if step.after not in index:
            known = ", ".join(index)
            errors.append((f"{at}/after", f"unknown step `{step.after}`; the steps of {grade}: {known}"))
            continue
        chain: list[str] = [step.name]
        seen: str | None = step.after
        while seen is not None and seen not in chain and seen in index:
            chain.append(seen)
            seen = steps[index[seen]].after
        if seen == step.name:
            cycle = " → ".join([*chain, step.name])
            errors.append((f"{at}/after", f"a cycle of presuppositions: {cycle}"))
        elif index[step.after] > n:
            errors.append(
                (
                    f"{at}/after",
                    f"`{step.after}` comes after `{step.name}`: a step presupposes an earlier one",
                )
            )
    return errors
