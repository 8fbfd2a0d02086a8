"""The credit decision: pure rules over a customer's limit and exposure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from shared.money import format_amount


class Decision(StrEnum):
    APPROVED = "approved"
    HELD = "held"


class ReasonCode(StrEnum):
    CUSTOMER_BLOCKED = "customer_blocked"
    NO_VALID_LIMIT = "no_valid_limit"
    LIMIT_EXCEEDED = "limit_exceeded"
    NEAR_LIMIT = "near_limit"


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CreditLimit:
    amount: Decimal
    valid_until: date | None = None

    def valid_on(self, day: date) -> bool:
        return self.valid_until is None or day <= self.valid_until


@dataclass(frozen=True)
class CheckPolicy:
    """Knobs a credit manager sets; defaults follow common practice."""

    limit_tolerance: Decimal = Decimal("0")
    near_limit_ratio: Decimal = Decimal("0.90")


@dataclass(frozen=True)
class CheckInput:
    amount: Decimal
    currency: str
    exposure: Decimal
    limit: CreditLimit | None
    blocked: bool
    today: date
    block_reason: str | None = None


@dataclass(frozen=True)
class CheckResult:
    decision: Decision
    reasons: tuple[Reason, ...]
    effective_limit: Decimal | None
    exposure_before: Decimal
    exposure_after: Decimal
    available_after: Decimal | None


def effective_limit(limit: CreditLimit | None, today: date) -> Decimal | None:
    """The limit in force today, or None when there is none or it has lapsed."""
    if limit is None or not limit.valid_on(today):
        return None
    return limit.amount


def decide(check: CheckInput, policy: CheckPolicy = CheckPolicy()) -> CheckResult:
    """Apply the rules in their fixed order; the first hold reason decides."""
    exposure_after = check.exposure + check.amount
    limit = effective_limit(check.limit, check.today)
    available_after = None if limit is None else limit - exposure_after

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
    ceiling = limit * (1 + policy.limit_tolerance)
    if exposure_after > ceiling:
        shortfall = exposure_after - ceiling
        return result(
            Decision.HELD,
            Reason(
                ReasonCode.LIMIT_EXCEEDED,
                f"Exposure after this order would exceed the credit limit by "
                f"{format_amount(shortfall, check.currency)} {check.currency}",
                {"shortfall": shortfall},
            ),
        )
    reasons: list[Reason] = []
    if limit > 0 and exposure_after / limit >= policy.near_limit_ratio:
        reasons.append(
            Reason(
                ReasonCode.NEAR_LIMIT,
                f"Utilisation after this order is {exposure_after / limit:.0%} of the limit",
                {"utilisation": (exposure_after / limit).quantize(Decimal("0.0001"))},
            )
        )
    return result(Decision.APPROVED, *reasons)


def over_limit(exposure: Decimal, limit: CreditLimit | None, today: date) -> bool:
    """Whether exposure stands above the limit in force; no limit in force is not a breach."""
    in_force = effective_limit(limit, today)
    return in_force is not None and exposure > in_force
