from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.credit_api.credit.exposure import service
from services.credit_api.credit.exposure.schemas import ExposureOut
from services.credit_api.kernel.deps import CodePath, Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role

router = APIRouter(prefix="/v1/customers/{customer_code}/exposure", tags=["exposure"])

Reader = Annotated[
    Principal, Depends(require(Role.ORDER_SYSTEM, Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))
]


@router.get(
    "",
    summary="A customer's exposure, limit and standing, component by component",
    description="The same figures a credit check uses at this moment.",
    responses=responses(401, 403, 404, 422),
)
async def get_exposure(customer_code: CodePath, request: Request, session: Session, _: Reader) -> ExposureOut:
    standing = await service.standing(
        session,
        customer_code,
        datetime.now(UTC),
        net_unallocated_cash=request.app.state.settings.net_unallocated_cash,
    )
    return await service.view(session, standing)
