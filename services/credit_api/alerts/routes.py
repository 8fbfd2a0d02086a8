from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from services.credit_api.alerts import service
from services.credit_api.alerts.schemas import AlertOut, NoteIn
from services.credit_api.api_keys.service import Principal
from services.credit_api.customers.routes import CodePath
from services.credit_api.deps import Session, require
from services.credit_api.pagination import Cursor, Page, PageSize
from services.credit_api.problems import responses
from shared.roles import Role

router = APIRouter(tags=["early warning"])

Staff = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]
LevelFilter = Annotated[Literal["watch", "warning", "critical"] | None, Query()]
StatusFilter = Annotated[Literal["open", "acknowledged", "resolved"] | None, Query()]


@router.get(
    "/v1/alerts",
    summary="Early-warning alerts, oldest first",
    description="Opened when a customer leaves normal, following its level, resolved when it is back "
    "to normal or by a person.",
    responses=responses(401, 403, 422),
)
async def list_alerts(
    session: Session,
    _: Staff,
    level: LevelFilter = None,
    status: StatusFilter = None,
    customer: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Cursor = None,
    limit: PageSize = 50,
) -> Page[AlertOut]:
    return await service.page(
        session, level=level, status=status, customer_code=customer, cursor=cursor, limit=limit
    )


@router.get(
    "/v1/customers/{customer_code}/alerts",
    summary="A customer's early-warning alerts, oldest first",
    responses=responses(401, 403, 422),
)
async def customer_alerts(
    customer_code: CodePath, session: Session, _: Staff, cursor: Cursor = None, limit: PageSize = 50
) -> Page[AlertOut]:
    return await service.page(
        session, level=None, status=None, customer_code=customer_code, cursor=cursor, limit=limit
    )


@router.post(
    "/v1/alerts/{alert_id}/acknowledge",
    summary="Acknowledge an alert, with a note",
    description="Audited; a higher level later sets it open again.",
    responses=responses(401, 403, 404, 409, 422),
)
async def acknowledge_alert(
    alert_id: uuid.UUID, body: NoteIn, session: Session, principal: Staff
) -> AlertOut:
    return await service.acknowledge(session, principal, alert_id, body.note, datetime.now(UTC))


@router.post(
    "/v1/alerts/{alert_id}/resolve",
    summary="Resolve an alert, with a note",
    description="Audited. If the customer is still above normal, its next change of level opens a new alert.",
    responses=responses(401, 403, 404, 409, 422),
)
async def resolve_alert(alert_id: uuid.UUID, body: NoteIn, session: Session, principal: Staff) -> AlertOut:
    return await service.resolve(session, principal, alert_id, body.note, datetime.now(UTC))
