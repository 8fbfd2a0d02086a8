"""A customer's standing: limit in force and exposure, the same figures for checks and for people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.customers import repository as customers
from services.credit_api.exposure import repository
from services.credit_api.exposure.schemas import AlertOut, ExposureOut
from services.credit_api.fx_rates.service import Converter
from shared import credit
from shared.exposure import Exposure, reservation_remaining, utilisation
from shared.models.credit_api import Customer
from shared.money import format_amount


@dataclass(frozen=True)
class Standing:
    customer: Customer
    limit: credit.CreditLimit | None
    exposure: Exposure
    today: date

    @property
    def effective_limit(self) -> Decimal | None:
        return credit.effective_limit(self.limit, self.today)


async def limit_of(session: AsyncSession, customer_code: str, today: date) -> credit.CreditLimit | None:
    permanent = await customers.current_limit(session, customer_code)
    if permanent is None:
        return None
    temporary = await repository.temporary_limits(session, customer_code, today)
    return credit.CreditLimit(
        permanent.amount,
        permanent.valid_until,
        [credit.TemporaryIncrease(t.amount, t.valid_from, t.valid_until) for t in temporary],
    )


async def standing(
    session: AsyncSession,
    customer: Customer,
    now: datetime,
    *,
    net_unallocated_cash: bool,
    excluding_order: str | None = None,
) -> Standing:
    """Everything in the credit currency. `excluding_order` leaves out that order's own reservation,
    which a new check for the same order replaces rather than adds to."""
    today = now.date()
    code = customer.customer_code
    convert = Converter(session, today, customer.currency)
    open_receivables = overdue = cash = Decimal(0)
    oldest: date | None = None
    for currency, open_amount, overdue_amount, oldest_due, unallocated in await repository.receivables(
        session, code
    ):
        open_receivables += await convert(open_amount, currency)
        overdue += await convert(overdue_amount, currency)
        cash += await convert(unallocated, currency)
        if oldest_due is not None and (oldest is None or oldest_due < oldest):
            oldest = oldest_due
    reservations = [
        r for r in await repository.live_reservations(session, code, now) if r.order_ref != excluding_order
    ]
    invoiced: dict[str, Decimal] = {}
    for order_ref, currency, amount in await repository.invoiced(
        session, code, {r.order_ref for r in reservations}
    ):
        invoiced[order_ref] = invoiced.get(order_ref, Decimal(0)) + await convert(amount, currency)
    reserved = sum(
        (reservation_remaining(r.amount, invoiced.get(r.order_ref, Decimal(0))) for r in reservations),
        Decimal(0),
    )
    exposure = Exposure(
        open_receivables=convert.rounded(open_receivables),
        overdue_receivables=convert.rounded(overdue),
        reserved_orders=convert.rounded(reserved),
        unallocated_cash=convert.rounded(cash),
        oldest_overdue_due_date=oldest,
        net_unallocated_cash=net_unallocated_cash,
    )
    return Standing(customer, await limit_of(session, code, today), exposure, today)


LEVELS = ("watch", "warning", "critical")


async def view(session: AsyncSession, standing: Standing) -> ExposureOut:
    cur = standing.customer.currency
    exposure = standing.exposure
    limit = standing.effective_limit
    used = utilisation(exposure.total, limit)
    alerts = await repository.alert_levels(session, standing.customer.customer_code)
    levels = [lv for _, lv in alerts if lv in LEVELS]
    return ExposureOut(
        customer_code=standing.customer.customer_code,
        currency=cur,
        open_receivables=format_amount(exposure.open_receivables, cur),
        overdue_receivables=format_amount(exposure.overdue_receivables, cur),
        reserved_orders=format_amount(exposure.reserved_orders, cur),
        unallocated_cash=format_amount(exposure.unallocated_cash, cur),
        net_unallocated_cash=exposure.net_unallocated_cash,
        exposure=format_amount(exposure.total, cur),
        effective_limit=None if limit is None else format_amount(limit, cur),
        available=None if limit is None else format_amount(limit - exposure.total, cur),
        utilisation=None if used is None else f"{used:f}",
        max_days_past_due=exposure.max_days_past_due(standing.today),
        blocked=standing.customer.blocked,
        block_reason=standing.customer.block_reason,
        warning_level=max(levels, key=LEVELS.index) if levels else None,
        alerts=[AlertOut(kind=k, level=lv) for k, lv in alerts],
    )


def decide(standing: Standing, amount: Decimal, policy: credit.CheckPolicy) -> credit.CheckResult:
    """The credit rules applied to an order of `amount` (credit currency) against this standing."""
    customer, exposure, today = standing.customer, standing.exposure, standing.today
    return credit.decide(
        credit.CheckInput(
            amount=amount,
            currency=customer.currency,
            exposure=exposure.total,
            limit=standing.limit,
            blocked=customer.blocked,
            block_reason=customer.block_reason,
            today=today,
            max_days_past_due=exposure.max_days_past_due(today),
            overdue_share=exposure.overdue_share,
        ),
        policy,
    )
