from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request

from services.credit_api.collections.cash_application import service
from services.credit_api.collections.cash_application.schemas import CashMatchOut, ConfirmIn, RejectIn, Status
from services.credit_api.kernel.deps import Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role

router = APIRouter(tags=["collections"])

Staff = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]
PaymentPath = Annotated[str, Path(min_length=1, max_length=100)]
CustomerQuery = Annotated[
    str | None,
    Query(max_length=64, description="The payer, when the payment id is known for several customers"),
]


@router.get(
    "/v1/cash-application",
    summary="Payments waiting for a person to match them to invoices",
    description="By default the matches a person has to decide (`pending`, and `refused` by the "
    "ledger), oldest payment first; `status` picks others.",
    responses=responses(401, 403, 422),
)
async def cash_application_queue(
    session: Session,
    _: Staff,
    status: Annotated[list[Status], Query()] = [],  # noqa: B006 - FastAPI reads a list query this way
    customer_code: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[CashMatchOut]:
    return await service.queue(session, status, customer_code, limit)


@router.get(
    "/v1/cash-application/{payment_id}",
    summary="A payment's cash application match",
    responses=responses(401, 403, 404, 409, 422),
)
async def cash_match(
    payment_id: PaymentPath, session: Session, _: Staff, customer_code: CustomerQuery = None
) -> CashMatchOut:
    return await service.current(session, payment_id, customer_code)


@router.post(
    "/v1/cash-application/{payment_id}/confirm",
    summary="Apply a payment to the proposed invoices, or to the ones given",
    description="Publishes `payment.allocated`: the ledger applies it (invoices paid from the payment's "
    "date, out of dunning and late interest) and the ERP books it. Audited.",
    responses=responses(401, 403, 404, 409, 422),
)
async def confirm_cash_match(
    payment_id: PaymentPath,
    request: Request,
    session: Session,
    principal: Staff,
    body: Annotated[ConfirmIn, Body(default_factory=ConfirmIn)],
    customer_code: CustomerQuery = None,
) -> CashMatchOut:
    return await service.confirm(
        session,
        principal,
        payment_id,
        customer_code,
        body,
        datetime.now(UTC),
        request.app.state.settings,
    )


@router.post(
    "/v1/cash-application/{payment_id}/reject",
    summary="Reject a waiting match, or reverse an applied one",
    description="A waiting match is set aside and the cash stays on account. An applied one is "
    "reversed: `payment.allocation_reversed` puts its cash back on account and reopens the invoices. "
    "Audited.",
    responses=responses(401, 403, 404, 409, 422),
)
async def reject_cash_match(
    payment_id: PaymentPath,
    request: Request,
    session: Session,
    principal: Staff,
    body: Annotated[RejectIn, Body(default_factory=RejectIn)],
    customer_code: CustomerQuery = None,
) -> CashMatchOut:
    return await service.reject(
        session,
        principal,
        payment_id,
        customer_code,
        body,
        datetime.now(UTC),
        request.app.state.settings,
    )
