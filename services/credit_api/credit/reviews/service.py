"""The review queue: each grade has a review period; a new grade, a limit change or a completed
review sets the next review date, and the customers due are listed with what a reviewer needs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.credit.customers import service as customers
from services.credit_api.credit.events import LimitChanged
from services.credit_api.credit.exposure import service as exposure
from services.credit_api.credit.reviews import repository
from services.credit_api.credit.reviews.schemas import DueReview, ReviewIn, ReviewOut
from services.credit_api.kernel.pagination import Page, decode_cursor, page_of
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from services.credit_api.policies.scorecards.service import VERSIONS as SCORECARDS
from shared import scorecards as configurations
from shared.domain.behaviour import add_months
from shared.domain.errors import MissingFxRate
from shared.domain.money import format_amount
from shared.models.credit_api import Customer, Review


async def next_review(session: AsyncSession, customer_code: str, today: date) -> date:
    """Today plus the review period of the customer's grade; an ungraded customer is reviewed as
    often as the scorecard's riskiest grade."""
    months = await repository.review_months(session, customer_code)
    if months is None:
        active = await SCORECARDS.active(session)
        months = configurations.parse(active.document, active.version).grades[-1].review_months
    return add_months(today, months)


async def reschedule(session: AsyncSession, customer: Customer, now: datetime) -> None:
    customer.review_date = await next_review(session, customer.customer_code, now.date())
    # The credit file changed: the risk worker re-evaluates the customer (a new limit moves its
    # utilisation and expiry indicators).
    customer.updated_at = now


async def reschedule_after_limit_change(
    session: AsyncSession, settings: ApiSettings, event: LimitChanged
) -> None:
    """A new limit is a decision: the next review is one review period away."""
    await reschedule(session, await customers.get(session, event.customer_code, for_update=True), event.at)


async def complete(
    session: AsyncSession, principal: Principal, customer_code: str, body: ReviewIn, now: datetime
) -> ReviewOut:
    customer = await customers.get(session, customer_code, for_update=True)
    before = customer.review_date
    await reschedule(session, customer, now)
    assert customer.review_date is not None
    review = Review(
        customer_code=customer_code,
        decision=body.decision,
        note=body.note,
        grade=customer.grade,
        next_review_date=customer.review_date,
        reviewed_by=principal.actor,
        reviewed_at=now,
    )
    await repository.add(session, review)
    await record(
        session,
        principal,
        "customer.reviewed",
        "customer",
        customer_code,
        before={"review_date": None if before is None else before.isoformat()},
        after={"decision": body.decision, "note": body.note, "review_date": customer.review_date.isoformat()},
    )
    return ReviewOut.model_validate(review, from_attributes=True)


async def due(
    session: AsyncSession,
    due_before: date,
    cursor: str | None,
    limit: int,
    now: datetime,
    net_unallocated_cash: bool,
) -> Page[DueReview]:
    after = tuple(decode_cursor(cursor, date.fromisoformat, str)) if cursor else None
    rows = await repository.due(session, due_before, after, limit + 1)
    views = {}
    for row in rows[:limit]:
        views[row.Customer.customer_code] = await _due_view(session, row, now, net_unallocated_cash)
    return page_of(
        rows,
        limit,
        lambda row: views[row.Customer.customer_code],
        lambda row: (row.Customer.review_date.isoformat(), row.Customer.customer_code),
    )


async def _due_view(session: AsyncSession, row: Any, now: datetime, net_unallocated_cash: bool) -> DueReview:
    c: Customer = row.Customer
    cur = c.currency
    try:
        standing = await exposure.standing(
            session, c.customer_code, now, net_unallocated_cash=net_unallocated_cash
        )
        total: str | None = format_amount(standing.exposure.total, cur)
    except MissingFxRate:
        total = None
    assert c.review_date is not None
    return DueReview(
        customer_code=c.customer_code,
        name=c.name,
        review_date=c.review_date,
        grade=c.grade,
        score=None if c.score is None else f"{c.score:f}",
        currency=cur,
        exposure=total,
        current_limit=None if row.limit_amount is None else format_amount(row.limit_amount, cur),
        recommended_limit=None
        if row.recommended_limit is None
        else format_amount(row.recommended_limit, cur),
        recommended_terms=row.recommended_terms,
    )
