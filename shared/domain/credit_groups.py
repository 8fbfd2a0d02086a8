"""Credit groups: a parent company and its subsidiaries share a limit. Groups form a tree of any
depth; a customer belongs to at most one group; a group's exposure is what its members and its
sub-groups' members owe and have reserved, each currency's sum converted straight into the group's
currency. An order passes only if the
customer's own limit and every ancestor group's limit hold after it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from shared.domain import fx
from shared.domain.errors import InvalidInput, MissingFxRate
from shared.domain.exposure import reservation_remaining

ZERO = Decimal(0)


class InvalidGroupTree(InvalidInput):
    code = "invalid-credit-group"
    title = "Invalid credit group"


@dataclass(frozen=True)
class Group:
    code: str
    currency: str
    parent: str | None = None


def chain(groups: Mapping[str, Group], code: str) -> list[str]:
    """The group and its ancestors, nearest first (the tree is valid: see `validate`)."""
    found = [code]
    parent = groups[code].parent
    while parent is not None:
        found.append(parent)
        parent = groups[parent].parent
    return found


def under(groups: Mapping[str, Group], code: str) -> set[str]:
    """The group and every group below it: all whose members its exposure counts."""
    found = {code}
    grown = True
    while grown:
        more = {g.code for g in groups.values() if g.parent in found} - found
        found |= more
        grown = bool(more)
    return found


def lock_order(groups: Mapping[str, Group], codes: Iterable[str]) -> list[str]:
    """The groups of `codes` and all their ancestors, each once, ancestors before descendants and
    otherwise by code: every transaction that takes group locks in this order takes them without
    deadlock, however its customers' groups overlap another's."""
    depth: dict[str, int] = {}
    for code in codes:
        for n, found in enumerate(reversed(chain(groups, code))):
            depth[found] = n
    return sorted(depth, key=lambda c: (depth[c], c))


def validate(groups: Mapping[str, Group], changed: Group) -> None:
    """`changed` as it would be stored among `groups`: its parent known, and no cycle through it.
    Raises with a JSON pointer to the field at fault."""
    if changed.parent is None:
        return
    if changed.parent == changed.code:
        raise InvalidGroupTree.at("/parent", f"a group cannot be its own parent: {changed.code}")
    if changed.parent not in groups:
        raise InvalidGroupTree.at("/parent", f"unknown parent group `{changed.parent}`")
    seen = [changed.code]
    parent: str | None = changed.parent
    while parent is not None:
        seen.append(parent)
        if parent == changed.code:
            raise InvalidGroupTree.at("/parent", f"a cycle of parent groups: {' → '.join(seen)}")
        parent = groups[parent].parent if parent in groups else None


@dataclass(frozen=True)
class Part:
    """What a group's own members add to its exposure in one currency, as the credit check counts
    a customer's: their open receivables, their unallocated cash, or their live reservations not
    invoiced yet."""

    group: str
    kind: str  # open, cash or reserved
    currency: str
    amount: Decimal


@dataclass(frozen=True)
class Invoiced:
    """A member's live reservation that invoices have begun to consume: it holds what remains."""

    group: str
    amount: Decimal
    currency: str
    invoiced: Sequence[tuple[str, Decimal]]


def contributions(
    parts: Iterable[Part], invoiced: Iterable[Invoiced], rates: fx.Rates, *, net_unallocated_cash: bool
) -> list[tuple[str, Decimal | None, str]]:
    """(group, signed amount, currency) of each part, for `exposures`: open receivables and
    reservations add, cash on account subtracts when the policy nets it (as a customer's exposure
    does); a partly invoiced reservation adds its remainder, unknown (None) when an invoice's
    currency has no rate into the reservation's."""
    found: list[tuple[str, Decimal | None, str]] = []
    for part in parts:
        if part.kind == "cash":
            if net_unallocated_cash:
                found.append((part.group, -part.amount, part.currency))
        else:
            found.append((part.group, part.amount, part.currency))
    for held in invoiced:
        try:
            consumed = sum(
                (fx.convert(amount, cur, held.currency, rates) for cur, amount in held.invoiced), ZERO
            )
        except MissingFxRate:
            found.append((held.group, None, held.currency))
            continue
        found.append((held.group, reservation_remaining(held.amount, consumed), held.currency))
    return found


def exposures(
    groups: Mapping[str, Group],
    members: Iterable[tuple[str, Decimal | None, str]],
    rates: fx.Rates,
) -> dict[str, Decimal | None]:
    """group → exposure in its own currency, unrounded, from (group, amount, currency) of what each
    group's own members add (`contributions`): each counts in its group and in every ancestor,
    converted once, straight into each one's currency, so no rounding or cross rate compounds up
    the tree. An amount unknown (None), or in a currency no rate reaches, leaves its groups'
    exposure unknown: never counted as nothing."""
    found: dict[str, Decimal | None] = dict.fromkeys(groups, ZERO)
    for group, amount, currency in members:
        for code in chain(groups, group):
            so_far = found[code]
            if so_far is None:
                continue
            try:
                found[code] = (
                    None
                    if amount is None
                    else so_far + fx.convert(amount, currency, groups[code].currency, rates)
                )
            except MissingFxRate:
                found[code] = None
    return found


def worst_levels(groups: Mapping[str, Group], members: Iterable[tuple[str, int]]) -> dict[str, int]:
    """group → the worst early-warning level (0 normal … 3 critical) among the members of it and of
    every group below it, from (group, level) of each member."""
    found = dict.fromkeys(groups, 0)
    for group, level in members:
        for code in chain(groups, group):
            found[code] = max(found[code], level)
    return found


def weighted_scores(
    groups: Mapping[str, Group],
    members: Iterable[tuple[str, Decimal, Decimal, str]],
    rates: fx.Rates,
) -> dict[str, Decimal | None]:
    """group → its members' scores (of it and of every group below it) weighted by their exposure,
    from (group, score, exposure, currency) of each scored member: the larger debtor weighs more,
    as a lender weighs a group's risk. Exposure counts in the group's currency, below nothing (cash
    on account is not a weight); a group whose scored members owe nothing takes their plain mean.
    None for a group without a scored member; a member whose currency no rate reaches is left out
    of the groups it cannot be weighed in."""
    weighted: dict[str, list[tuple[Decimal, Decimal]]] = {code: [] for code in groups}
    for group, score, exposure, currency in members:
        for code in chain(groups, group):
            try:
                weight = fx.convert(max(exposure, ZERO), currency, groups[code].currency, rates)
            except MissingFxRate:
                continue
            weighted[code].append((score, weight))
    found: dict[str, Decimal | None] = {}
    for code, pairs in weighted.items():
        total = sum((w for _, w in pairs), ZERO)
        if not pairs:
            found[code] = None
        elif total == 0:
            found[code] = sum((s for s, _ in pairs), ZERO) / len(pairs)
        else:
            found[code] = sum((s * w for s, w in pairs), ZERO) / total
    return found
