from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.credit_api.api_keys.service import Principal
from services.credit_api.credit_checks import service
from services.credit_api.credit_checks.schemas import CreditCheckOut, CreditCheckRequest
from services.credit_api.deps import Session, require
from services.credit_api.problems import responses
from shared.roles import Role

router = APIRouter(prefix="/v1/credit-checks", tags=["credit checks"])

Caller = Annotated[
    Principal, Depends(require(Role.ORDER_SYSTEM, Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))
]


@router.post(
    "",
    summary="Decide whether an order may go ahead on credit",
    description="Answers `approved` or `held` with machine-readable reasons, and keeps the decision.",
    responses=responses(401, 403, 404, 422),
)
async def create_credit_check(
    body: CreditCheckRequest, request: Request, session: Session, principal: Caller
) -> CreditCheckOut:
    return await service.check(session, principal, body, request.app.state.policy)


@router.get("/{check_id}", summary="Read a stored credit decision", responses=responses(401, 403, 404, 422))
async def get_credit_check(check_id: uuid.UUID, session: Session, _: Caller) -> CreditCheckOut:
    return await service.get(session, check_id)
