from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from services.credit_api.access.portal_links import service
from services.credit_api.access.portal_links.schemas import PortalLinkIn, PortalLinkOut
from services.credit_api.kernel.deps import CodePath, Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role

router = APIRouter(tags=["portal"])

Staff = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]


@router.post(
    "/v1/customers/{customer_code}/portal-links",
    status_code=status.HTTP_201_CREATED,
    summary="Give a customer a link to its portal",
    description="A signed link that works until it expires or is revoked, for a person to hand to "
    "the customer; statement and dunning e-mails carry their own. Audited. 409 `portal-off` when "
    "no `CREDENCE_API_PORTAL_SECRET` is set.",
    responses=responses(401, 403, 404, 409, 422),
)
async def give_link(
    customer_code: CodePath, body: PortalLinkIn, request: Request, session: Session, principal: Staff
) -> PortalLinkOut:
    settings = request.app.state.settings
    return await service.give(session, principal, customer_code, body, datetime.now(UTC), settings)


@router.get(
    "/v1/customers/{customer_code}/portal-links",
    summary="A customer's portal links, latest first",
    responses=responses(401, 403, 404, 409, 422),
)
async def list_links(
    customer_code: CodePath, request: Request, session: Session, _: Staff
) -> list[PortalLinkOut]:
    return await service.of_customer(session, customer_code, request.app.state.settings)


@router.delete(
    "/v1/portal-links/{link_id}",
    summary="Revoke a portal link",
    description="The link stops working at once; revoking it again changes nothing. Audited.",
    responses=responses(401, 403, 404, 409, 422),
)
async def revoke_link(
    link_id: uuid.UUID, request: Request, session: Session, principal: Staff
) -> PortalLinkOut:
    settings = request.app.state.settings
    return await service.revoke(session, principal, link_id, datetime.now(UTC), settings)
