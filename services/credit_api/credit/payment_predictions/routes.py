from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.credit_api.credit.payment_predictions import service
from services.credit_api.credit.payment_predictions.schemas import Predictions
from services.credit_api.kernel.deps import CodePath, Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role
from shared.schemas import IsoDate

router = APIRouter(tags=["payment predictions"])

Reader = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]


@router.get(
    "/v1/customers/{customer_code}/open-items",
    summary="A customer's open invoices with their predicted payment dates",
    description="Each open invoice (by due date) with the date by which it is paid with a chance of "
    "one half, its 10th–90th percentile band, the probability of payment by its due date and of no "
    "payment within 30 days; an invoice under dispute is not predicted; a promise whose predicted "
    "payment falls after the promised date is at risk. `method` explains the customer's habit. "
    "As of a past date, only what was known on it is read.",
    responses=responses(401, 403, 404, 422),
)
async def open_items(
    customer_code: CodePath,
    session: Session,
    _: Reader,
    as_of: Annotated[IsoDate | None, Query(description="Default today; any past date")] = None,
) -> Predictions:
    return await service.customer_predictions(session, customer_code, as_of or date.today())
