"""The ledger's figures the reports need, summed in the database (one scan each, whatever the
number of customers): receivables by due-date bucket as of a date, credit sales by month, the
journal's month-end balances, and write-offs by month."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.models.credit_api import SpecificProvision

ZERO = Decimal(0)
# For the reports' scans of the whole journal: the planner, expecting a group per row, sorts a
# million rows to disk; hashed in memory they take half the time. With the cost of passing rows
# between processes left out, the joins run on every CPU (bench/reports.py: segmented roll rates
# 8.1 s → 5.0 s with the scans below).
ANALYTIC = (
    "SET LOCAL work_mem = '64MB'; SET LOCAL enable_sort = off; "
    "SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0"
)
ORDINARY = "RESET work_mem; RESET enable_sort; RESET parallel_setup_cost; RESET parallel_tuple_cost"


async def _scan(session: AsyncSession, query: str, *args: Any) -> list[Any]:
    pg = await driver(session)
    await pg.execute(ANALYTIC)
    try:
        rows: list[Any] = await pg.fetch(query, *args)
    finally:
        await pg.execute(ORDINARY)
    return rows


class Filed(NamedTuple):
    """What the reports read of a customer's credit file."""

    currency: str | None = None
    industry: str | None = None
    country: str | None = None
    grade: str | None = None
    abc_class: str | None = None
    # The top of its credit groups' tree: the concern whose members' risks add up together.
    credit_group: str | None = None


UNFILED = Filed()


async def customers(session: AsyncSession) -> dict[str, Filed]:
    pg = await driver(session)
    rows = await pg.fetch(
        "WITH RECURSIVE tops AS ("
        "  SELECT code, code AS top FROM credit_api.credit_groups WHERE parent_code IS NULL"
        "  UNION ALL SELECT g.code, t.top FROM credit_api.credit_groups g "
        "  JOIN tops t ON g.parent_code = t.code) "
        "SELECT c.customer_code, c.currency, c.industry, c.country, c.grade, c.abc_class, t.top "
        "FROM credit_api.customers c LEFT JOIN tops t ON t.code = c.credit_group"
    )
    return {r[0]: Filed(*r[1:]) for r in rows}


# Each item open as of $1 with its due-date bucket ($2: the buckets' lower bounds): today's open
# balance less the journal's movements after the date, as ageing reads it.
OWED_AS_OF = (
    "owed AS ("
    "  SELECT i.customer_code, i.currency, width_bucket($1::date - i.due_date, $2::int[]) AS bucket,"
    "    i.open_amount - coalesce(l.later, 0) AS amount"
    "  FROM risk_worker.v_open_items i LEFT JOIN ("
    "    SELECT customer_code, item_id, sum(amount) AS later FROM risk_worker.v_movements"
    "    WHERE account = 'item' AND effective_date > $1 GROUP BY 1, 2) l"
    "  ON l.customer_code = i.customer_code AND l.item_id = i.item_id"
    "  WHERE i.open_amount - coalesce(l.later, 0) <> 0 AND i.issue_date <= $1) "
)


def _lower_bounds(bounds: tuple[int, ...]) -> list[int]:
    return [1, *(b + 1 for b in bounds)]


async def buckets(
    session: AsyncSession, days: Sequence[date], bounds: tuple[int, ...]
) -> dict[date, list[tuple[str, str, int, Decimal]]]:
    """Per day asked: (customer, currency, bucket index, open amount) by due date (index 0 is not
    due), each item's balance being today's less the journal's movements after the day, as ageing
    reads it. One scan of the items for all the days: an item enters once, with its bucket and
    balance on each day as columns."""
    ordered = sorted(set(days))
    if not ordered:
        return {}
    # The balance on a day is the open amount less what moved after the day: the open amounts
    # grouped on their own (in parallel), and the few later movements joined to their items apart,
    # rather than a join of every item to them.
    on = [f"($1::date[])[{k}]" for k in range(1, len(ordered) + 1)]
    keys = ", ".join(f"width_bucket({d} - i.due_date, $2::int[]) AS bucket{k}" for k, d in enumerate(on))
    open_then = ", ".join(
        f"sum(i.open_amount) FILTER (WHERE i.issue_date <= {d}) AS amount{k}" for k, d in enumerate(on)
    )
    moved_since = ", ".join(
        f"-sum(m.amount) FILTER (WHERE i.issue_date <= {d} AND m.effective_date > {d}) AS amount{k}"
        for k, d in enumerate(on)
    )
    grouped = ", ".join(str(k) for k in range(1, len(on) + 3))
    per_day = ", ".join(f"({k}, bucket{k}, amount{k})" for k in range(len(on)))
    rows = await _scan(
        session,
        "SELECT d.n, u.customer_code, u.currency, d.bucket, sum(d.amount) FROM ("  # noqa: S608
        f"  SELECT i.customer_code, i.currency, {keys}, {open_then} "
        f"  FROM risk_worker.v_open_items i WHERE i.open_amount <> 0 GROUP BY {grouped} "
        f"  UNION ALL SELECT i.customer_code, i.currency, {keys}, {moved_since} "
        "  FROM risk_worker.v_movements m JOIN risk_worker.v_open_items i "
        "    ON i.customer_code = m.customer_code AND i.item_id = m.item_id "
        f"  WHERE m.account = 'item' AND m.effective_date > {on[0]} GROUP BY {grouped}"
        f") u CROSS JOIN LATERAL (VALUES {per_day}) d (n, bucket, amount) "
        "GROUP BY 1, 2, 3, 4 HAVING sum(d.amount) <> 0",
        ordered,
        _lower_bounds(bounds),
    )
    found: dict[date, list[tuple[str, str, int, Decimal]]] = {d: [] for d in ordered}
    for n, code, cur, index, amount in rows:
        found[ordered[n]].append((code, cur, index, amount))
    return found


async def sales(
    session: AsyncSession, starts: Sequence[date], last: date
) -> list[tuple[str, str, int, Decimal]]:
    """(customer, currency, period, credit sales): invoices issued (not cancelled) less credit notes
    issued, in the periods that begin on each of `starts` (ascending), the last through `last`."""
    rows = await _scan(
        session,
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
    # width_bucket over the days after each day asked: k movements fall after the k-th day asked.
    rows = await _scan(
        session,
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


async def specific_provisions(session: AsyncSession) -> Sequence[SpecificProvision]:
    return (await session.execute(select(SpecificProvision))).scalars().all()


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
    rows = await _scan(
        session,
        "SELECT coalesce(w.customer_code, d.customer_code) AS code, coalesce(w.level, 0) AS level, d.step "
        "FROM risk_worker.v_warning_levels w FULL JOIN ("
        "  SELECT DISTINCT ON (customer_code) customer_code, step FROM credit_api.dunning_steps "
        "  WHERE outcome <> 'superseded' ORDER BY customer_code, as_of DESC, step) d "
        "ON d.customer_code = w.customer_code",
    )
    return {r["code"]: (r["level"], r["step"]) for r in rows}


SEGMENT_COLUMNS = {
    "industry": "coalesce(c.industry, '(none)')",
    "country": "coalesce(c.country, '(none)')",
    "grade": "coalesce(c.grade, '(none)')",
    "currency": "m.currency",
}


@dataclass(frozen=True)
class Flows:
    """One segment and currency, month by month between the month-ends asked: per bucket index,
    what it held at the first month-end, what of that sat in a later bucket at the next, what
    entered the last bucket from the ones before, what was written off in the month."""

    held: list[dict[int, Decimal]]
    rolled: list[dict[int, Decimal]]
    entered: list[Decimal]
    written_off: list[Decimal]


async def roll_history(
    session: AsyncSession,
    ends: Sequence[date],
    bounds: tuple[int, ...],
    excluded: Sequence[str],
    segment: str | None = None,
) -> dict[tuple[str, str], Flows]:
    """(segment, currency) → its flows between consecutive `ends` (ascending), over every customer
    but the `excluded`, segmented by a credit-file attribute or the currency (None: the portfolio
    as one). One scan of the journal: movements are summed per due date (each item's line carries
    it) into the first month-end on or after them; each due date is a cohort whose bucket at every
    month-end is known, so what rolled on is exactly what sits in a later bucket a month later,
    never older debts already there. A write-off is what came off an invoice on the day it was
    written off: the few written off in the window are found by their items, their rows with no
    due date."""
    column = "'portfolio'" if segment is None else SEGMENT_COLUMNS[segment]
    rows = await _scan(
        session,
        f"SELECT {column} AS seg, m.currency, m.due_date, width_bucket(m.effective_date, $1::date[]) AS k, "  # noqa: S608
        "sum(m.amount) AS amount, NULL::numeric AS written_off "
        "FROM risk_worker.v_movements m "
        "LEFT JOIN credit_api.customers c ON c.customer_code = m.customer_code "
        "WHERE m.account = 'item' AND m.effective_date <= $2 AND m.customer_code <> ALL($3::text[]) "
        "GROUP BY 1, 2, 3, 4 "
        f"UNION ALL SELECT {column}, m.currency, NULL::date, width_bucket(m.effective_date, $1::date[]), "
        "NULL, -sum(m.amount) FROM risk_worker.v_open_items o JOIN risk_worker.v_movements m "
        "  ON m.customer_code = o.customer_code AND m.effective_date = o.settled_on "
        "  AND m.item_id = o.item_id "
        "LEFT JOIN credit_api.customers c ON c.customer_code = o.customer_code "
        "WHERE o.status = 'written_off' AND o.settled_on >= ($1::date[])[1] AND o.settled_on <= $2 "
        "  AND m.account = 'item' AND m.amount < 0 AND o.customer_code <> ALL($3::text[]) "
        "GROUP BY 1, 2, 3, 4",
        [d + timedelta(days=1) for d in ends],
        ends[-1],
        list(excluded),
    )
    last = len(bounds) + 1  # index 0 is not due
    lower = (0, *bounds)  # a debt is in the bucket of the bounds it is past
    months = len(ends) - 1
    found: dict[tuple[str, str], Flows] = {}
    cohorts: dict[tuple[str, str, date], list[Decimal]] = {}
    for seg, currency, due, k, amount, written in rows:
        flows = found.get((seg, currency))
        if flows is None:
            flows = found[seg, currency] = Flows(
                [{} for _ in range(months)], [{} for _ in range(months)], [ZERO] * months, [ZERO] * months
            )
        if due is None:  # the k-th month-end is the first on or after the day
            flows.written_off[k - 1] += written
        else:
            cohorts.setdefault((seg, currency, due), [ZERO] * len(ends))[k] += amount
    for (seg, currency, due), amounts in cohorts.items():
        flows = found[seg, currency]
        running, balances = ZERO, []
        for amount in amounts:
            running += amount
            balances.append(running)
        index = [bisect_left(lower, (day - due).days) for day in ends]
        for n in range(months):
            now, then = balances[n], balances[n + 1]
            if now:
                flows.held[n][index[n]] = flows.held[n].get(index[n], ZERO) + now
            # What moved on is what the cohort still owes a month later, never more than it held.
            if now > 0 and then > 0 and index[n + 1] > index[n]:
                moved = min(now, then)
                flows.rolled[n][index[n]] = flows.rolled[n].get(index[n], ZERO) + moved
                if index[n + 1] == last:
                    flows.entered[n] += moved
    return found


async def overview(
    session: AsyncSession, as_of: date, bounds: tuple[int, ...], specific: Sequence[str]
) -> tuple[list[tuple[str | None, bool, str, int, Decimal, Decimal]], list[tuple[str, str, Decimal]]]:
    """In one scan of the items as of the date: (grade, provided for by name, currency, bucket
    index, amount, amount with each customer's balance floored at zero) sums, and each customer's
    (customer, currency, total)."""
    rows = await _scan(
        session,
        f"WITH {OWED_AS_OF}, per AS (SELECT customer_code, currency, bucket, sum(amount) AS amount "  # noqa: S608
        "  FROM owed GROUP BY 1, 2, 3), "
        "named AS (SELECT *, customer_code = ANY($3::text[]) AS named FROM per) "
        "SELECT c.grade, o.named, o.customer_code, o.currency, o.bucket, sum(o.amount) AS amount,"
        "  sum(greatest(o.amount, 0)) AS floored, GROUPING(o.customer_code) AS by_grade "
        "FROM named o JOIN credit_api.customers c ON c.customer_code = o.customer_code "
        "GROUP BY GROUPING SETS ((c.grade, o.named, o.currency, o.bucket), (o.customer_code, o.currency))",
        as_of,
        _lower_bounds(bounds),
        list(specific),
    )
    graded = [
        (r["grade"], r["named"], r["currency"], r["bucket"], r["amount"], r["floored"])
        for r in rows
        if r["by_grade"]
    ]
    totals = [(r["customer_code"], r["currency"], r["amount"]) for r in rows if not r["by_grade"]]
    return graded, totals
