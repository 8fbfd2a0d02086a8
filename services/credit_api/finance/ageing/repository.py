from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, literal, select
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import Customer
from shared.models.views import movements, open_items


def _items(as_of: date, customer_code: str | None):  # type: ignore[no-untyped-def]
    """Open items as of a date: today's open balance less the journal's movements after the date.
    Exact, since the journal sums to the open balance, and cheap, since few movements are later
    than a past month-end while summing the whole journal up to it reads every line."""
    i, m = open_items.c, movements.c
    later = (
        select(m.customer_code, m.item_id, func.sum(m.amount).label("later"))
        .where(m.account == "item", m.effective_date > as_of)
        .group_by(m.customer_code, m.item_id)
        .subquery()
    )
    open_ = i.open_amount - func.coalesce(later.c.later, 0)
    query = (
        select(i.customer_code, i.item_id, i.currency, i.issue_date, i.due_date, open_.label("open"))
        .outerjoin(later, (later.c.customer_code == i.customer_code) & (later.c.item_id == i.item_id))
        .where(open_ != 0, i.issue_date <= as_of)
    )
    if customer_code is not None:
        query = query.where(i.customer_code == customer_code)
    return query.subquery()


async def customer_items(
    session: AsyncSession, customer_code: str, as_of: date
) -> list[tuple[str, str, date, date, Decimal]]:
    """(item_id, currency, issue date, due date, open amount) as of the date."""
    items = _items(as_of, customer_code)
    rows = await session.execute(
        select(
            items.c.item_id, items.c.currency, items.c.issue_date, items.c.due_date, items.c.open
        ).order_by(items.c.due_date, items.c.item_id)
    )
    return [(r.item_id, r.currency, r.issue_date, r.due_date, r.open) for r in rows.all()]


async def on_account(
    session: AsyncSession, as_of: date, customer_code: str | None = None
) -> list[tuple[str, str, str, Decimal]]:
    """(customer, cash|credit, currency, amount) on account as of the date, from the journal."""
    m = movements.c
    query = (
        select(m.customer_code, m.account, m.currency, func.sum(m.amount).label("total"))
        .where(m.account.in_(("cash", "credit")), m.effective_date <= as_of)
        .group_by(m.customer_code, m.account, m.currency)
        .having(func.sum(m.amount) != 0)
    )
    if customer_code is not None:
        query = query.where(m.customer_code == customer_code)
    return [(r.customer_code, r.account, r.currency, r.total) for r in (await session.execute(query)).all()]


async def portfolio(
    session: AsyncSession, as_of: date, bounds: tuple[int, ...], basis: str
) -> list[tuple[str, str | None, str | None, str, int, Decimal]]:
    """(customer, its credit currency, industry, item currency, bucket index, amount), summed in the
    database: a bucket index per item (0 not due, 1… the bounds, last: beyond), then grouped."""
    items = _items(as_of, None)
    reference = items.c.due_date if basis == "due_date" else items.c.issue_date
    days = literal(as_of) - reference
    # width_bucket: 0 below 1 day past due (not due), then one index per bucket, the last beyond all.
    bucket = func.width_bucket(days, array([literal(1), *(literal(b + 1) for b in bounds)]))
    query = (
        select(
            items.c.customer_code,
            Customer.currency,
            Customer.industry,
            items.c.currency.label("item_ccy"),
            bucket.label("bucket"),
            func.sum(items.c.open).label("total"),
        )
        .select_from(items)
        .outerjoin(Customer, Customer.customer_code == items.c.customer_code)
        .group_by(items.c.customer_code, Customer.currency, Customer.industry, items.c.currency, bucket)
    )
    return [
        (r.customer_code, r.currency, r.industry, r.item_ccy, r.bucket, r.total)
        for r in (await session.execute(query)).all()
    ]


async def on_account_with_customers(
    session: AsyncSession, as_of: date
) -> list[tuple[str, str, str, Decimal, str | None, str | None]]:
    """(customer, cash|credit, currency, amount, credit currency, industry) for the whole portfolio."""
    m = movements.c
    query = (
        select(
            m.customer_code,
            m.account,
            m.currency,
            func.sum(m.amount).label("total"),
            Customer.currency.label("credit_ccy"),
            Customer.industry,
        )
        .outerjoin(Customer, Customer.customer_code == m.customer_code)
        .where(m.account.in_(("cash", "credit")), m.effective_date <= as_of)
        .group_by(m.customer_code, m.account, m.currency, Customer.currency, Customer.industry)
        .having(func.sum(m.amount) != 0)
    )
    return [
        (r.customer_code, r.account, r.currency, r.total, r.credit_ccy, r.industry)
        for r in (await session.execute(query)).all()
    ]
