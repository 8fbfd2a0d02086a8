"""Expected credit loss provisions (IFRS 9 simplified approach): the provision matrix by roll rates
or given rates, and specific provisions per customer (`shared/domain/provisions.py`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.finance.reports import repository
from services.credit_api.finance.reports.common import (
    RATE,
    ZERO,
    GroupBy,
    Groups,
    figure,
    groups_of,
    money,
    month_start,
)
from services.credit_api.finance.reports.tabular import Column, Table
from shared.domain import provisions
from shared.domain.ageing import Buckets
from shared.domain.errors import InvalidInput
from shared.domain.money import round_money
from shared.models.credit_api import SpecificProvision
from shared.policy_documents import shipped


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


Segment = Literal["industry", "country", "grade", "currency"]


def minimum() -> provisions.Minimum:
    """The history a segment needs for roll rates of its own (`shared/policies/provisions.yaml`)."""
    given = shipped("provisions.yaml").get("segment_minimum", {})
    return provisions.Minimum(int(given.get("months", 6)), Decimal(str(given.get("balance", 0))))


@dataclass(frozen=True)
class Basis:
    """The loss rates in force on a day: by segment (one, "portfolio", without segmentation)."""

    rates: dict[str, dict[str, Decimal]]
    described: dict[str, Any]


async def report(
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
    segment_by: Segment | None = None,
    weighting: provisions.Weighting = "amount",
    customer: str | None = None,
) -> dict[str, Any]:
    """The provision as of the date and as it stood at the previous month-end (each with the rates
    of its own day), and the movement between them split into what the balances and what the rates
    did. Every printed total is the sum of the printed lines it totals."""
    shipped_buckets, shipped_rates = default_rates()
    buckets = bounds or shipped_buckets
    labels = buckets.labels
    specific = {s.customer_code: s for s in await repository.specific_provisions(session)}
    before_day = month_start(as_of) - timedelta(days=1)
    if segment_by is not None and method != "roll_rate":
        raise InvalidInput("segments have rates of their own only by roll rates: add method=roll_rate")
    if method == "roll_rate":
        now_basis, before_basis = await _roll_rates(
            session, as_of, buckets, history_months, factor, currency, specific, segment_by, weighting
        )
    else:
        chosen = parse_rates(rates, buckets)
        if chosen is None:
            if bounds is not None and bounds != shipped_buckets:
                raise InvalidInput(f"give the rates of the buckets {', '.join(labels)}")
            chosen = shipped_rates
        fixed = {"portfolio": dict(zip(labels, chosen, strict=True))}
        described = {"method": "matrix", "source": "request" if rates else "shared/policies/provisions.yaml"}
        now_basis = before_basis = Basis(fixed, described)
    file = await repository.customers(session)

    def segment_of(code: str, cur: str) -> str:
        if segment_by is None:
            return "portfolio"
        if segment_by == "currency":
            return cur
        found: str | None = getattr(file.get(code, repository.UNFILED), segment_by)
        return found or "(none)"

    owed = await repository.buckets(session, [as_of, before_day], buckets.bounds)
    now, before = [
        await _provide(
            session,
            day,
            owed[day],
            buckets.labels,
            basis.rates,
            segment_of,
            (group_by, currency, customer),
            specific,
        )
        for day, basis in ((as_of, now_basis), (before_day, before_basis))
    ]

    def shown_rates(key: tuple[str, str]) -> dict[str, Decimal]:
        """The rates a group is provided for at, where it holds nothing to show them by."""
        same = group_by == segment_by
        portfolio = now_basis.rates["portfolio"]
        return now_basis.rates.get(key[0], portfolio) if same else portfolio

    rows = [_row(key, labels, now, before, shown_rates(key)) for key in sorted(now.sums)]
    return {
        "as_of": as_of,
        "previous_month_end": before_day,
        "group_by": group_by,
        "rates": {
            "buckets": {b: figure(r, RATE) for b, r in now_basis.rates.get("portfolio", {}).items()},
            **now_basis.described,
        },
        "previous_rates": {
            "buckets": {b: figure(r, RATE) for b, r in before_basis.rates.get("portfolio", {}).items()}
        },
        "rows": rows,
        "missing_rates": sorted(now.missing | before.missing),
    }


def _row(
    key: tuple[str, str], labels: list[str], now: Groups, before: Groups, otherwise: dict[str, Decimal]
) -> dict[str, Any]:
    """One group's lines, each loss printed to the minor unit, and totals that are the sums of the
    printed lines: movement = provision − previous; by balances = Σ (balance now − then) × the
    previous rate, plus the change of the specific provisions; by rates = the rest."""
    name, cur = key
    lines = []
    matrix_total = previous_matrix = ZERO
    for bucket in labels:
        balance, loss = now.get(key, bucket), round_money(now.get(key, f"loss:{bucket}"), cur)
        then_loss = round_money(before.get(key, f"loss:{bucket}"), cur)
        # The rate the balance was provided at (its customers' segments' rates, weighted).
        rate = now.get(key, f"loss:{bucket}") / balance if balance > 0 else otherwise[bucket]
        lines.append(
            {
                "bucket": bucket,
                "balance": money(balance, cur),
                "rate": figure(rate, RATE),
                "loss": money(loss, cur),
            }
        )
        matrix_total += loss
        previous_matrix += then_loss
    by_balances = provisions.by_balances(
        {b: (before.get(key, b), before.get(key, f"loss:{b}")) for b in labels},
        {b: now.get(key, b) for b in labels},
    )
    special = round_money(now.get(key, "specific"), cur)
    previous_special = round_money(before.get(key, "specific"), cur)
    total, previous = matrix_total + special, previous_matrix + previous_special
    movement = total - previous
    balances_part = round_money(by_balances, cur) + special - previous_special
    return {
        "group": name,
        "currency": cur,
        "buckets": lines,
        "matrix_provision": money(matrix_total, cur),
        "specific_receivables": money(now.get(key, "specific_balance"), cur),
        "specific_provision": money(special, cur),
        "provision": money(total, cur),
        "previous_month_end": money(previous, cur),
        "movement": money(movement, cur),
        "movement_by_balances": money(balances_part, cur),
        "movement_by_rates": money(movement - balances_part, cur),
    }


async def specific_losses(
    specific: dict[str, SpecificProvision],
    owed: dict[tuple[str, str], Decimal],
    value: Callable[[Decimal, str, str], Awaitable[Decimal | None]],
) -> list[tuple[str, str, Decimal]]:
    """(customer, currency, loss) of the customers provided for by name, from what each owes per
    currency: a rate applies to each currency's balance (floored at zero), an amount to the
    customer's total in the amount's currency. The one rule of the report and the summary."""
    found: list[tuple[str, str, Decimal]] = []
    for (code, cur), amount in owed.items():
        chosen = specific[code]
        if chosen.rate is not None:
            found.append((code, cur, provisions.Specific(code, rate=chosen.rate).loss(amount)))
    for code, chosen in specific.items():
        if chosen.amount is None or not any(c == code for c, _ in owed):
            continue
        target = chosen.currency or next(cur for c, cur in owed if c == code)
        total = ZERO
        for (c, cur), amount in owed.items():
            if c == code:
                total += await value(amount, cur, target) or ZERO
        found.append((code, target, provisions.Specific(code, amount=chosen.amount).loss(total)))
    return found


async def _provide(
    session: AsyncSession,
    as_of: date,
    owed_by_bucket: list[tuple[str, str, int, Decimal]],
    labels: list[str],
    rates: dict[str, dict[str, Decimal]],
    segment_of: Callable[[str, str], str],
    grouping: tuple[GroupBy, str, str | None],
    specific: dict[str, SpecificProvision],
) -> Groups:
    """Per group: each bucket's balance and loss over the customers in the matrix, each customer's
    balance floored at zero per currency and bucket and provided for at its segment's rates (a
    segment without rates of its own has the portfolio's); and the specific provisions of the
    others."""
    groups = await groups_of(session, as_of, *grouping)
    owed: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    portfolio = rates.get("portfolio")
    for code, cur, index, amount in owed_by_bucket:
        if code in specific:
            owed[code, cur] += amount
            continue
        if amount <= 0:
            continue  # a credit balance lowers no one else's provision
        label = labels[index]
        by_bucket = rates.get(segment_of(code, cur)) or portfolio
        assert by_bucket is not None
        await groups.add(label, code, cur, amount)
        await groups.add(f"loss:{label}", code, cur, amount * by_bucket[label])
    for code, cur in list(owed):
        await groups.add("specific_balance", code, cur, owed[code, cur])
    for code, cur, loss in await specific_losses(specific, owed, groups.value):
        await groups.add("specific", code, cur, loss)
    return groups


async def _roll_rates(
    session: AsyncSession,
    as_of: date,
    buckets: Buckets,
    months: int,
    factor: Decimal,
    currency: str,
    specific: dict[str, SpecificProvision],
    segment_by: Segment | None,
    weighting: provisions.Weighting,
) -> tuple[Basis, Basis]:
    """Loss rates as of the date and as of the previous month-end, each from the `months` months of
    history before its own month, from one scan of the journal: per segment (the portfolio as one
    without segments) in the reporting currency, customers provided for by name left out."""
    if months < 1:
        raise InvalidInput("roll rates need at least one month of history")
    ends = [month_start(as_of, n) - timedelta(days=1) for n in reversed(range(months + 2))]
    labels = buckets.labels
    converter = Groups(session, as_of, "portfolio", currency, {})
    flows = await repository.roll_history(session, ends, buckets.bounds, sorted(specific), segment_by)
    histories: dict[str, list[provisions.Month]] = {}
    for (seg, cur), f in sorted(flows.items()):
        history = histories.setdefault(seg, [provisions.Month({}) for _ in range(months + 1)])

        async def value(amount: Decimal, cur: str = cur) -> Decimal:
            return await converter.value(amount, cur, currency) or ZERO

        for n in range(months + 1):
            month = provisions.Month(
                {labels[i]: await value(a) for i, a in f.held[n].items()},
                {labels[i]: await value(a) for i, a in f.rolled[n].items()},
                await value(f.entered[n]),
                await value(f.written_off[n]),
            )
            history[n] = provisions.add([[history[n]], [month]])[0]
    if not histories:
        histories["portfolio"] = [provisions.Month({}) for _ in range(months + 1)]
    floor = minimum()

    def basis(window: slice) -> Basis:
        found = provisions.segmented(
            {seg: h[window] for seg, h in histories.items()},
            labels,
            floor,
            factor=factor,
            weighting=weighting,
        )
        by_segment = {"portfolio": found.portfolio.rates, **{s: r.rates for s, r in found.rates.items()}}
        if segment_by is None:
            by_segment = {"portfolio": found.portfolio.rates}
        return Basis(by_segment, _described(found, months, factor, weighting, segment_by, floor, currency))

    return basis(slice(1, months + 1)), basis(slice(0, months))


def _described(
    found: provisions.Segmented,
    months: int,
    factor: Decimal,
    weighting: provisions.Weighting,
    segment_by: Segment | None,
    floor: provisions.Minimum,
    currency: str,
) -> dict[str, Any]:
    """How the rates were had, for the response: method, weighting, the portfolio's roll rates with
    their data, each segment's rates and the segments that fell back to the portfolio's, and why."""
    described: dict[str, Any] = {
        "method": "roll_rate",
        "weighting": weighting,
        "history_months": months,
        "forward_looking_factor": str(factor),
        "roll_rates": [
            {
                "bucket": r.bucket,
                "average": figure(r.average, RATE),
                "months": [
                    {"balance": money(f.start, currency), "rolled_on": money(f.rolled, currency)}
                    for f in r.months
                ],
            }
            for r in found.portfolio.roll_rates
        ],
    }
    if segment_by is not None:
        described["segment_by"] = segment_by
        described["segment_minimum"] = {"months": floor.months, "balance": money(floor.balance, currency)}
        described["segments"] = {
            seg: {b: figure(r, RATE) for b, r in rates.rates.items()}
            for seg, rates in sorted(found.rates.items())
        }
        described["fallbacks"] = dict(sorted(found.fallbacks.items()))
    return described


COLUMNS = [
    Column("group"),
    Column("currency"),
    Column("bucket"),
    Column("balance", "amount"),
    Column("rate", "rate"),
    Column("loss", "amount"),
]


def provision_table(report: dict[str, Any]) -> Table:
    """One line per group and bucket, then the group's specific provision, total and movement."""
    table = Table("provisions", COLUMNS)
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
        table.rows.append({**head, "bucket": "previous_month_end", "loss": row["previous_month_end"]})
        table.rows.append({**head, "bucket": "movement", "loss": row["movement"]})
        table.rows.append({**head, "bucket": "movement_by_balances", "loss": row["movement_by_balances"]})
        table.rows.append({**head, "bucket": "movement_by_rates", "loss": row["movement_by_rates"]})
    return table


# ABC ----------------------------------------------------------------------------------------------
