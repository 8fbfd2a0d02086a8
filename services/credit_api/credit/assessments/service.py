"""A customer's assessment as the risk worker made it, beside the limit set now."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.credit.assessments import repository
from services.credit_api.credit.assessments.errors import NotAssessed
from services.credit_api.credit.assessments.schemas import AssessmentChangeOut, AssessmentOut
from services.credit_api.credit.customers import repository as customers_repository
from services.credit_api.credit.customers import service as customers
from services.credit_api.kernel.pagination import Page, decode_cursor, page_of
from shared.domain.money import format_amount


async def get(session: AsyncSession, customer_code: str) -> AssessmentOut:
    await customers.get(session, customer_code)
    row = await repository.current(session, customer_code)
    if row is None:
        raise NotAssessed(
            f"customer {customer_code} has not been assessed yet: it is, within moments of its first "
            "event, statement or credit file change",
            customer_code=customer_code,
        )
    limit = await customers_repository.current_limit(session, customer_code)
    currency: str = row["currency"]
    current = None if limit is None else limit.amount
    explanation: dict[str, Any] = row["explanation"]
    return AssessmentOut.model_validate(
        {
            **explanation,
            "currency": currency,
            "current_limit": None if current is None else format_amount(current, currency),
            "below_current_limit": current is not None and Decimal(row["recommended_limit"]) < current,
            "review_months": row["review_months"],
            "changed_at": row["changed_at"],
            "assessed_at": row["assessed_at"],
        }
    )


async def history(
    session: AsyncSession, customer_code: str, cursor: str | None, limit: int
) -> Page[AssessmentChangeOut]:
    await customers.get(session, customer_code)
    before = decode_cursor(cursor, int)[0] if cursor else None
    rows = await repository.history(session, customer_code, before, limit + 1)

    def view(row: Any) -> AssessmentChangeOut:
        explanation = row.explanation
        return AssessmentChangeOut(
            id=row.id,
            score=f"{row.score:f}",
            grade=row.grade,
            scorecard_version=row.scorecard_version,
            trigger=row.trigger,
            assessed_at=row.assessed_at,
            reasons=explanation["reasons"],
            recommended_limit=explanation["recommended_limit"],
            recommended_terms=explanation["recommended_terms"],
        )

    return page_of(rows, limit, view, lambda row: (row.id,))


async def payment_index_trend(
    session: AsyncSession, customer_code: str, limit: int
) -> list[tuple[date, int]]:
    """The payment index at each of the customer's last `limit` assessments, oldest first; those
    without one (too few settled invoices) are left out."""
    rows = await repository.history(session, customer_code, None, limit)
    points = [
        (date.fromisoformat(row.explanation["as_of"]), row.explanation["payment_behaviour"]["payment_index"])
        for row in reversed(rows)
    ]
    return [(day, index) for day, index in points if index is not None]
