"""Early-warning alerts, live, acknowledged and resolved."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sse_starlette import EventSourceResponse

from services.credit_api.console.texts import texts
from services.credit_api.console.web import User, act, formatter, language_of, render
from services.credit_api.kernel.deps import Session
from services.credit_api.warnings.alerts import service as alerts
from services.credit_api.warnings.alerts.repository import AlertFilter
from services.credit_api.warnings.alerts.stream import AlertFeed, Change, event_stream
from shared.domain.warnings import Level
from shared.vocabulary import Format, word

router = APIRouter()


@router.get("/alerts")
async def alert_list(request: Request, session: Session, user: User) -> HTMLResponse:
    fmt = await formatter(request, session)
    shown = await alerts.page(session, AlertFilter(), None, 200)
    rows = [
        {**a.model_dump(), "opened": fmt.when(a.opened_at), "said": [fmt.cause(c) for c in a.causes]}
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
    return event_stream(_worded(feed.changes(Level.WATCH, None, None), Format(language_of(request))))


async def _worded(changes: AsyncIterator[Change | None], fmt: Format) -> AsyncIterator[Change | None]:
    """Each change with the words a person reads beside its codes (`data.words`)."""
    async for change in changes:
        if change is not None:
            event = json.loads(change.data)
            alert = event.get("data", {})
            alert["words"] = {
                "level": word("level", str(alert.get("level")), fmt.language),
                "status": word("status", str(alert.get("status")), fmt.language),
                "causes": [fmt.cause(c) for c in alert.get("causes", [])],
            }
            change = replace(change, data=json.dumps(event))
        yield change


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
