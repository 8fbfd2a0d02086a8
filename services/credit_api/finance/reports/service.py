"""Finance reports as of any date, for one customer, a group (industry, country, grade, currency) or
the portfolio, in the reporting currency by the FX table of the as-of date (amounts in a currency
without a rate are left out and the currency listed, never guessed). The figures are the pure
core's (`shared/domain/dso.py`, `turnover.py`, `provisions.py`, `abc.py`); this module gathers
the ledger's sums for them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record, record_many
from services.credit_api.credit.customers import service as customers
from services.credit_api.credit.exposure import repository as covers
from services.credit_api.credit.fx_rates.service import Converter
from services.credit_api.finance.reports import repository
from services.credit_api.finance.reports.errors import NoSpecificProvision
from services.credit_api.finance.reports.tabular import Column, Table
from services.credit_api.kernel.principal import Principal
from services.credit_api.policies.scorecards.service import probabilities_of_default
from shared.domain import abc, dso, insurance, provisions, turnover
from shared.domain.ageing import Buckets
from shared.domain.behaviour import add_months
from shared.domain.errors import InvalidInput, MissingFxRate
from shared.domain.money import format_amount, parse_amount
from shared.domain.warnings import Level
from shared.models.credit_api import SpecificProvision
from shared.policy_documents import shipped

GroupBy = Literal["portfolio", "customer", "industry", "country", "grade", "currency"]
ZERO = Decimal(0)
DAYS = Decimal("0.1")
RATE = Decimal("0.000001")


@dataclass
class Groups:
    """Amounts summed per group, converted into the group's currency: the item's own when grouped by
    currency, else the reporting currency."""

    session: AsyncSession
    as_of: date
    group_by: GroupBy
    currency: str
    file: dict[str, tuple[str, str | None, str | None, str | None, str | None]]
    sums: dict[tuple[str, str], dict[str, Decimal]] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    customer: str | None = None
    _converters: dict[str, Converter] = field(default_factory=dict)
    _keys: dict[tuple[str, str], tuple[str, str] | None] = field(default_factory=dict)

    def key(self, code: str, item_currency: str) -> tuple[str, str] | None:
        if self.customer is not None and code != self.customer:
            return None
        if self.group_by == "currency":
            return item_currency, item_currency
        attributes = self.file.get(code, (None, None, None, None, None))
        name = {
            "portfolio": "portfolio",
            "customer": code,
            "industry": attributes[1],
            "country": attributes[2],
            "grade": attributes[3],
        }[self.group_by]
        return name or "(none)", self.currency

    async def value(self, amount: Decimal, item_currency: str, target: str) -> Decimal | None:
        convert = self._converters.setdefault(target, Converter(self.session, self.as_of, target))
        try:
            return await convert(amount, item_currency)
        except MissingFxRate:
            self.missing.add(item_currency)
            return None

    async def add(self, figure: str, code: str, item_currency: str, amount: Decimal) -> None:
        # Called once per row of a million-item scan: the group of a (customer, currency) is
        # worked out once, and an amount already in the group's currency is not converted.
        try:
            key = self._keys[code, item_currency]
        except KeyError:
            key = self._keys[code, item_currency] = self.key(code, item_currency)
        if key is None:
            return
        value = amount if item_currency == key[1] else await self.value(amount, item_currency, key[1])
        if value is not None:
            figures = self.sums.get(key)
            if figures is None:
                figures = self.sums[key] = defaultdict(lambda: ZERO)
            figures[figure] += value

    async def add_group(self, figure: str, name: str, item_currency: str, amount: Decimal) -> None:
        """An amount already summed per group (by the same attribute as `group_by`)."""
        key = (item_currency, item_currency) if self.group_by == "currency" else (name, self.currency)
        value = amount if item_currency == key[1] else await self.value(amount, item_currency, key[1])
        if value is not None:
            self.sums.setdefault(key, defaultdict(lambda: ZERO))[figure] += value

    def get(self, key: tuple[str, str], figure: str) -> Decimal:
        return self.sums.get(key, {}).get(figure, ZERO)


async def _groups(
    session: AsyncSession, as_of: date, group_by: GroupBy, currency: str, customer: str | None
) -> Groups:
    if customer is not None:
        await customers.get(session, customer)
    return Groups(session, as_of, group_by, currency, await repository.customers(session), customer=customer)


def _month_start(day: date, back: int = 0) -> date:
    return add_months(day.replace(day=1), -back)


def _month_end(first: date) -> date:
    return add_months(first, 1) - timedelta(days=1)


def _fmt(value: Decimal | None, places: Decimal = DAYS) -> str | None:
    return None if value is None else str(value.quantize(places))


def _money(value: Decimal, currency: str) -> str:
    return format_amount(value, currency)


# DSO ----------------------------------------------------------------------------------------------

DSO_COLUMNS = [
    Column("group"),
    Column("currency"),
    Column("receivables", "amount"),
    Column("not_due", "amount"),
    Column("credit_sales", "amount"),
    Column("period_days", "number"),
    Column("dso", "days"),
    Column("countback_dso", "days"),
    Column("best_possible_dso", "days"),
    Column("average_days_delinquent", "days"),
    Column("beginning_receivables", "amount"),
    Column("cei_percent", "number"),
]


async def dso_report(
    session: AsyncSession,
    as_of: date,
    period_days: int,
    group_by: GroupBy,
    currency: str,
    customer: str | None = None,
    countback_days: int | None = None,
    countback_periods: int = 12,
) -> dict[str, Any]:
    """Countback over calendar months, or over periods of `countback_days` days ending on the
    as-of date."""
    groups = await _groups(session, as_of, group_by, currency, customer)
    start = as_of - timedelta(days=period_days - 1)
    for code, cur, index, amount in await repository.buckets(session, as_of, Buckets().bounds):
        await groups.add("receivables", code, cur, amount)
        if index == 0:
            await groups.add("not_due", code, cur, amount)
    for code, cur, amount in (await repository.receivables(session, [start - timedelta(days=1)]))[
        start - timedelta(days=1)
    ]:
        await groups.add("beginning", code, cur, amount)
    if countback_days is None:
        months = [
            (_month_start(as_of, n), min(_month_end(_month_start(as_of, n)), as_of))
            for n in range(countback_periods)
        ]
    else:
        months = [
            (as_of - timedelta(days=(n + 1) * countback_days - 1), as_of - timedelta(days=n * countback_days))
            for n in range(countback_periods)
        ]
    starts = sorted(first for first, _ in months)
    for code, cur, period, amount in await repository.sales(session, starts, as_of):
        await groups.add(f"m{len(months) - 1 - period}", code, cur, amount)
    for code, cur, _, amount in await repository.sales(session, [start], as_of):
        await groups.add("sales", code, cur, amount)
    rows = []
    for key in sorted(groups.sums):
        name, cur = key

        def get(figure: str, key: tuple[str, str] = key) -> Decimal:
            return groups.get(key, figure)

        sales = get("sales")
        receivables, current = get("receivables"), get("not_due")
        standard = dso.standard(receivables, sales, period_days)
        best = dso.best_possible(current, sales, period_days)
        back = dso.countback(
            receivables,
            [dso.Month(first, last, get(f"m{n}")) for n, (first, last) in enumerate(months)],
        )
        cei = dso.collection_effectiveness(get("beginning"), sales, receivables, current)
        rows.append(
            {
                "group": name,
                "currency": cur,
                "receivables": _money(receivables, cur),
                "not_due": _money(current, cur),
                "credit_sales": _money(sales, cur),
                "period_days": period_days,
                "dso": _fmt(standard),
                "countback_dso": _fmt(back.dso),
                "countback_complete": back.exhausted,
                "best_possible_dso": _fmt(best),
                "average_days_delinquent": _fmt(dso.average_days_delinquent(standard, best)),
                "beginning_receivables": _money(get("beginning"), cur),
                "cei_percent": _fmt(cei, Decimal("0.01")),
            }
        )
    return {
        "as_of": as_of,
        "period": {"first": start, "last": as_of, "days": period_days},
        "countback": "calendar months" if countback_days is None else f"{countback_days}-day periods",
        "group_by": group_by,
        "rows": rows,
        "missing_rates": sorted(groups.missing),
    }


# Turnover -----------------------------------------------------------------------------------------

TURNOVER_COLUMNS = [
    Column("group"),
    Column("currency"),
    Column("credit_sales", "amount"),
    Column("average_receivables", "amount"),
    Column("turnover", "number"),
    Column("days", "days"),
]


async def turnover_report(
    session: AsyncSession,
    as_of: date,
    months: int,
    group_by: GroupBy,
    currency: str,
    customer: str | None = None,
) -> dict[str, Any]:
    """Over the `months` months that end with the as-of date's: the month-end before them, each
    month-end within, and the as-of date for the month under way."""
    groups = await _groups(session, as_of, group_by, currency, customer)
    opening = _month_start(as_of, months - 1) - timedelta(days=1)
    ends = [opening, *(min(_month_end(_month_start(as_of, n)), as_of) for n in reversed(range(months)))]
    balances = await repository.receivables(session, ends)
    for n, end in enumerate(ends):
        for code, cur, amount in balances[end]:
            await groups.add(f"e{n}", code, cur, amount)
    for code, cur, _, amount in await repository.sales(session, [opening + timedelta(days=1)], as_of):
        await groups.add("sales", code, cur, amount)
    days = (as_of - opening).days
    rows = []
    for key in sorted(groups.sums):
        name, cur = key
        result = turnover.turnover(
            groups.get(key, "sales"), [groups.get(key, f"e{n}") for n in range(len(ends))], days
        )
        rows.append(
            {
                "group": name,
                "currency": cur,
                "credit_sales": _money(groups.get(key, "sales"), cur),
                "average_receivables": _money(result.average_receivables, cur),
                "month_ends": [
                    {"day": end, "receivables": _money(groups.get(key, f"e{n}"), cur)}
                    for n, end in enumerate(ends)
                ],
                "turnover": _fmt(result.ratio, Decimal("0.01")),
                "days": _fmt(result.days),
            }
        )
    return {
        "as_of": as_of,
        "period": {"first": opening + timedelta(days=1), "last": as_of, "days": days},
        "group_by": group_by,
        "rows": rows,
        "missing_rates": sorted(groups.missing),
    }


# Provisions ---------------------------------------------------------------------------------------


def default_rates() -> tuple[Buckets, list[Decimal]]:
    document = shipped("provisions.yaml")
    return Buckets(tuple(document["bounds"])), [Decimal(str(r)) for r in document["rates"]]


def parse_rates(text: str | None, buckets: Buckets) -> list[Decimal] | None:
    if not text:
        return None
    try:
        rates = [Decimal(part) for part in text.split(",")]
    except ArithmeticError:
        raise InvalidInput(f"rates {text!r} are not numbers") from None
    if len(rates) != len(buckets.labels):
        raise InvalidInput(f"one rate per bucket: {', '.join(buckets.labels)}")
    if any(not ZERO <= r <= 1 for r in rates):
        raise InvalidInput("loss rates are fractions between 0 and 1 (0.016 is 1.6 %)")
    return rates


async def provisions_report(
    session: AsyncSession,
    as_of: date,
    group_by: GroupBy,
    currency: str,
    *,
    method: Literal["matrix", "roll_rate"] = "matrix",
    bounds: Buckets | None = None,
    rates: str | None = None,
    history_months: int = 12,
    factor: Decimal = Decimal(1),
    customer: str | None = None,
) -> dict[str, Any]:
    shipped_buckets, shipped_rates = default_rates()
    buckets = bounds or shipped_buckets
    labels = buckets.labels
    specific = {s.customer_code: s for s in await repository.specific_provisions(session)}
    basis: dict[str, Any]
    before_day = _month_start(as_of) - timedelta(days=1)
    # The roll rates read the previous month-end's balances anyway: per group, when the groups are
    # a credit-file attribute, they serve the movement too.
    shared_group = group_by if group_by in ("industry", "country", "grade") else None
    reuse = method == "roll_rate" and customer is None and group_by != "customer"
    previous_rows: list[tuple[str, str, int, Decimal]] | None = None
    if method == "roll_rate":
        loss, at_end = await _roll_rates(
            session, as_of, buckets, history_months, factor, currency, specific, shared_group
        )
        previous_rows = at_end if reuse else None
        by_bucket = loss.rates
        basis = {
            "method": "roll_rate",
            "history_months": history_months,
            "forward_looking_factor": str(factor),
            "roll_rates": [
                {
                    "bucket": r.bucket,
                    "average": _fmt(r.average, RATE),
                    "months": [
                        {"balance": _money(f.start, currency), "rolled_on": _money(f.rolled, currency)}
                        for f in r.months
                    ],
                }
                for r in loss.roll_rates
            ],
        }
    else:
        chosen = parse_rates(rates, buckets)
        if chosen is None:
            if bounds is not None and bounds != shipped_buckets:
                raise InvalidInput(f"give the rates of the buckets {', '.join(labels)}")
            chosen = shipped_rates
        by_bucket = dict(zip(labels, chosen, strict=True))
        basis = {"method": "matrix", "source": "request" if rates else "shared/policies/provisions.yaml"}
    now = await _provide(session, as_of, buckets, by_bucket, group_by, currency, customer, specific)
    before = await _provide(
        session, before_day, buckets, by_bucket, group_by, currency, customer, specific, previous_rows
    )
    rows = []
    for key in sorted(now.sums):
        name, cur = key
        lines = provisions.matrix({b: now.get(key, b) for b in labels}, by_bucket)
        special = now.get(key, "specific")
        total = lines.total + special
        previous = sum((before.get(key, b) * r for b, r in by_bucket.items() if before.get(key, b) > 0), ZERO)
        previous += before.get(key, "specific")
        rows.append(
            {
                "group": name,
                "currency": cur,
                "buckets": [
                    {
                        "bucket": line.bucket,
                        "balance": _money(line.balance, cur),
                        "rate": _fmt(line.rate, RATE),
                        "loss": _money(line.loss, cur),
                    }
                    for line in lines.lines
                ],
                "matrix_provision": _money(lines.total, cur),
                "specific_receivables": _money(now.get(key, "specific_balance"), cur),
                "specific_provision": _money(special, cur),
                "provision": _money(total, cur),
                "previous_month_end": _money(previous, cur),
                "movement": _money(total - previous, cur),
            }
        )
    return {
        "as_of": as_of,
        "previous_month_end": before_day,
        "group_by": group_by,
        "rates": {"buckets": {b: _fmt(r, RATE) for b, r in by_bucket.items()}, **basis},
        "rows": rows,
        "missing_rates": sorted(now.missing | before.missing),
    }


async def _provide(
    session: AsyncSession,
    as_of: date,
    buckets: Buckets,
    rates: dict[str, Decimal],
    group_by: GroupBy,
    currency: str,
    customer: str | None,
    specific: dict[str, SpecificProvision],
    grouped: list[tuple[str, str, int, Decimal]] | None = None,
) -> Groups:
    """Bucket balances of the customers in the matrix, and the specific provisions of the others.
    `grouped`: the matrix customers' balances already summed per group."""
    groups = await _groups(session, as_of, group_by, currency, customer)
    labels = buckets.labels
    owed: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    if grouped is None:
        rows = await repository.buckets(session, as_of, buckets.bounds)
    else:
        for name, cur, index, amount in grouped:
            await groups.add_group(labels[index], name, cur, amount)
        rows = await repository.buckets(session, as_of, buckets.bounds, sorted(specific)) if specific else []
    for code, cur, index, amount in rows:
        if code in specific:
            owed[code, cur] += amount
        else:
            await groups.add(labels[index], code, cur, amount)
    for (code, cur), amount in owed.items():
        await groups.add("specific_balance", code, cur, amount)
        chosen = specific[code]
        if chosen.rate is not None:
            await groups.add("specific", code, cur, provisions.Specific(code, rate=chosen.rate).loss(amount))
    for code, chosen in specific.items():
        # An amount is in its own currency, owed or not in that one.
        if chosen.amount is not None and any(c == code for c, _ in owed):
            total = ZERO
            for (c, cur), amount in owed.items():
                if c == code:
                    value = await groups.value(amount, cur, chosen.currency or cur)
                    total += value or ZERO
            loss = provisions.Specific(code, amount=chosen.amount).loss(total)
            await groups.add("specific", code, chosen.currency or currency, loss)
    return groups


async def _roll_rates(
    session: AsyncSession,
    as_of: date,
    buckets: Buckets,
    months: int,
    factor: Decimal,
    currency: str,
    specific: dict[str, SpecificProvision],
    group: str | None,
) -> tuple[provisions.LossRates, list[tuple[str, str, int, Decimal]]]:
    """Month-end balances per bucket over the `months` months before the as-of date's, portfolio-wide
    in the reporting currency (customers provided for by name left out), and the write-offs between."""
    if months < 1:
        raise InvalidInput("roll rates need at least one month of history")
    ends = [_month_start(as_of, n) - timedelta(days=1) for n in reversed(range(months + 1))]
    labels = buckets.labels
    history: list[dict[str, Decimal]] = []
    converter = Groups(session, as_of, "portfolio", currency, {})
    at = await repository.buckets_at(session, ends, buckets.bounds, sorted(specific), group)
    for end in ends:
        balances: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for _, cur, index, amount in at[end]:
            balances[labels[index]] += await converter.value(amount, cur, currency) or ZERO
        history.append(balances)
    written: list[Decimal] = [ZERO] * months
    for code, cur, day, amount in await repository.written_off(
        session, ends[0] + timedelta(days=1), ends[-1]
    ):
        if code in specific:
            continue
        n = next(i for i in range(months) if ends[i] < day <= ends[i + 1])
        written[n] += await converter.value(amount, cur, currency) or ZERO
    return provisions.roll_rates(history, written, labels, factor=factor), at[ends[-1]]


async def set_specific(
    session: AsyncSession,
    principal: Principal,
    customer_code: str,
    rate: Decimal | None,
    amount: str | None,
    currency: str | None,
    reason: str,
) -> SpecificProvision:
    customer = await customers.get(session, customer_code)
    cur = currency or customer.currency
    value = None if amount is None else parse_amount(amount, cur, positive=False)
    provisions.Specific(customer_code, rate=rate, amount=value)  # the domain's checks
    before = await repository.specific_provision(session, customer_code)
    snapshot = None if before is None else specific_view(before)
    chosen = SpecificProvision(
        customer_code=customer_code,
        rate=rate,
        amount=value,
        currency=cur if value is not None else None,
        reason=reason,
        created_by=principal.actor,
        created_at=datetime.now(UTC),
    )
    await repository.save_specific(session, chosen)
    await record(
        session,
        principal,
        "provision.specific_set",
        "customer",
        customer_code,
        before=snapshot,
        after=specific_view(chosen),
    )
    return chosen


async def remove_specific(session: AsyncSession, principal: Principal, customer_code: str) -> dict[str, Any]:
    found = await repository.specific_provision(session, customer_code)
    if found is None:
        raise NoSpecificProvision(f"customer {customer_code} has no specific provision")
    before = specific_view(found)
    await repository.delete_specific(session, found)
    await record(
        session, principal, "provision.specific_removed", "customer", customer_code, before=before, after=None
    )
    return before


def specific_view(p: SpecificProvision) -> dict[str, Any]:
    return {
        "customer_code": p.customer_code,
        "rate": None if p.rate is None else _fmt(p.rate, RATE),
        "amount": None if p.amount is None else _money(p.amount, p.currency or "EUR"),
        "currency": p.currency,
        "reason": p.reason,
        "created_by": p.created_by,
        "created_at": p.created_at.isoformat() if p.created_at else None,
    }


PROVISION_COLUMNS = [
    Column("group"),
    Column("currency"),
    Column("bucket"),
    Column("balance", "amount"),
    Column("rate", "rate"),
    Column("loss", "amount"),
]


def provision_table(report: dict[str, Any]) -> Table:
    """One line per group and bucket, then the group's specific provision, total and movement."""
    table = Table("provisions", PROVISION_COLUMNS)
    for row in report["rows"]:
        head = {"group": row["group"], "currency": row["currency"]}
        table.rows += [{**head, **line} for line in row["buckets"]]
        table.rows.append(
            {
                **head,
                "bucket": "specific",
                "balance": row["specific_receivables"],
                "loss": row["specific_provision"],
            }
        )
        table.rows.append({**head, "bucket": "total", "loss": row["provision"]})
        table.rows.append({**head, "bucket": "movement", "loss": row["movement"]})
    return table


# ABC ----------------------------------------------------------------------------------------------

ABC_COLUMNS = [
    Column("customer_code"),
    Column("currency"),
    Column("credit_sales", "amount"),
    Column("share", "rate"),
    Column("cumulative", "rate"),
    Column("abc_class"),
    Column("previous_class"),
    Column("class_in_file"),
]


async def abc_report(
    session: AsyncSession, as_of: date, period_days: int, a: Decimal, b: Decimal, currency: str
) -> dict[str, Any]:
    groups = Groups(session, as_of, "customer", currency, await repository.customers(session))
    start = as_of - timedelta(days=period_days - 1)
    previous_start = start - timedelta(days=period_days)
    current, previous = (
        await _sales_by_customer(session, groups, start, as_of),
        await _sales_by_customer(session, groups, previous_start, start - timedelta(days=1)),
    )
    for code in groups.file:
        current.setdefault(code, ZERO)
        previous.setdefault(code, ZERO)
    before = {r.customer_code: r.abc_class for r in abc.classify(previous, a, b)}
    rows = [
        {
            "customer_code": r.customer_code,
            "currency": currency,
            "credit_sales": _money(r.sales, currency),
            "share": _fmt(r.share, RATE),
            "cumulative": _fmt(r.cumulative, RATE),
            "abc_class": r.abc_class,
            "previous_class": before.get(r.customer_code),
            "class_in_file": groups.file.get(r.customer_code, (None,) * 5)[4],
            "changed": before.get(r.customer_code) != r.abc_class,
        }
        for r in abc.classify(current, a, b)
    ]
    return {
        "as_of": as_of,
        "period": {"first": start, "last": as_of, "days": period_days},
        "previous_period": {"first": previous_start, "last": start - timedelta(days=1)},
        "cut_offs": {"a": str(a), "b": str(b)},
        "rows": rows,
        "missing_rates": sorted(groups.missing),
    }


async def _sales_by_customer(
    session: AsyncSession, groups: Groups, first: date, last: date
) -> dict[str, Decimal]:
    found: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for code, cur, _, amount in await repository.sales(session, [first], last):
        value = await groups.value(amount, cur, groups.currency)
        if value is not None:
            found[code] += value
    return dict(found)


async def apply_abc(session: AsyncSession, principal: Principal, report: dict[str, Any]) -> int:
    """Writes the classes into the credit file; each change audited. Returns how many changed."""
    changes = {
        r["customer_code"]: r["abc_class"] for r in report["rows"] if r["class_in_file"] != r["abc_class"]
    }
    await repository.set_abc_classes(session, changes)
    file = {r["customer_code"]: r["class_in_file"] for r in report["rows"]}
    await record_many(
        session,
        principal,
        "customer.abc_classified",
        "customer",
        [(code, {"abc_class": file[code]}, {"abc_class": cls}) for code, cls in changes.items()],
    )
    return len(changes)


def flat(report: dict[str, Any], columns: Sequence[Column], title: str) -> Table:
    return Table(title, columns, [dict(r) for r in report["rows"]])


# Credit insurance --------------------------------------------------------------------------------

INSURANCE_COLUMNS = [
    Column("group"),
    Column("currency"),
    Column("exposure", "amount"),
    Column("cover", "amount"),
    Column("insured", "amount"),
    Column("uninsured", "amount"),
    Column("over_cover", "amount"),
]


@dataclass(frozen=True)
class CustomerInsurance:
    customer_code: str
    currency: str  # of the figures: the cover's, or the reporting currency without one
    result: insurance.Insured
    cover: covers.Cover | None


async def _insured(
    session: AsyncSession, as_of: date, currency: str, groups: Groups
) -> list[CustomerInsurance]:
    """Each customer's receivables as of the date against its cover in force (in the cover's
    currency)."""
    named, default = await covers.covers_on(session, as_of)
    owed: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for code, cur, _, amount in await repository.buckets(session, as_of, Buckets().bounds):
        if groups.customer is None or code == groups.customer:
            owed[code].append((cur, amount))
    found = []
    for code in sorted(owed):
        cover = named.get(code, default)
        target = cover.currency if cover is not None else currency
        values = [await groups.value(amount, cur, target) for cur, amount in owed[code]]
        if all(v is None for v in values):
            continue  # nothing of it converts: listed under missing_rates, not shown as zero
        exposure = sum((v for v in values if v is not None), ZERO)
        result = (
            insurance.insured(exposure, cover.amount, cover.indemnity)
            if cover is not None
            else insurance.insured(exposure, ZERO, ZERO)
        )
        found.append(CustomerInsurance(code, target, result, cover))
    return found


async def insurance_report(
    session: AsyncSession,
    as_of: date,
    group_by: GroupBy,
    currency: str,
    customer: str | None = None,
    expiring_days: int = 30,
) -> dict[str, Any]:
    """Insured exposure = min(exposure, cover) × indemnity; the rest uninsured. Exposure: the open
    receivables as of the date."""
    groups = await _groups(session, as_of, group_by, currency, customer)
    covered = await _insured(session, as_of, currency, groups)
    for c in covered:
        r = c.result
        for figure, value in (
            ("exposure", max(r.exposure, ZERO)),
            ("cover", max(r.cover, ZERO)),
            ("insured", r.insured),
            ("uninsured", r.uninsured),
            ("over_cover", r.over_cover),
        ):
            await groups.add(figure, c.customer_code, c.currency, value)
    rows = [
        {
            "group": name,
            "currency": cur,
            **{
                f: _money(groups.get((name, cur), f), cur)
                for f in ("exposure", "cover", "insured", "uninsured", "over_cover")
            },
        }
        for name, cur in sorted(groups.sums)
    ]
    soon = as_of + timedelta(days=expiring_days)
    return {
        "as_of": as_of,
        "group_by": group_by,
        "rows": rows,
        "over_cover": [
            {
                "customer_code": c.customer_code,
                "currency": c.currency,
                "exposure": _money(c.result.exposure, c.currency),
                "cover": _money(c.result.cover, c.currency),
                "over_cover": _money(c.result.over_cover, c.currency),
                "cover_source": None if c.cover is None else c.cover.source,
            }
            for c in covered
            if c.result.over_cover > 0
        ],
        "expiring": [
            {
                "customer_code": c.customer_code,
                "policy_number": c.cover.policy_number,
                "cover": _money(c.cover.amount, c.cover.currency),
                "currency": c.cover.currency,
                "valid_to": c.cover.valid_to,
            }
            for c in covered
            if c.cover is not None
            and c.cover.source == "named"
            and c.cover.valid_to is not None
            and c.cover.valid_to <= soon
        ],
        "missing_rates": sorted(groups.missing),
    }


# Top risks ----------------------------------------------------------------------------------------

TOP_RISK_COLUMNS = [
    Column("customer_code"),
    Column("currency"),
    Column("exposure", "amount"),
    Column("uninsured", "amount"),
    Column("grade"),
    Column("probability_of_default", "rate"),
    Column("loss_given_default", "rate"),
    Column("expected_loss", "amount"),
    Column("warning_level"),
    Column("dunning_step"),
]


async def top_risks_report(
    session: AsyncSession, as_of: date, currency: str, limit: int, loss_given_default: Decimal
) -> dict[str, Any]:
    """Customers by expected loss: uninsured exposure × probability of default of the grade by
    the active scorecard × loss given default."""
    groups = await _groups(session, as_of, "customer", currency, None)
    by_grade, unknown = await probabilities_of_default(session)
    standing = await repository.standing(session)
    ranked: list[tuple[Decimal, str, dict[str, Any]]] = []
    for c in await _insured(session, as_of, currency, groups):
        exposure = await groups.value(max(c.result.exposure, ZERO), c.currency, currency) or ZERO
        uninsured = await groups.value(c.result.uninsured, c.currency, currency) or ZERO
        grade = groups.file.get(c.customer_code, (None,) * 5)[3]
        pd = by_grade.get(grade or "", unknown)
        loss = insurance.expected_loss(uninsured, pd, loss_given_default)
        level, step = standing.get(c.customer_code, (0, None))
        row = {
            "customer_code": c.customer_code,
            "currency": currency,
            "exposure": _money(exposure, currency),
            "uninsured": _money(uninsured, currency),
            "grade": grade,
            "probability_of_default": f"{pd:f}",
            "loss_given_default": f"{loss_given_default:f}",
            "expected_loss": _money(loss, currency),
            "warning_level": Level(level).label,
            "dunning_step": step,
        }
        ranked.append((loss, c.customer_code, row))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    total = sum((loss for loss, _, _ in ranked), ZERO)
    rows = [row for _, _, row in ranked[:limit]]
    return {
        "as_of": as_of,
        "currency": currency,
        "total_expected_loss": _money(total, currency),
        "rows": rows,
        "missing_rates": sorted(groups.missing),
    }


# The portfolio at a glance ---------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    receivables: Decimal
    not_due: Decimal
    dso: Decimal | None
    provision: Decimal
    insured: Decimal
    labels: list[str]
    by_grade: dict[str, list[Decimal]]  # bucket balances per grade ("(none)": not graded)
    missing_rates: list[str]


async def summary(session: AsyncSession, as_of: date, currency: str) -> Summary:
    """The headline figures of the reports from one scan of the items: receivables and what is not
    yet due, standard DSO over 90 days, the provision by the shipped matrix (and specific
    provisions), the insured part, and ageing by grade; each as its report computes it."""
    buckets, rates = default_rates()
    labels = buckets.labels
    groups = Groups(session, as_of, "portfolio", currency, {})
    specific = {s.customer_code: s for s in await repository.specific_provisions(session)}
    named, default = await covers.covers_on(session, as_of)
    graded, totals = await repository.overview(session, as_of, buckets.bounds, sorted(specific))

    async def value(amount: Decimal, cur: str) -> Decimal | None:
        return amount if cur == currency else await groups.value(amount, cur, currency)

    by_grade: dict[str, list[Decimal]] = {}
    in_matrix = [ZERO] * len(labels)
    for grade, by_name, cur, index, amount in graded:
        converted = await value(amount, cur)
        if converted is None:
            continue
        by_grade.setdefault(grade or "(none)", [ZERO] * len(labels))[index] += converted
        if not by_name:
            in_matrix[index] += converted
    # As the report does it: the matrix over the bucket balances summed first.
    provision = provisions.matrix(
        dict(zip(labels, in_matrix, strict=True)), dict(zip(labels, rates, strict=True))
    ).total
    owed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for code, cur, amount in totals:
        converted = await value(amount, cur)
        if converted is not None:
            owed[code] += converted
    insured_total = ZERO
    for code, total in owed.items():
        chosen = specific.get(code)
        if chosen is not None and chosen.rate is not None:
            provision += provisions.Specific(code, rate=chosen.rate).loss(total)
        elif chosen is not None:
            cap = await value(chosen.amount or ZERO, chosen.currency or currency) or ZERO
            provision += provisions.Specific(code, amount=cap).loss(total)
        cover = named.get(code, default)
        if cover is not None:
            limit = await value(cover.amount, cover.currency) or ZERO
            insured_total += insurance.insured(total, limit, cover.indemnity).insured
    sales = ZERO
    for _, cur, _, amount in await repository.sales(session, [as_of - timedelta(days=89)], as_of):
        sales += await value(amount, cur) or ZERO
    receivables = sum(owed.values(), ZERO)
    not_due = sum((amounts[0] for amounts in by_grade.values()), ZERO)
    return Summary(
        receivables,
        not_due,
        dso.standard(receivables, sales, 90),
        provision,
        insured_total,
        labels,
        by_grade,
        sorted(groups.missing),
    )
