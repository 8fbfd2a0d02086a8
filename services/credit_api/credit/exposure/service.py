"""A customer's standing: limit in force and exposure, the same figures for checks and for people."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.credit.errors import CustomerNotFound
from services.credit_api.credit.exposure import repository
from services.credit_api.credit.exposure.schemas import AlertOut, ExposureOut, IndicatorOut
from services.credit_api.credit.fx_rates.service import Converter, rates_for
from services.credit_api.kernel.settings import ApiSettings
from shared.domain import credit, credit_groups, fx
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
    # The customer's credit group and its ancestors, nearest first, when a decision weighs them.
    groups: tuple[credit.GroupStanding, ...] = ()

    @property
    def effective_limit(self) -> Decimal | None:
        return credit.effective_limit(self.limit, self.today)


@dataclass
class GroupBook:
    """The credit groups of some customers as decisions weigh them: each group's limit and its
    exposure in its own currency, kept current as decisions of a batch reserve."""

    tree: dict[str, credit_groups.Group]
    limits: dict[str, credit.CreditLimit | None]
    exposure: dict[str, Decimal | None]
    of: dict[str, str]
    rates: fx.Rates = field(default_factory=dict)

    def standings(self, customer_code: str, currency: str, held: Decimal) -> tuple[credit.GroupStanding, ...]:
        """The customer's group and its ancestors, nearest first, as an order of it meets them;
        `held`: what the order's own live reservation holds now (credit currency `currency`),
        which the order replaces rather than adds to."""
        found: list[credit.GroupStanding] = []
        for code, rate in self._chain(customer_code, currency):
            exposed = self.exposure[code]
            if exposed is None:
                raise MissingFxRate(
                    f"the exposure of credit group {code} needs an exchange rate the table lacks",
                    group=code,
                )
            group = self.tree[code]
            found.append(
                credit.GroupStanding(code, group.currency, self.limits[code], exposed - held * rate, rate)
            )
        return tuple(found)

    def reserve(self, customer_code: str, currency: str, change: Decimal) -> None:
        """An order of the customer holds `change` more (credit currency) than before."""
        for code, rate in self._chain(customer_code, currency):
            exposed = self.exposure[code]
            if exposed is not None:
                self.exposure[code] = exposed + change * rate

    def _chain(self, customer_code: str, currency: str) -> list[tuple[str, Decimal]]:
        code = self.of.get(customer_code)
        if code is None:
            return []
        return [
            (found, fx.rate(self.rates, currency, self.tree[found].currency))
            for found in credit_groups.chain(self.tree, code)
        ]


async def group_book(
    session: AsyncSession,
    customers: Sequence[str],
    groups: Sequence[str],
    now: datetime,
    *,
    net_unallocated_cash: bool,
    rates: dict[date, fx.Rates] | None = None,
) -> GroupBook | None:
    """The book of the customers' credit groups and of `groups` with their ancestors (the only
    groups it holds), unlocked; None when there are none."""
    figures = await repository.group_figures(session, customers, groups, now, lock=False)
    return await book_of(session, figures, now.date(), net_unallocated_cash=net_unallocated_cash, rates=rates)


async def book_of(
    session: AsyncSession,
    figures: repository.GroupFigures | None,
    day: date,
    *,
    net_unallocated_cash: bool,
    rates: dict[date, fx.Rates] | None = None,
    credit_currencies: Collection[str] = (),
) -> GroupBook | None:
    """The book of `figures` (see `repository.group_figures`) for customers of `credit_currencies`;
    rates are read only when more than one currency meets, and shared through `rates` (by day)
    with the transaction's converters."""
    if figures is None:
        return None
    tree = {code: credit_groups.Group(code, row.currency, row.parent) for code, row in figures.groups.items()}
    currencies = {g.currency for g in tree.values()} | {p.currency for p in figures.parts}
    currencies |= set(credit_currencies)
    currencies |= {i.currency for i in figures.invoiced} | {
        c for i in figures.invoiced for c, _ in i.invoiced
    }
    known: fx.Rates = {}
    if len(currencies) > 1:
        shared = {} if rates is None else rates
        if day not in shared:
            shared[day] = await rates_for(session, day, None)
        known = shared[day]
    parts = credit_groups.contributions(
        figures.parts, figures.invoiced, known, net_unallocated_cash=net_unallocated_cash
    )
    return GroupBook(
        tree,
        {
            code: None
            if row.limit_amount is None
            else credit.CreditLimit(
                row.limit_amount,
                row.limit_valid_until,
                [credit.TemporaryIncrease(*t) for t in row.temporary],
            )
            for code, row in figures.groups.items()
        },
        credit_groups.exposures(tree, parts, known),
        figures.of,
        known,
    )


lock_groups = repository.lock_groups


async def standing(
    session: AsyncSession,
    customer_code: str,
    now: datetime,
    *,
    net_unallocated_cash: bool,
    excluding_order: str | None = None,
    groups: bool = False,
) -> Standing:
    """Everything in the credit currency. `excluding_order` leaves out that order's own
    reservation, which a new check for the same order replaces rather than adds to. With `groups`,
    the standing of the customer's credit groups too, for a decision. Callers that decide on it
    lock the customer (which locks its groups first: `customers.repository.get`) (credit checks lock
    theirs in `check_batch_open`)."""
    snap = await repository.snapshot(session, customer_code, now, excluding_order=excluding_order)
    if snap is None:
        raise CustomerNotFound(f"customer {customer_code} does not exist", customer_code=customer_code)
    rates: dict[date, fx.Rates] = {}
    convert = Converter(session, now.date(), snap.currency, rates)
    found = await standing_of(snap, now, convert, net_unallocated_cash=net_unallocated_cash)
    if not groups:
        return found
    figures = await repository.group_figures(session, [customer_code], [], now, lock=False)
    book = await book_of(
        session,
        figures,
        now.date(),
        net_unallocated_cash=net_unallocated_cash,
        rates=rates,
        credit_currencies=[snap.currency],
    )
    if book is None:
        return found
    held = Decimal(0)
    if excluding_order is not None:
        mine = await repository.reservation_of(session, customer_code, excluding_order, now)
        if mine is not None:
            held = await remaining(*mine, convert)
    return replace(found, groups=book.standings(customer_code, snap.currency, held))


async def remaining(amount: Decimal, invoiced: Sequence[tuple[str, Decimal]], convert: Converter) -> Decimal:
    """What a live reservation of `amount` still holds once the order's invoices consume it."""
    consumed = sum([await convert(value, currency) for currency, value in invoiced], Decimal(0))
    return reservation_remaining(amount, consumed)


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
    for currency, amount in snap.reserved:
        reserved += await convert(amount, currency)
    for _, amount, invoiced in snap.reservations:
        reserved += await remaining(amount, invoiced, convert)
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
            groups=standing.groups,
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
