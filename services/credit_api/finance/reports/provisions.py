"""Expected credit loss provisions (IFRS 9 simplified approach): the provision matrix by roll rates
or given rates, and specific provisions per customer (`shared/domain/provisions.py`)."""

from __future__ import annotations

from collections import defaultdict
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
    customer: str | None = None,
) -> dict[str, Any]:
    shipped_buckets, shipped_rates = default_rates()
    buckets = bounds or shipped_buckets
    labels = buckets.labels
    specific = {s.customer_code: s for s in await repository.specific_provisions(session)}
    basis: dict[str, Any]
    before_day = month_start(as_of) - timedelta(days=1)
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
                    "average": figure(r.average, RATE),
                    "months": [
                        {"balance": money(f.start, currency), "rolled_on": money(f.rolled, currency)}
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
                        "balance": money(line.balance, cur),
                        "rate": figure(line.rate, RATE),
                        "loss": money(line.loss, cur),
                    }
                    for line in lines.lines
                ],
                "matrix_provision": money(lines.total, cur),
                "specific_receivables": money(now.get(key, "specific_balance"), cur),
                "specific_provision": money(special, cur),
                "provision": money(total, cur),
                "previous_month_end": money(previous, cur),
                "movement": money(total - previous, cur),
            }
        )
    return {
        "as_of": as_of,
        "previous_month_end": before_day,
        "group_by": group_by,
        "rates": {"buckets": {b: figure(r, RATE) for b, r in by_bucket.items()}, **basis},
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
    groups = await groups_of(session, as_of, group_by, currency, customer)
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
    ends = [month_start(as_of, n) - timedelta(days=1) for n in reversed(range(months + 1))]
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
        table.rows.append({**head, "bucket": "movement", "loss": row["movement"]})
    return table


# ABC ----------------------------------------------------------------------------------------------
