"""The credit decision: pure rules over a customer's limit, exposure and payment standing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from shared.domain.exposure import utilisation
from shared.domain.insurance import insured
from shared.domain.money import format_amount, round_money
from shared.domain.warnings import Level


class Decision(StrEnum):
    APPROVED = "approved"
    HELD = "held"


class ReasonCode(StrEnum):
    CUSTOMER_BLOCKED = "customer_blocked"
    NO_VALID_LIMIT = "no_valid_limit"
    OVERDUE = "overdue"
    CRITICAL_WARNING = "critical_warning"
    LIMIT_EXCEEDED = "limit_exceeded"
    GROUP_LIMIT_EXCEEDED = "group_limit_exceeded"
    NEAR_LIMIT = "near_limit"
    UNINSURED_EXPOSURE = "uninsured_exposure"


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TemporaryIncrease:
    amount: Decimal
    valid_from: date
    valid_until: date

    def active_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_until


@dataclass(frozen=True)
class CreditLimit:
    """The permanent limit with its validity, and the temporary increases granted on top."""

    amount: Decimal
    valid_until: date | None = None
    temporary: Sequence[TemporaryIncrease] = ()

    def valid_on(self, day: date) -> bool:
        return self.valid_until is None or day <= self.valid_until


@dataclass(frozen=True)
class GroupStanding:
    """A credit group the customer belongs to (directly or through a sub-group) as an order meets
    it: its limit and its exposure before the order in its own currency, and how many units of
    that currency one unit of the customer's credit currency makes."""

    code: str
    currency: str
    limit: CreditLimit | None
    exposure: Decimal
    rate: Decimal = Decimal(1)


@dataclass(frozen=True)
class CheckPolicy:
    """Knobs a credit manager sets; defaults follow common practice."""

    limit_tolerance: Decimal = Decimal("0")
    near_limit_ratio: Decimal = Decimal("0.90")
    overdue_tolerance_days: int = 30
    max_overdue_share: Decimal = Decimal("0.50")


@dataclass(frozen=True)
class CheckInput:
    amount: Decimal
    currency: str
    exposure: Decimal
    limit: CreditLimit | None
    blocked: bool
    today: date
    block_reason: str | None = None
    max_days_past_due: int = 0
    overdue_share: Decimal = Decimal(0)
    # The customer's early-warning level, and whether the warning policy holds orders at it.
    warning_level: Level = Level.NORMAL
    warning_holds: bool = False
    # With `max_uninsured` (credit currency): orders that would leave more than it uninsured by the
    # customer's credit insurance cover are held.
    cover: Decimal = Decimal(0)
    indemnity: Decimal = Decimal(0)
    max_uninsured: Decimal | None = None
    # The customer's credit group and every ancestor, nearest first: each limit must hold too.
    groups: Sequence[GroupStanding] = ()


@dataclass(frozen=True)
class CheckResult:
    decision: Decision
    reasons: tuple[Reason, ...]
    effective_limit: Decimal | None
    exposure_before: Decimal
    exposure_after: Decimal
    available_after: Decimal | None


def effective_limit(limit: CreditLimit | None, day: date) -> Decimal | None:
    """The permanent limit plus the temporary increases active on `day`; None when no permanent
    limit is in force, since an increase on nothing is not a limit."""
    if limit is None or not limit.valid_on(day):
        return None
    return limit.amount + sum((t.amount for t in limit.temporary if t.active_on(day)), Decimal(0))


def decide(check: CheckInput, policy: CheckPolicy = CheckPolicy()) -> CheckResult:
    """Apply the rules in their fixed order; the first hold reason decides."""
    exposure_after = check.exposure + check.amount
    limit = effective_limit(check.limit, check.today)
    available_after = None if limit is None else limit - exposure_after
    cur = check.currency

    def result(decision: Decision, *reasons: Reason) -> CheckResult:
        return CheckResult(decision, reasons, limit, check.exposure, exposure_after, available_after)

    if check.blocked:
        return result(
            Decision.HELD,
            Reason(
                ReasonCode.CUSTOMER_BLOCKED,
                "The customer is blocked for credit"
                + (f": {check.block_reason}" if check.block_reason else ""),
            ),
        )
    if limit is None:
        return result(
            Decision.HELD, Reason(ReasonCode.NO_VALID_LIMIT, "The customer has no credit limit in force")
        )
    too_late = check.max_days_past_due > policy.overdue_tolerance_days
    too_much = check.overdue_share > policy.max_overdue_share
    if too_late or too_much:
        return result(
            Decision.HELD,
            Reason(
                ReasonCode.OVERDUE,
                f"Overdue receivables: oldest {check.max_days_past_due} days past due "
                f"(tolerance {policy.overdue_tolerance_days}), "
                f"{check.overdue_share:.0%} of open receivables overdue "
                f"(tolerance {policy.max_overdue_share:.0%})",
                {
                    "max_days_past_due": check.max_days_past_due,
                    "overdue_share": check.overdue_share.quantize(Decimal("0.0001")),
                    "tolerance_days": policy.overdue_tolerance_days,
                },
            ),
        )
    if check.warning_holds:
        return result(
            Decision.HELD,
            Reason(
                ReasonCode.CRITICAL_WARNING,
                f"The customer is at early-warning level {check.warning_level.label}",
                {"warning_level": check.warning_level.label},
            ),
        )
    ceiling = limit * (1 + policy.limit_tolerance)
    if exposure_after > ceiling:
        shortfall = exposure_after - ceiling
        return result(
            Decision.HELD,
            Reason(
                ReasonCode.LIMIT_EXCEEDED,
                "Exposure after this order would exceed the credit limit by "
                f"{format_amount(shortfall, cur)} {cur}",
                {"shortfall": shortfall},
            ),
        )
    over = group_breaches(check.groups, check.amount, check.today, policy.limit_tolerance)
    if over:
        return result(Decision.HELD, *over)
    if check.max_uninsured is not None:
        covered = insured(exposure_after, check.cover, check.indemnity)
        if covered.uninsured > check.max_uninsured:
            return result(
                Decision.HELD,
                Reason(
                    ReasonCode.UNINSURED_EXPOSURE,
                    f"Uninsured exposure after this order would be {format_amount(covered.uninsured, cur)} "
                    f"{cur}, above the {format_amount(check.max_uninsured, cur)} {cur} allowed",
                    {"uninsured": covered.uninsured, "threshold": check.max_uninsured, "cover": check.cover},
                ),
            )
    if limit > 0 and exposure_after / limit >= policy.near_limit_ratio:
        used = utilisation(exposure_after, limit)
        return result(
            Decision.APPROVED,
            Reason(
                ReasonCode.NEAR_LIMIT,
                f"Utilisation after this order is {used:.0%} of the limit",
                {"utilisation": used},
            ),
        )
    return result(Decision.APPROVED)


def group_breaches(
    groups: Sequence[GroupStanding], amount: Decimal, today: date, tolerance: Decimal = Decimal(0)
) -> list[Reason]:
    """Each group (nearest first) whose limit an order of `amount` (the customer's credit currency)
    would exceed, with the group, its limit and its exposure before and after, in its currency. A
    group with no limit set constrains nothing (it may exist for reporting alone); one whose limit
    has lapsed allows nothing more, as a customer's would."""
    found: list[Reason] = []
    for group in groups:
        if group.limit is None:
            continue
        limit = effective_limit(group.limit, today) or Decimal(0)
        after = group.exposure + amount * group.rate
        ceiling = limit * (1 + tolerance)
        if after <= ceiling:
            continue
        cur = group.currency
        lapsed = not group.limit.valid_on(today)
        found.append(
            Reason(
                ReasonCode.GROUP_LIMIT_EXCEEDED,
                f"The limit of credit group {group.code} lapsed on {group.limit.valid_until}"
                if lapsed
                else f"Exposure of credit group {group.code} after this order would exceed its limit "
                f"by {format_amount(after - ceiling, cur)} {cur}",
                {
                    "group": group.code,
                    "currency": cur,
                    "limit": round_money(limit, cur),
                    "exposure_before": round_money(group.exposure, cur),
                    "exposure_after": round_money(after, cur),
                    "shortfall": round_money(after - ceiling, cur),
                },
            )
        )
    return found
