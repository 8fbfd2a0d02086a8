from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from sse_starlette.sse import EventSourceResponse

from services.credit_api.alerts import service
from services.credit_api.alerts.schemas import AlertOut, NoteIn
from services.credit_api.alerts.stream import AlertFeed
from services.credit_api.api_keys.service import Principal
from services.credit_api.customers.routes import CodePath
from services.credit_api.deps import Session, require
from services.credit_api.pagination import Cursor, Page, PageSize
from services.credit_api.problems import responses
from shared.domain.warnings import Level
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
    "/v1/alerts/stream",
    summary="The live stream of alert changes (server-sent events)",
    description="Each event is one change of an alert (`alert.opened`, `alert.updated`, "
    "`alert.acknowledged`, `alert.resolved`) with its `id`; a client that reconnects with "
    "`Last-Event-ID` receives everything it missed, in order, without duplicates. `level` keeps "
    "changes at that level or above; `customer` one customer's. A comment every 15 s keeps proxies "
    "from closing an idle stream.",
    response_class=EventSourceResponse,
    responses={
        200: {
            "content": {
                "text/event-stream": {
                    "example": 'id: 42\nevent: alert.opened\ndata: {"type": "alert.opened", ...}\n\n'
                }
            }
        },
        **responses(401, 403, 422),
    },
)
async def alert_stream(
    request: Request,
    _: Staff,
    level: LevelFilter = None,
    customer: Annotated[str | None, Query(max_length=64)] = None,
    last_event_id: Annotated[int | None, Header(alias="Last-Event-ID", ge=0)] = None,
) -> EventSourceResponse:
    feed: AlertFeed = request.app.state.alert_feed
    changes = feed.changes(Level[(level or "watch").upper()], customer, last_event_id or 0)

    async def events() -> AsyncIterator[dict[str, str]]:
        async for change in changes:
            yield {"id": str(change.id), "event": change.type, "data": json.dumps(change.payload)}

    return EventSourceResponse(events(), ping=15)


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
    alert_id: uuid.UUID, body: NoteIn, request: Request, session: Session, principal: Staff
) -> AlertOut:
    settings = request.app.state.settings
    return await service.acknowledge(session, principal, alert_id, body.note, settings, datetime.now(UTC))


@router.post(
    "/v1/alerts/{alert_id}/resolve",
    summary="Resolve an alert, with a note",
    description="Audited. If the customer is still above normal, its next change of level opens a new alert.",
    responses=responses(401, 403, 404, 409, 422),
)
async def resolve_alert(
    alert_id: uuid.UUID, body: NoteIn, request: Request, session: Session, principal: Staff
) -> AlertOut:
    settings = request.app.state.settings
    return await service.resolve(session, principal, alert_id, body.note, settings, datetime.now(UTC))
