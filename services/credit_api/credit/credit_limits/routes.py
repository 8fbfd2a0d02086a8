from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.credit_api.credit.credit_limits import service
from services.credit_api.credit.credit_limits.schemas import CreditLimitSet
from services.credit_api.credit.customers.schemas import CreditLimitOut
from services.credit_api.kernel.deps import CodePath, Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role

router = APIRouter(prefix="/v1/customers/{customer_code}/credit-limit", tags=["credit limits"])

Manager = Annotated[Principal, Depends(require(Role.CREDIT_MANAGER))]
Controller = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]


@router.put(
    "",
    summary="Set the permanent credit limit, within your approval authority",
    description="Beyond the caller's authority the answer is 403 `authority-exceeded`: file a limit "
    "request for a second person's approval. Held orders are re-evaluated at once.",
    responses=responses(401, 403, 404, 422),
)
async def set_credit_limit(
    customer_code: CodePath, body: CreditLimitSet, request: Request, session: Session, principal: Manager
) -> CreditLimitOut:
    return CreditLimitOut.of(
        await service.set_directly(
            session,
            principal,
            customer_code,
            body.amount,
            body.currency,
            body.valid_until,
            body.reason,
            request.app.state.settings,
            datetime.now(UTC),
        )
    )


@router.get(
    "/history",
    summary="Every permanent limit the customer has had, newest first",
    responses=responses(401, 403, 404, 422),
)
async def credit_limit_history(
    customer_code: CodePath, session: Session, _: Controller
) -> list[CreditLimitOut]:
    return [CreditLimitOut.of(limit) for limit in await service.history(session, customer_code)]
