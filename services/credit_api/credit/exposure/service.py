"""A customer's standing: limit in force and exposure, the same figures for checks and for people."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.credit.errors import CustomerNotFound
from services.credit_api.credit.exposure import repository
from services.credit_api.credit.exposure.schemas import AlertOut, ExposureOut, IndicatorOut
from services.credit_api.credit.fx_rates.service import Converter
from services.credit_api.kernel.settings import ApiSettings
from shared.domain import credit, fx
from shared.domain.errors import MissingFxRate
from shared.domain.exposure import Exposure, reservation_remaining, utilisation
from shared.domain.money import format_amount
from shared.domain.warnings import Level

ZERO = Decimal(0)


@dataclass(frozen=True)
class Standing:
    customer_code: str
    currency: str
    blocked: bool
    block_reason: str | None
    limit: credit.CreditLimit | None
    exposure: Exposure
    today: date
    order_hold_open: bool = False
    warning_level: Level = Level.NORMAL
    warning_holds: bool = False

    @property
    def effective_limit(self) -> Decimal | None:
        return credit.effective_limit(self.limit, self.today)


async def standing(
    session: AsyncSession,
    customer_code: str,
    now: datetime,
    *,
    net_unallocated_cash: bool,
    excluding_order: str | None = None,
) -> Standing:
    """Everything in the credit currency. `excluding_order` leaves out that order's own
    reservation, which a new check for the same order replaces rather than adds to. Callers that
    decide on it lock the customer first (credit checks lock theirs in `batch_snapshot`)."""
    snap = await repository.snapshot(session, customer_code, now, excluding_order=excluding_order)
    if snap is None:
        raise CustomerNotFound(f"customer {customer_code} does not exist", customer_code=customer_code)
    return await standing_of(
        snap, now, Converter(session, now.date(), snap.currency), net_unallocated_cash=net_unallocated_cash
    )


async def standings(
    session: AsyncSession, codes: Sequence[str], now: datetime, *, net_unallocated_cash: bool
) -> dict[str, Standing | None]:
    """`standing` of many customers (a list's page) in one round trip; None for a customer whose
    receivables need an exchange rate the table lacks."""
    snaps = await repository.snapshots(session, codes, now)
    rates: dict[date, fx.Rates] = {}
    found: dict[str, Standing | None] = {}
    for code, snap in snaps.items():
        try:
            found[code] = await standing_of(
                snap,
                now,
                Converter(session, now.date(), snap.currency, rates),
                net_unallocated_cash=net_unallocated_cash,
            )
        except MissingFxRate:
            found[code] = None
    return found


@dataclass(frozen=True)
class Figures:
    """What a person reads of a customer's standing in a list or on its page: the check's figures."""

    exposure: Decimal
    limit: Decimal | None
    available: Decimal | None
    utilisation: Decimal | None
    days_past_due: int


def figures(standing: Standing) -> Figures:
    total, limit = standing.exposure.total, standing.effective_limit
    return Figures(
        exposure=total,
        limit=limit,
        available=None if limit is None else limit - total,
        utilisation=utilisation(total, limit),
        days_past_due=standing.exposure.max_days_past_due(standing.today),
    )


async def standing_of(
    snap: repository.Snapshot, now: datetime, convert: Converter, *, net_unallocated_cash: bool
) -> Standing:
    """The standing a snapshot describes, converted into the customer's credit currency."""
    today = now.date()
    open_receivables = overdue = cash = Decimal(0)
    oldest: date | None = None
    for currency, open_amount, overdue_amount, oldest_due, unallocated in snap.receivables:
        open_receivables += await convert(open_amount, currency)
        overdue += await convert(overdue_amount, currency)
        cash += await convert(unallocated, currency)
        if oldest_due is not None and (oldest is None or oldest_due < oldest):
            oldest = oldest_due
    reserved = Decimal(0)
    for _, amount, invoiced in snap.reservations:
        consumed = sum([await convert(value, currency) for currency, value in invoiced], Decimal(0))
        reserved += reservation_remaining(amount, consumed)
    exposure = Exposure(
        open_receivables=convert.rounded(open_receivables),
        overdue_receivables=convert.rounded(overdue),
        reserved_orders=convert.rounded(reserved),
        unallocated_cash=convert.rounded(cash),
        oldest_overdue_due_date=oldest,
        net_unallocated_cash=net_unallocated_cash,
    )
    limit = (
        None
        if snap.limit_amount is None
        else credit.CreditLimit(
            snap.limit_amount, snap.limit_valid_until, [credit.TemporaryIncrease(*t) for t in snap.temporary]
        )
    )
    return Standing(
        snap.customer_code,
        snap.currency,
        snap.blocked,
        snap.block_reason,
        limit,
        exposure,
        today,
        snap.order_hold_open,
        Level(snap.warning_level),
        snap.warning_holds,
    )


async def judge(
    session: AsyncSession, standing: Standing, amount: Decimal, settings: ApiSettings
) -> credit.CheckResult:
    """The credit rules applied to an order of `amount` (credit currency) against this standing,
    with the customer's insurance cover when uninsured exposure is limited."""
    if settings.max_uninsured_exposure is None:
        return decide(standing, amount, settings.policy)
    convert = Converter(session, standing.today, standing.currency)
    named, default = await repository.covers_on(session, standing.today, standing.customer_code)
    chosen = named.get(standing.customer_code, default)
    cover = ZERO if chosen is None else await convert(chosen.amount, chosen.currency)
    indemnity = ZERO if chosen is None else chosen.indemnity
    threshold = await convert(settings.max_uninsured_exposure, settings.authority_currency)
    return decide(standing, amount, settings.policy, (cover, indemnity, threshold))


def decide(
    standing: Standing,
    amount: Decimal,
    policy: credit.CheckPolicy,
    insured: tuple[Decimal, Decimal, Decimal] | None = None,
) -> credit.CheckResult:
    """The credit rules applied to an order of `amount` (credit currency) against this standing;
    `insured`: cover, indemnity and the most that may stay uninsured (credit currency)."""
    exposure, today = standing.exposure, standing.today
    cover, indemnity, max_uninsured = insured or (ZERO, ZERO, None)
    return credit.decide(
        credit.CheckInput(
            amount=amount,
            currency=standing.currency,
            exposure=exposure.total,
            limit=standing.limit,
            blocked=standing.blocked,
            block_reason=standing.block_reason,
            today=today,
            max_days_past_due=exposure.max_days_past_due(today),
            overdue_share=exposure.overdue_share,
            warning_level=standing.warning_level,
            warning_holds=standing.warning_holds,
            cover=cover,
            indemnity=indemnity,
            max_uninsured=max_uninsured,
        ),
        policy,
    )


async def view(session: AsyncSession, standing: Standing) -> ExposureOut:
    cur = standing.currency
    exposure = standing.exposure
    limit = standing.effective_limit
    used = utilisation(exposure.total, limit)
    alert = await repository.open_alert(session, standing.customer_code)
    warning = await repository.warning(session, standing.customer_code)
    causes, indicators = warning or ([], {})
    return ExposureOut(
        customer_code=standing.customer_code,
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
        blocked=standing.blocked,
        block_reason=standing.block_reason,
        warning_level=standing.warning_level.label,
        warning_causes=causes,
        warning_indicators=[
            IndicatorOut(indicator=name, value=state["value"], level=state["level"])
            for name, state in sorted(indicators.items())
            if state["level"] != Level.NORMAL.label
        ],
        alerts=[] if alert is None else [AlertOut(id=alert.id, level=alert.level, status=alert.status)],
    )
