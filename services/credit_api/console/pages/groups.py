"""Credit groups as a tree: each group's limit, exposure and utilisation, in its own currency."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from services.credit_api.console.pages.customer import submit_limit_request
from services.credit_api.console.texts import texts
from services.credit_api.console.web import User, language_of, may, render
from services.credit_api.credit.credit_groups import service as credit_groups
from services.credit_api.credit.credit_groups.schemas import CreditGroupOut
from services.credit_api.kernel.deps import Session
from services.credit_api.warnings.group_alerts import service as group_alerts
from shared.roles import Role
from shared.vocabulary import Format

router = APIRouter()


@router.get("/groups")
async def group_tree(request: Request, session: Session, user: User) -> HTMLResponse:
    fmt = Format(language_of(request))
    groups = await credit_groups.listing(
        session, datetime.now(UTC), net_unallocated_cash=request.app.state.settings.net_unallocated_cash
    )
    by_code = {g.code: g for g in groups}
    alerted = await group_alerts.open_levels(session)
    rows: list[dict[str, Any]] = []

    def walk(group: CreditGroupOut, depth: int) -> None:
        used = None if group.utilisation is None else Decimal(group.utilisation)
        rows.append(
            {
                "code": group.code,
                "name": group.name,
                "depth": depth,
                "limit": fmt.money(group.effective_limit, group.currency),
                "exposure": fmt.money(group.exposure, group.currency),
                "available": fmt.money(group.available, group.currency),
                "utilisation": fmt.percent(used),
                "over": used is not None and used > 1,
                "members": group.members,
                "currency": group.currency,
                "level": group.warning_level,
                "alert": alerted.get(group.code),
                "grade": group.grade,
                "score": group.score,
                "basis": group.assessment_basis,
            }
        )
        for code in group.sub_groups:
            walk(by_code[code], depth + 1)

    for top in groups:
        if top.parent is None:
            walk(top, 0)
    words = texts(language_of(request))
    return render(
        request,
        "groups.html.j2",
        words["credit_groups"],
        user,
        page="groups",
        rows=rows,
        may_request=may(user, Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER),
    )


@router.post("/groups/{code}/limit-requests")
async def request_group_limit(
    request: Request,
    session: Session,
    user: User,
    code: str,
    csrf: Annotated[str, Form(max_length=100)],
    amount: Annotated[str, Form(max_length=30)],
    reason: Annotated[str, Form(max_length=500)],
) -> Response:
    """A group's limit requested as a customer's is: applied within the requester's authority,
    otherwise waiting on the approvals page for a second person."""
    fields = {"credit_group": code, "amount": amount, "reason": reason}
    return await submit_limit_request(request, session, user, csrf, f"/console/groups#group-{code}", fields)
