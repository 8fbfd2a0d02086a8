"""The reports, downloaded as the API gives them."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.credit_api.console.texts import texts
from services.credit_api.console.web import (
    User,
    language_of,
    render,
)
from services.credit_api.finance.reports import common
from services.credit_api.finance.reports import routes as report_routes
from services.credit_api.kernel.deps import Session

router = APIRouter()


REPORTS = ("dso", "turnover", "provisions", "abc", "insurance", "top-risks")
GROUPED = ("dso", "turnover", "provisions", "insurance")


@router.get("/reports")
async def report_list(request: Request, user: User) -> HTMLResponse:
    words = texts(language_of(request))
    return render(
        request, "reports.html.j2", words["reports"], user,
        page="reports", reports=REPORTS, grouped=GROUPED, today=date.today().isoformat(),
    )  # fmt: skip


@router.get("/reports/{name}")
async def report_file(
    request: Request,
    session: Session,
    user: User,
    name: Literal["dso", "turnover", "provisions", "abc", "insurance", "top-risks"],
    as_of: date | None = None,
    group_by: common.GroupBy = "portfolio",
    format: Literal["csv", "xlsx"] = "xlsx",
) -> Response:
    """The report as the API gives it, for the signed-in person."""
    currency = str(request.app.state.settings.authority_currency)
    out = report_routes.Output(as_of or date.today(), currency, format, None)
    return await report_routes.produce(session, name, out, report_routes.Grouping(group_by, None))
