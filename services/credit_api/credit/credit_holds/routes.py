from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from services.credit_api.credit.credit_holds import service
from services.credit_api.credit.credit_holds.schemas import HoldDecision, HoldOut
from services.credit_api.kernel.deps import Session, require
from services.credit_api.kernel.pagination import Cursor, Page, PageSize
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role
from shared.schemas import CustomerCode

router = APIRouter(prefix="/v1/credit-holds", tags=["credit holds"])

Reader = Annotated[
    Principal, Depends(require(Role.ORDER_SYSTEM, Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))
]
Controller = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]


@router.get("", summary="List credit holds, oldest first", responses=responses(401, 403, 422))
async def list_credit_holds(
    session: Session,
    _: Reader,
    status: Annotated[Literal["open", "released", "rejected"] | None, Query()] = None,
    customer_code: Annotated[CustomerCode | None, Query()] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[HoldOut]:
    return await service.page(session, status=status, customer_code=customer_code, cursor=cursor, limit=limit)


@router.get("/{hold_id}", summary="Read a credit hold", responses=responses(401, 403, 404, 422))
async def get_credit_hold(hold_id: uuid.UUID, session: Session, _: Reader) -> HoldOut:
    return service.view(await service.get(session, hold_id))


@router.post(
    "/{hold_id}/release",
    summary="Release a held order (override), reserving its amount",
    description="A credit controller's decision to let the order go ahead although the rules held it. "
    "Publishes `credit.hold_released`.",
    responses=responses(401, 403, 404, 409, 422),
)
async def release_credit_hold(
    hold_id: uuid.UUID, body: HoldDecision, request: Request, session: Session, principal: Controller
) -> HoldOut:
    hold = await service.release(
        session, principal, hold_id, body.reason, request.app.state.settings, datetime.now(UTC)
    )
    return service.view(hold)


@router.post(
    "/{hold_id}/reject",
    summary="Reject a held order",
    description="Publishes `credit.hold_rejected`.",
    responses=responses(401, 403, 404, 409, 422),
)
async def reject_credit_hold(
    hold_id: uuid.UUID, body: HoldDecision, request: Request, session: Session, principal: Controller
) -> HoldOut:
    hold = await service.reject(
        session, principal, hold_id, body.reason, request.app.state.settings, datetime.now(UTC)
    )
    return service.view(hold)
