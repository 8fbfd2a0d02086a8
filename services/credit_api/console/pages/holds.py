"""Orders on credit hold, released or rejected by a person."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from services.credit_api.console.texts import texts
from services.credit_api.console.web import User, act, language_of, render
from services.credit_api.credit.credit_holds import service as holds
from services.credit_api.kernel.deps import Session
from shared.vocabulary import Format

router = APIRouter()


@router.get("/holds")
async def hold_list(request: Request, session: Session, user: User) -> HTMLResponse:
    words = texts(language_of(request))
    shown = await holds.page(session, status="open", customer_code=None, cursor=None, limit=200)
    fmt = Format(language_of(request))
    rows = [
        {**h.model_dump(), "amount": fmt.money(h.amount, h.currency), "created_at": fmt.when(h.created_at)}
        for h in shown.items
    ]
    return render(request, "holds.html.j2", words["holds"], user, page="holds", rows=rows)


@router.post("/holds/{hold_id}")
async def resolve_hold(
    request: Request,
    session: Session,
    user: User,
    hold_id: uuid.UUID,
    csrf: Annotated[str, Form(max_length=100)],
    decision: Annotated[Literal["release", "reject"], Form()],
    reason: Annotated[str, Form(min_length=3, max_length=500)],
) -> Response:
    now, settings = datetime.now(UTC), request.app.state.settings
    command = holds.release if decision == "release" else holds.reject
    return await act(
        request, session, user, csrf, "/console/holds",
        lambda: command(session, user.principal, hold_id, reason, settings, now),
    )  # fmt: skip
