from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse

from services.credit_api.credit.credit_checks import service
from services.credit_api.credit.credit_checks.pipeline import CheckPipeline
from services.credit_api.credit.credit_checks.schemas import CreditCheckOut, CreditCheckRequest
from services.credit_api.kernel.deps import Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.domain.errors import Unavailable
from shared.roles import Role

router = APIRouter(prefix="/v1/credit-checks", tags=["credit checks"])

Caller = Annotated[
    Principal, Depends(require(Role.ORDER_SYSTEM, Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Optional: a retry with the same key and body gets the first answer back (the same "
        "`check_id`) instead of a new decision. Without it, a repeated check of the same order is "
        "decided again and replaces that order's reservation or hold, never adds to it.",
    ),
]


@router.post(
    "",
    summary="Decide whether an order may go ahead on credit",
    response_model=CreditCheckOut,
    description="Answers `approved` or `held` with machine-readable reasons, in this order: blocked, "
    "no valid limit, overdue beyond tolerance, critical warning (the customer's early-warning level "
    "holds orders by the warning policy), limit exceeded (with the shortfall); an "
    "approval warns `near_limit` from 90% utilisation. With `reserve`, an approval reserves "
    "the amount and a hold opens a credit hold. `order_ref` is the natural key of both: an "
    "order has at most one live reservation and one open hold, so checking the same order again "
    "(a retry, or an amended amount) replaces them and never counts the order twice. Every "
    "decision is kept.",
    responses=responses(401, 403, 404, 409, 422),
)
async def create_credit_check(
    body: CreditCheckRequest,
    request: Request,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    # Decided with the checks that arrive with it, in one transaction (credit_checks.pipeline).
    pipeline: CheckPipeline = request.app.state.check_pipeline
    deadline = request.app.state.settings.check_deadline_seconds
    try:
        answer = await asyncio.wait_for(
            pipeline.submit(service.Asked(principal, body, idempotency_key)), deadline
        )
    except TimeoutError:
        # Never a hang: the check may still be decided; a retry with the same Idempotency-Key
        # gets that decision, a retry without one replaces the order's reservation or hold.
        raise Unavailable(f"no decision within {deadline:g} s: try again", retry_after=1) from None
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.content, status_code=answer.status_code, headers=headers)


@router.get("/{check_id}", summary="Read a stored credit decision", responses=responses(401, 403, 404, 422))
async def get_credit_check(check_id: uuid.UUID, session: Session, _: Caller) -> CreditCheckOut:
    return await service.get(session, check_id)
