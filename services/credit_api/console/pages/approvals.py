"""Limit requests waiting for a credit manager's decision."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.console import repository
from services.credit_api.console.texts import texts
from services.credit_api.console.web import User, act, language_of, may, render
from services.credit_api.credit.limit_requests import service as limit_requests
from services.credit_api.kernel.deps import Session
from shared.roles import Role
from shared.vocabulary import Format

router = APIRouter()


@router.get("/approvals")
async def approvals(request: Request, session: Session, user: User) -> HTMLResponse:
    words = texts(language_of(request))
    pending = await limit_requests.page(session, status="pending", customer_code=None, cursor=None, limit=200)
    file = await _grades(session, [r.customer_code for r in pending.items if r.customer_code])
    fmt = Format(language_of(request))
    rows = [
        {
            **r.model_dump(),
            "amount": fmt.money(r.amount, r.currency),
            "requested_at": fmt.when(r.requested_at),
            "grade": file.get(r.customer_code or "", (None, None))[0],
            "score": file.get(r.customer_code or "", (None, None))[1],
        }
        for r in pending.items
    ]
    may_decide = may(user, Role.CREDIT_MANAGER)
    return render(
        request,
        "approvals.html.j2",
        words["approvals"],
        user,
        page="approvals",
        rows=rows,
        may_decide=may_decide,
    )


@router.post("/approvals/{request_id}")
async def decide(
    request: Request,
    session: Session,
    user: User,
    request_id: uuid.UUID,
    csrf: Annotated[str, Form(max_length=100)],
    decision: Annotated[Literal["approve", "reject"], Form()],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    now, settings = datetime.now(UTC), request.app.state.settings

    def decided() -> Awaitable[object]:
        if decision == "approve":
            return limit_requests.approve(session, user.principal, request_id, note or None, settings, now)
        return limit_requests.reject(session, user.principal, request_id, note or None, now)

    return await act(request, session, user, csrf, "/console/approvals", decided, (Role.CREDIT_MANAGER,))


async def _grades(session: AsyncSession, codes: list[str]) -> dict[str, tuple[str | None, str | None]]:
    return {
        code: (grade, None if score is None else f"{score:f}")
        for code, grade, score in await repository.grades(session, codes)
    }
