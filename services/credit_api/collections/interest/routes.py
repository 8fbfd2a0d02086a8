from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from services.credit_api.collections.interest import service
from services.credit_api.collections.interest.schemas import InterestClaimOut, InvoicedIn, WaiverIn
from services.credit_api.kernel.deps import CodePath, Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role
from shared.schemas import IsoDate

router = APIRouter(tags=["collections"])

Staff = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]
Manager = Annotated[Principal, Depends(require(Role.CREDIT_MANAGER))]
Invoicer = Annotated[Principal, Depends(require(Role.ERP, Role.CREDIT_MANAGER))]
ItemPath = Annotated[str, Path(min_length=1, max_length=100)]


@router.get(
    "/v1/customers/{customer_code}/interest",
    summary="A customer's late interest: claims of settled invoices, and what open ones accrue",
    description="Each invoice paid late keeps its claim (interest and fixed compensation, with how "
    "they add up) until it is invoiced by the ERP or waived; an open overdue invoice's interest is "
    "computed as of `as_of` (default today).",
    responses=responses(401, 403, 404, 422),
)
async def customer_interest(
    customer_code: CodePath,
    session: Session,
    _: Staff,
    as_of: Annotated[IsoDate | None, Query(description="Default: today")] = None,
) -> list[InterestClaimOut]:
    return await service.of_customer(session, customer_code, as_of or datetime.now(UTC).date())


@router.post(
    "/v1/customers/{customer_code}/interest/{item_id}/waive",
    summary="Waive an invoice's late interest",
    description="A settled invoice's claim, or an open invoice's interest (no notice claims it "
    "afterwards). Credit managers only; audited; `interest.waived` event.",
    responses=responses(401, 403, 404, 409, 422),
)
async def waive_interest(
    customer_code: CodePath,
    item_id: ItemPath,
    body: WaiverIn,
    request: Request,
    session: Session,
    principal: Manager,
) -> InterestClaimOut:
    return await service.waive(
        session, principal, customer_code, item_id, body, datetime.now(UTC), request.app.state.settings
    )


@router.post(
    "/v1/customers/{customer_code}/interest/{item_id}/invoice",
    summary="Record that the ERP invoiced a settled invoice's late interest",
    description="The claim is closed with the ERP's invoice reference. An open invoice's interest "
    "is still running: 409. Audited; `interest.invoiced` event.",
    responses=responses(401, 403, 404, 409, 422),
)
async def interest_invoiced(
    customer_code: CodePath,
    item_id: ItemPath,
    body: InvoicedIn,
    request: Request,
    session: Session,
    principal: Invoicer,
) -> InterestClaimOut:
    return await service.invoiced(
        session, principal, customer_code, item_id, body, datetime.now(UTC), request.app.state.settings
    )
