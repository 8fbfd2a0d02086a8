from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.credit_api.finance.specific_provisions import service
from services.credit_api.finance.specific_provisions.schemas import SpecificProvisionIn, SpecificProvisionOut
from services.credit_api.kernel.deps import CodePath, Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role

# Beside the reports it changes, in the OpenAPI document too.
router = APIRouter(tags=["reports"])

Manager = Annotated[Principal, Depends(require(Role.CREDIT_MANAGER))]


@router.put(
    "/v1/customers/{customer_code}/specific-provision",
    summary="Provide for a customer by name (takes it out of the matrix)",
    description="A rate of what it owes, or an amount, with the reason. Credit managers; audited.",
    responses=responses(401, 403, 404, 422),
)
async def set_specific_provision(
    customer_code: CodePath, body: SpecificProvisionIn, session: Session, principal: Manager
) -> SpecificProvisionOut:
    saved = await service.provide(
        session, principal, customer_code, body.rate, body.amount, body.currency, body.reason
    )
    return SpecificProvisionOut.model_validate(service.view(saved))


@router.delete(
    "/v1/customers/{customer_code}/specific-provision",
    summary="Return a customer to the provision matrix (audited); answers what was removed",
    responses=responses(401, 403, 404, 422),
)
async def remove_specific_provision(
    customer_code: CodePath, session: Session, principal: Manager
) -> SpecificProvisionOut:
    return SpecificProvisionOut.model_validate(await service.remove(session, principal, customer_code))
