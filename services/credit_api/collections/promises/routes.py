from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from services.credit_api.collections.promises import service
from services.credit_api.collections.promises.schemas import PromiseIn, PromiseOut
from services.credit_api.kernel.deps import CodePath, Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role

router = APIRouter(tags=["collections"])

Staff = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]


@router.post(
    "/v1/customers/{customer_code}/promises",
    status_code=status.HTTP_201_CREATED,
    summary="Record a promise to pay",
    description="Dunning of the promised invoices (of all the customer's invoices, for an amount "
    "alone) pauses until the promised date plus the policy's grace; the daily run then finds the "
    "promise kept or broken (`promise.*` events). Audited.",
    responses=responses(401, 403, 404, 422),
)
async def make_promise(
    customer_code: CodePath, body: PromiseIn, request: Request, session: Session, principal: Staff
) -> PromiseOut:
    return await service.make(
        session, principal, customer_code, body, datetime.now(UTC), request.app.state.settings
    )


@router.get(
    "/v1/customers/{customer_code}/promises",
    summary="A customer's promises to pay, oldest first",
    responses=responses(401, 403, 404, 422),
)
async def list_promises(customer_code: CodePath, session: Session, _: Staff) -> list[PromiseOut]:
    return await service.of_customer(session, customer_code)
