"""Early-warning alerts, live, acknowledged and resolved."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sse_starlette import EventSourceResponse

from services.credit_api.console.texts import texts
from services.credit_api.console.web import (
    Format,
    User,
    act,
    language_of,
    render,
)
from services.credit_api.kernel.deps import Session
from services.credit_api.warnings.alerts import service as alerts
from services.credit_api.warnings.alerts.repository import AlertFilter
from services.credit_api.warnings.alerts.stream import AlertFeed, event_stream
from shared.domain.warnings import Level

router = APIRouter()


@router.get("/alerts")
async def alert_list(request: Request, session: Session, user: User) -> HTMLResponse:
    fmt = Format(language_of(request))
    shown = await alerts.page(session, AlertFilter(), None, 200)
    rows = [
        {**a.model_dump(), "opened": fmt.when(a.opened_at)}
        for a in sorted(shown.items, key=lambda a: a.opened_at, reverse=True)
        if a.status != "resolved"
    ]
    return render(
        request, "alerts.html.j2", texts(language_of(request))["alerts"], user, page="alerts", rows=rows
    )


@router.get("/alerts/stream")
async def alert_stream(request: Request, user: User) -> EventSourceResponse:
    """The API's live stream, for the signed-in person: changes from now on."""
    feed: AlertFeed = request.app.state.alert_feed
    return event_stream(feed.changes(Level.WATCH, None, None))


@router.post("/alerts/{alert_id}")
async def decide_alert(
    request: Request,
    session: Session,
    user: User,
    alert_id: uuid.UUID,
    csrf: Annotated[str, Form(max_length=100)],
    decision: Annotated[Literal["acknowledge", "resolve"], Form()],
    note: Annotated[str, Form(min_length=3, max_length=500)],
) -> Response:
    now, settings = datetime.now(UTC), request.app.state.settings
    command = alerts.acknowledge if decision == "acknowledge" else alerts.resolve
    return await act(
        request, session, user, csrf, "/console/alerts",
        lambda: command(session, user.principal, alert_id, note, settings, now),
    )  # fmt: skip
