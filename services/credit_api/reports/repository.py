"""The ledger's figures the reports need, summed in the database (one scan each, whatever the
number of customers): receivables by due-date bucket as of a date, credit sales by month, the
journal's month-end balances, and write-offs by month."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.ageing import repository as ageing
from shared.db import driver
from shared.models.credit_api import Customer, SpecificProvision

ZERO = Decimal(0)


async def customers(
    session: AsyncSession,
) -> dict[str, tuple[str, str | None, str | None, str | None, str | None]]:
    """code → (credit currency, industry, country, grade, ABC class)."""
    query = select(
        Customer.customer_code,
        Customer.currency,
        Customer.industry,
        Customer.country,
        Customer.grade,
        Customer.abc_class,
    )
    return {r[0]: (r[1], r[2], r[3], r[4], r[5]) for r in (await session.execute(query)).all()}


async def buckets(
    session: AsyncSession, as_of: date, bounds: tuple[int, ...]
) -> list[tuple[str, str, int, Decimal]]:
    """(customer, currency, bucket index, open amount) as of the date by due date; index 0 is not due."""
    rows = await ageing.portfolio(session, as_of, bounds, "due_date")
    return [(code, currency, index, amount) for code, _, _, currency, index, amount in rows]


async def sales(
    session: AsyncSession, starts: Sequence[date], last: date
) -> list[tuple[str, str, int, Decimal]]:
    """(customer, currency, period, credit sales): invoices issued (not cancelled) less credit notes
    issued, in the periods that begin on each of `starts` (ascending), the last through `last`."""
    pg = await driver(session)
    rows = await pg.fetch(
        "SELECT customer_code, currency, width_bucket(issue_date, $1::date[]) - 1 AS period, "
        "sum(amount) AS amount "
        "FROM (SELECT customer_code, currency, issue_date, amount FROM risk_worker.v_open_items "
        "      WHERE item_type = 'invoice' AND status <> 'cancelled' AND issue_date BETWEEN $2 AND $3 "
        "      UNION ALL SELECT customer_code, currency, issue_date, -amount FROM risk_worker.v_credit_notes "
        "      WHERE issue_date BETWEEN $2 AND $3) s "
        "GROUP BY 1, 2, 3",
        list(starts),
        starts[0],
        last,
    )
    return [(r["customer_code"], r["currency"], r["period"], r["amount"]) for r in rows]


async def receivables(
    session: AsyncSession, days: Sequence[date]
) -> dict[date, list[tuple[str, str, Decimal]]]:
    """Per day asked: (customer, currency, open receivables at the end of that day), from the journal
    in one scan: each movement is summed into the first day asked on or after it, then added up."""
    ordered = sorted(set(days))
    if not ordered:
        return {}
    pg = await driver(session)
    # width_bucket over the days after each day asked: k movements fall after the k-th day asked.
    rows = await pg.fetch(
        "SELECT customer_code, currency, width_bucket(effective_date, $1::date[]) AS k, "
        "sum(amount) AS amount "
        "FROM risk_worker.v_movements WHERE account = 'item' AND effective_date <= $2 GROUP BY 1, 2, 3",
        [d + timedelta(days=1) for d in ordered],
        ordered[-1],
    )
    steps: dict[tuple[str, str], list[Decimal]] = {}
    for r in rows:
        steps.setdefault((r["customer_code"], r["currency"]), [ZERO] * len(ordered))[r["k"]] += r["amount"]
    found: dict[date, list[tuple[str, str, Decimal]]] = {d: [] for d in ordered}
    for (code, currency), parts in steps.items():
        running = ZERO
        for day, part in zip(ordered, parts, strict=True):
            running += part
            if running:
                found[day].append((code, currency, running))
    return found


async def written_off(session: AsyncSession, first: date, last: date) -> list[tuple[str, str, date, Decimal]]:
    """(customer, currency, the day, amount) of invoices written off from `first` through `last`:
    what came off each on the day it was written off."""
    pg = await driver(session)
    rows = await pg.fetch(
        "SELECT o.customer_code, o.currency, o.settled_on, -sum(m.amount) AS amount "
        "FROM risk_worker.v_open_items o JOIN risk_worker.v_movements m "
        "  ON m.customer_code = o.customer_code AND m.item_id = o.item_id AND m.account = 'item' "
        "  AND m.effective_date = o.settled_on AND m.amount < 0 "
        "WHERE o.status = 'written_off' AND o.settled_on BETWEEN $1 AND $2 GROUP BY 1, 2, 3",
        first,
        last,
    )
    return [(r["customer_code"], r["currency"], r["settled_on"], r["amount"]) for r in rows]


async def specific_provisions(session: AsyncSession) -> Sequence[SpecificProvision]:
    return (await session.execute(select(SpecificProvision))).scalars().all()


async def specific_provision(session: AsyncSession, customer_code: str) -> SpecificProvision | None:
    return await session.get(SpecificProvision, customer_code, with_for_update=True)


async def save_specific(session: AsyncSession, provision: SpecificProvision) -> None:
    await session.merge(provision)
    await session.flush()


async def delete_specific(session: AsyncSession, provision: SpecificProvision) -> None:
    await session.delete(provision)
    await session.flush()


async def set_abc_classes(session: AsyncSession, classes: dict[str, str | None]) -> None:
    if not classes:
        return
    pg = await driver(session)
    await pg.execute(
        "UPDATE credit_api.customers c SET abc_class = u.cls, updated_at = now() "
        "FROM unnest($1::text[], $2::text[]) AS u(code, cls) WHERE c.customer_code = u.code",
        list(classes),
        list(classes.values()),
    )


async def standing(session: AsyncSession) -> dict[str, tuple[int, str | None]]:
    """code → (early-warning level, the latest dunning step taken) for customers with either."""
    pg = await driver(session)
    rows = await pg.fetch(
        "SELECT coalesce(w.customer_code, d.customer_code) AS code, coalesce(w.level, 0) AS level, d.step "
        "FROM risk_worker.v_warning_levels w FULL JOIN ("
        "  SELECT DISTINCT ON (customer_code) customer_code, step FROM credit_api.dunning_steps "
        "  WHERE outcome <> 'superseded' ORDER BY customer_code, as_of DESC, step) d "
        "ON d.customer_code = w.customer_code"
    )
    return {r["code"]: (r["level"], r["step"]) for r in rows}
