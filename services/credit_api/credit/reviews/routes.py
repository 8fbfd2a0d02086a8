from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from services.credit_api.credit.reviews import service
from services.credit_api.credit.reviews.schemas import DueReview, ReviewIn, ReviewOut
from services.credit_api.kernel.deps import CodePath, Session, require
from services.credit_api.kernel.pagination import Cursor, Page, PageSize
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role
from shared.schemas import IsoDate

router = APIRouter(tags=["credit assessment"])

Controller = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]


@router.get(
    "/v1/reviews",
    summary="Customers due for a credit review",
    description="Active customers whose review date is on or before `due_before` (default today), "
    "earliest first, with grade, exposure, the limit set and the assessment's recommendation.",
    responses=responses(401, 403, 422),
)
async def due_reviews(
    request: Request,
    session: Session,
    _: Controller,
    due_before: Annotated[IsoDate | None, Query(description="Default: today")] = None,
    cursor: Cursor = None,
    limit: PageSize = 50,
) -> Page[DueReview]:
    now = datetime.now(UTC)
    return await service.due(
        session, due_before or now.date(), cursor, limit, now, request.app.state.settings.net_unallocated_cash
    )


@router.post(
    "/v1/customers/{customer_code}/reviews",
    status_code=status.HTTP_201_CREATED,
    summary="Record a completed credit review",
    description="Audited; the next review date is today plus the review period of the customer's grade.",
    responses=responses(401, 403, 404, 422),
)
async def complete_review(
    customer_code: CodePath, body: ReviewIn, session: Session, principal: Controller
) -> ReviewOut:
    return await service.complete(session, principal, customer_code, body, datetime.now(UTC))
