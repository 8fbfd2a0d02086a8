from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from services.credit_api.collections.contacts import service
from services.credit_api.collections.contacts.schemas import ContactIn, ContactOut
from services.credit_api.kernel.deps import CodePath, Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role

router = APIRouter(tags=["collections"])

Staff = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]


@router.post(
    "/v1/customers/{customer_code}/contacts",
    status_code=status.HTTP_201_CREATED,
    summary="Log a call, visit, e-mail or letter with a customer",
    description="In the customer's contact log; a next action with its date becomes a `follow_up` "
    "task on the worklist when it falls due (at once when it is today or earlier). Audited.",
    responses=responses(401, 403, 404, 422),
)
async def record_contact(
    customer_code: CodePath, body: ContactIn, session: Session, principal: Staff
) -> ContactOut:
    return await service.record(session, principal, customer_code, body, datetime.now(UTC))


@router.get(
    "/v1/customers/{customer_code}/contacts",
    summary="A customer's contact log, latest first",
    responses=responses(401, 403, 404, 422),
)
async def list_contacts(
    customer_code: CodePath,
    session: Session,
    _: Staff,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ContactOut]:
    return await service.of_customer(session, customer_code, limit)
