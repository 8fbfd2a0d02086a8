from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.credit_api.api_keys.service import Principal
from services.credit_api.credit_limits import service
from services.credit_api.credit_limits.schemas import CreditLimitSet
from services.credit_api.customers.routes import CodePath
from services.credit_api.customers.schemas import CreditLimitOut
from services.credit_api.customers.service import limit_view
from services.credit_api.deps import Session, require
from services.credit_api.problems import responses
from shared.roles import Role

router = APIRouter(prefix="/v1/customers/{customer_code}/credit-limit", tags=["credit limits"])

Manager = Annotated[Principal, Depends(require(Role.CREDIT_MANAGER))]


@router.put("", summary="Set the permanent credit limit", responses=responses(401, 403, 404, 422))
async def set_credit_limit(
    customer_code: CodePath, body: CreditLimitSet, session: Session, principal: Manager
) -> CreditLimitOut:
    return limit_view(await service.set_permanent(session, principal, customer_code, body))
