from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from services.credit_api.credit.temporary_limits import service
from services.credit_api.credit.temporary_limits.schemas import TemporaryLimitCreate, TemporaryLimitOut
from services.credit_api.kernel.deps import CodePath, Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role

router = APIRouter(prefix="/v1/customers/{customer_code}/temporary-limits", tags=["credit limits"])

Controller = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Grant a temporary limit increase for a window",
    description="Within the caller's authority (the permanent limit plus every overlapping increase). "
    "Held orders are re-evaluated at once.",
    responses=responses(401, 403, 404, 422),
)
async def grant_temporary_limit(
    customer_code: CodePath,
    body: TemporaryLimitCreate,
    request: Request,
    session: Session,
    principal: Controller,
) -> TemporaryLimitOut:
    limit = await service.grant(
        session, principal, customer_code, body, request.app.state.settings, datetime.now(UTC)
    )
    return service.view(limit)


@router.get(
    "", summary="A customer's temporary increases, latest first", responses=responses(401, 403, 404, 422)
)
async def list_temporary_limits(
    customer_code: CodePath, session: Session, _: Controller
) -> list[TemporaryLimitOut]:
    return await service.listing(session, customer_code)
