from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from services.credit_api.api_keys.service import Principal
from services.credit_api.customers import service
from services.credit_api.customers.schemas import CustomerCreate, CustomerOut
from services.credit_api.deps import Session, require
from services.credit_api.problems import responses
from shared.roles import Role
from shared.schemas import CustomerCode

router = APIRouter(prefix="/v1/customers", tags=["customers"])

Writer = Annotated[Principal, Depends(require(Role.ERP, Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]
Reader = Annotated[
    Principal, Depends(require(Role.ERP, Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER, Role.ORDER_SYSTEM))
]
CodePath = Annotated[CustomerCode, Path(description="The ERP's customer code")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Open a customer credit file",
    responses=responses(401, 403, 409, 422),
)
async def create_customer(body: CustomerCreate, session: Session, principal: Writer) -> CustomerOut:
    customer = await service.create(session, principal, body)
    return await service.view(session, customer, date.today())


@router.get(
    "/{customer_code}",
    summary="Read a customer credit file with its limit in force",
    responses=responses(401, 403, 404),
)
async def get_customer(customer_code: CodePath, session: Session, _: Reader) -> CustomerOut:
    customer = await service.get(session, customer_code)
    return await service.view(session, customer, date.today())
