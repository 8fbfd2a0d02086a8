from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, status

from services.credit_api.credit.limit_requests import service
from services.credit_api.credit.limit_requests.schemas import (
    LimitRequestCreate,
    LimitRequestDecision,
    LimitRequestOut,
)
from services.credit_api.kernel.deps import Session, require
from services.credit_api.kernel.pagination import Cursor, Page, PageSize
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role
from shared.schemas import CustomerCode, GroupCode

router = APIRouter(prefix="/v1/limit-requests", tags=["limit requests"])

Controller = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]
Approver = Annotated[Principal, Depends(require(Role.CREDIT_MANAGER))]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Request a new permanent limit for a customer or a credit group",
    description="Within the requester's authority it applies at once (`status: applied`); above it, it "
    "waits (`pending`) for someone else with enough authority. Name `customer_code` or "
    "`credit_group`; a group's limit is in the group's currency.",
    responses=responses(401, 403, 404, 422),
)
async def submit_limit_request(
    body: LimitRequestCreate, request: Request, session: Session, principal: Controller
) -> LimitRequestOut:
    limit_request = await service.submit(
        session, principal, body, request.app.state.settings, datetime.now(UTC)
    )
    return service.view(limit_request)


@router.get("", summary="List limit requests, oldest first", responses=responses(401, 403, 422))
async def list_limit_requests(
    session: Session,
    _: Controller,
    status_: Annotated[
        Literal["pending", "applied", "approved", "rejected"] | None, Query(alias="status")
    ] = None,
    customer_code: Annotated[CustomerCode | None, Query()] = None,
    credit_group: Annotated[GroupCode | None, Query()] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[LimitRequestOut]:
    return await service.page(
        session,
        status=status_,
        customer_code=customer_code,
        credit_group=credit_group,
        cursor=cursor,
        limit=limit,
    )


@router.get("/{request_id}", summary="Read a limit request", responses=responses(401, 403, 404, 422))
async def get_limit_request(request_id: uuid.UUID, session: Session, _: Controller) -> LimitRequestOut:
    return service.view(await service.get(session, request_id))


@router.post(
    "/{request_id}/approve",
    summary="Approve a pending limit request (not your own)",
    description="The approver is never the requester and needs authority for the amount. The limit "
    "applies at once and held orders are re-evaluated.",
    responses=responses(401, 403, 404, 409, 422),
)
async def approve_limit_request(
    request_id: uuid.UUID, body: LimitRequestDecision, request: Request, session: Session, principal: Approver
) -> LimitRequestOut:
    limit_request = await service.approve(
        session, principal, request_id, body.note, request.app.state.settings, datetime.now(UTC)
    )
    return service.view(limit_request)


@router.post(
    "/{request_id}/reject",
    summary="Reject a pending limit request (not your own)",
    responses=responses(401, 403, 404, 409, 422),
)
async def reject_limit_request(
    request_id: uuid.UUID, body: LimitRequestDecision, session: Session, principal: Approver
) -> LimitRequestOut:
    return service.view(await service.reject(session, principal, request_id, body.note, datetime.now(UTC)))
