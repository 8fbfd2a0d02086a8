"""The collectors' worklist and its outcomes."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from services.credit_api.collections.promises.schemas import PromiseIn
from services.credit_api.collections.tasks import service as tasks
from services.credit_api.collections.tasks.schemas import CompletionIn, Outcome
from services.credit_api.console.texts import texts
from services.credit_api.console.web import (
    User,
    attempt,
    checked,
    formatter,
    language_of,
    may,
    redirect_back,
    render,
)
from services.credit_api.kernel.deps import Session
from shared.roles import Role
from shared.vocabulary import Format, word

router = APIRouter()


@router.get("/worklist")
async def worklist(request: Request, session: Session, user: User) -> HTMLResponse:
    fmt = await formatter(request, session)
    work = await tasks.worklist(session, datetime.now(UTC))
    rows = [
        {**w.model_dump(), "at_risk": fmt.money(w.amount_at_risk, w.currency), "lines": _lines(w.items, fmt)}
        for w in work
    ]
    outcomes = list(get_args(Outcome))
    words = texts(language_of(request))
    return render(
        request, "worklist.html.j2", words["worklist"], user, page="worklist", rows=rows, outcomes=outcomes
    )


@router.post("/worklist/{task_id}")
async def complete_task(
    request: Request,
    session: Session,
    user: User,
    task_id: uuid.UUID,
    csrf: Annotated[str, Form(max_length=100)],
    outcome: Annotated[Outcome, Form()],
    note: Annotated[str, Form(max_length=500)] = "",
    promised_date: Annotated[str, Form(max_length=10)] = "",
    item_ids: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    checked(user, csrf)
    words = texts(language_of(request))
    if not may(user, Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER):
        return redirect_back("/console/worklist", words["only_managers"], words)
    try:
        promise = (
            PromiseIn(
                promised_date=date.fromisoformat(promised_date),
                item_ids=[i for i in item_ids.split(",") if i],
                channel="phone",
            )
            if outcome == "promise_made" and promised_date
            else None
        )
        body = CompletionIn(outcome=outcome, note=note or None, promise=promise)
    except (ValidationError, ValueError) as exc:
        return redirect_back("/console/worklist", str(exc), words)
    now, settings = datetime.now(UTC), request.app.state.settings
    refusal = await attempt(
        session, lambda: tasks.complete(session, user.principal, task_id, body, now, settings)
    )
    return redirect_back("/console/worklist", refusal, words)


def _lines(items: list[dict[str, Any]], fmt: Format) -> list[str]:
    """What a task is about, as the collector reads it: each invoice or promise with its amount in
    its currency, or the causes of a critical level."""
    said = []
    for line in items:
        if "causes" in line:
            # The critical level's causes: the indicators by name (the alert has their values).
            said += [word("indicator", str(c), fmt.language) for c in line["causes"]]
            continue
        label = (
            line.get("item_id")
            or line.get("promise_id")
            or line.get("dispute_id")
            or line.get("next_action")
            or ""
        )
        amount = line.get("open_amount") or line.get("amount")
        currency = line.get("currency")
        said.append(f"{label} {fmt.money(amount, currency) if amount and currency else ''}".strip())
    return said
