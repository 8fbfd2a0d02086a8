"""Credit insurance: what of an exposure an insurer would pay. A customer is covered up to the
limit the insurer granted it by name, or, without one, up to the policy's discretionary limit (the
most the firm may insure on its own judgement); the insurer pays the indemnity percentage of the
covered part. The rest is uninsured. Expected loss: uninsured exposure × probability of default ×
loss given default."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True)
class Insured:
    exposure: Decimal
    cover: Decimal
    insured: Decimal  # what the insurer would pay
    uninsured: Decimal
    over_cover: Decimal  # exposure beyond the cover


def insured(exposure: Decimal, cover: Decimal, indemnity: Decimal) -> Insured:
    owed = max(exposure, ZERO)
    covered = min(owed, max(cover, ZERO))
    paid = covered * indemnity
    return Insured(exposure, cover, paid, owed - paid, max(owed - max(cover, ZERO), ZERO))


def expected_loss(
    uninsured: Decimal, probability_of_default: Decimal, loss_given_default: Decimal
) -> Decimal:
    return max(uninsured, ZERO) * probability_of_default * loss_given_default
