"""Cash application's queue: each payment waiting for a person, its remittance and the invoices
proposed, to confirm or reject; and the matches applied lately, to reverse one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from services.credit_api.collections.cash_application import service as cash_application
from services.credit_api.collections.cash_application.schemas import CashMatchOut, ConfirmIn, RejectIn
from services.credit_api.console.texts import texts
from services.credit_api.console.web import User, act, language_of, render
from services.credit_api.kernel.deps import Session
from shared.vocabulary import Format

router = APIRouter()
PAGE = "/console/cash-application"


def _row(match: CashMatchOut, fmt: Format) -> dict[str, object]:
    return {
        **match.model_dump(),
        "amount": fmt.money(match.amount, match.currency),
        "confidence": f"{float(match.confidence):.0%}" if match.lines else "–",
        "lines": [
            {
                **line.model_dump(),
                "amount": fmt.money(line.amount, match.currency),
                "deduction": fmt.money(line.deduction, match.currency) if line.deduction else None,
            }
            for line in match.lines
        ],
    }


@router.get("/cash-application")
async def cash_application_queue(request: Request, session: Session, user: User) -> HTMLResponse:
    words = texts(language_of(request))
    fmt = Format(language_of(request))
    waiting = await cash_application.queue(session, cash_application.UNDECIDED, None, 200)
    applied = await cash_application.queue(session, ("applied",), None, 50, newest_first=True)
    # What a person may apply each waiting payment to instead of (or without) a proposal.
    owed = await cash_application.open_items_of(session, sorted({m.customer_code for m in waiting}))
    return render(
        request,
        "cash_application.html.j2",
        words["cash_application"],
        user,
        page="cash_application",
        waiting=[
            {
                **_row(m, fmt),
                "open_items": [
                    {
                        "item_id": i.item_id,
                        "due_date": fmt.day(i.due_date),
                        "open": fmt.money(i.open_amount, i.currency),
                    }
                    for i in owed.get(m.customer_code, [])
                    if i.currency == m.currency
                ],
            }
            for m in waiting
        ],
        applied=[_row(m, fmt) for m in applied],
    )


@router.post("/cash-application/{customer_code}/{payment_id}")
async def decide_cash_match(
    request: Request,
    session: Session,
    user: User,
    customer_code: str,
    payment_id: str,
    csrf: Annotated[str, Form(max_length=100)],
    decision: Annotated[Literal["confirm", "reject"], Form()],
    note: Annotated[str, Form(max_length=500)] = "",
    pick: Annotated[list[str] | None, Form(max_length=1000)] = None,
) -> Response:
    now, settings = datetime.now(UTC), request.app.state.settings
    who, code, said = user.principal, customer_code, note or None
    if decision == "confirm" and pick:
        ids = list(pick)
        return await act(
            request, session, user, csrf, PAGE,
            lambda: cash_application.confirm_picked(session, who, payment_id, code, ids, said, now, settings),
        )  # fmt: skip
    if decision == "confirm":
        body = ConfirmIn(note=said)
        return await act(
            request, session, user, csrf, PAGE,
            lambda: cash_application.confirm(session, who, payment_id, code, body, now, settings),
        )  # fmt: skip
    why = RejectIn(note=said)
    return await act(
        request, session, user, csrf, PAGE,
        lambda: cash_application.reject(session, who, payment_id, code, why, now, settings),
    )  # fmt: skip
