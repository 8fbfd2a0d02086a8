from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from sse_starlette.sse import EventSourceResponse

from services.credit_api.kernel.deps import CodePath, Session, require
from services.credit_api.kernel.pagination import Cursor, Page, PageSize
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from services.credit_api.warnings.alerts import service
from services.credit_api.warnings.alerts.repository import AlertFilter
from services.credit_api.warnings.alerts.schemas import AlertOut, NoteIn
from services.credit_api.warnings.alerts.stream import AlertFeed, event_stream
from shared.domain.warnings import INDICATORS, Level
from shared.roles import Role
from shared.schemas import IsoDateTime

router = APIRouter(tags=["early warning"])

Staff = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]
LevelFilter = Annotated[Literal["watch", "warning", "critical"] | None, Query()]
StatusFilter = Annotated[Literal["open", "acknowledged", "resolved"] | None, Query()]


@router.get(
    "/v1/alerts",
    summary="Early-warning alerts, oldest first",
    description="Opened when a customer leaves normal, following its level, resolved when it is back "
    "to normal or by a person. `indicator` keeps alerts that indicator causes; `since` alerts changed "
    "at or after that moment.",
    responses=responses(401, 403, 422),
)
async def list_alerts(
    session: Session,
    _: Staff,
    level: LevelFilter = None,
    status: StatusFilter = None,
    customer: Annotated[str | None, Query(max_length=64)] = None,
    indicator: Annotated[str | None, Query(pattern=f"^({'|'.join(INDICATORS)})$")] = None,
    since: IsoDateTime | None = None,
    cursor: Cursor = None,
    limit: PageSize = 50,
) -> Page[AlertOut]:
    where = AlertFilter(level, status, customer, indicator, since)
    return await service.page(session, where, cursor, limit)


@router.get(
    "/v1/alerts/stream",
    summary="The live stream of alert changes (server-sent events)",
    description="Each event is one change of an alert (`alert.opened`, `alert.updated`, "
    "`alert.acknowledged`, `alert.resolved`, `alert.reopened`) with its `id`. A new client receives "
    "changes from now on; one that reconnects with `Last-Event-ID` receives everything it missed, in "
    "order, without duplicates (`Last-Event-ID: 0`: the whole history). `level` keeps "
    "changes at that level or above; `customer` one customer's. The stream opens with the "
    "comment `: subscribed` once its starting point is fixed: nothing committed after it is "
    "missed. A comment every 15 s keeps proxies from closing an idle stream.",
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
    last_event_id: Annotated[
        str | None,
        Header(alias="Last-Event-ID", pattern=r"^\d{1,18}$", description="The id of the last event seen"),
    ] = None,
) -> EventSourceResponse:
    feed: AlertFeed = request.app.state.alert_feed
    return event_stream(
        feed.changes(
            Level[(level or "watch").upper()], customer, None if last_event_id is None else int(last_event_id)
        )
    )


@router.get(
    "/v1/customers/{customer_code}/alerts",
    summary="A customer's early-warning alerts, oldest first",
    responses=responses(401, 403, 422),
)
async def customer_alerts(
    customer_code: CodePath, session: Session, _: Staff, cursor: Cursor = None, limit: PageSize = 50
) -> Page[AlertOut]:
    return await service.page(session, AlertFilter(customer_code=customer_code), cursor, limit)


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
    description="Audited. If the customer is still at its level at the next evaluation, the alert is "
    "reopened "
    "then, and says so.",
    responses=responses(401, 403, 404, 409, 422),
)
async def resolve_alert(
    alert_id: uuid.UUID, body: NoteIn, request: Request, session: Session, principal: Staff
) -> AlertOut:
    settings = request.app.state.settings
    return await service.resolve(session, principal, alert_id, body.note, settings, datetime.now(UTC))
