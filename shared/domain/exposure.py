"""A customer's exposure and the figures derived from it, in the credit currency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Exposure:
    open_receivables: Decimal
    overdue_receivables: Decimal
    reserved_orders: Decimal
    unallocated_cash: Decimal
    oldest_overdue_due_date: date | None
    net_unallocated_cash: bool = True

    @property
    def total(self) -> Decimal:
        """Open receivables + live reservations, less cash on account when the policy nets it."""
        cash = self.unallocated_cash if self.net_unallocated_cash else Decimal(0)
        return self.open_receivables + self.reserved_orders - cash

    def max_days_past_due(self, today: date) -> int:
        return (
            0 if self.oldest_overdue_due_date is None else max((today - self.oldest_overdue_due_date).days, 0)
        )

    @property
    def overdue_share(self) -> Decimal:
        if self.open_receivables <= 0:
            return Decimal(0)
        return self.overdue_receivables / self.open_receivables


def reservation_remaining(reserved: Decimal, invoiced: Decimal) -> Decimal:
    """What an order still holds of its reservation once invoices for it have come in."""
    return max(reserved - invoiced, Decimal(0))


def utilisation(exposure: Decimal, limit: Decimal | None) -> Decimal | None:
    if limit is None or limit <= 0:
        return None
    return (exposure / limit).quantize(Decimal("0.0001"))
