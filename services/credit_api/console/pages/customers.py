"""The customer list: filtered, sorted and paged by the database, each row with its credit check's
figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.console import repository
from services.credit_api.console.texts import texts
from services.credit_api.console.web import User, language_of, render
from services.credit_api.credit.exposure import service as exposure
from services.credit_api.kernel.deps import Session
from services.credit_api.kernel.pagination import decode_cursor, encode_cursor
from shared.domain.errors import InvalidInput
from shared.domain.warnings import Level
from shared.vocabulary import Format

router = APIRouter()


@router.get("/customers")
async def customer_list(
    request: Request,
    session: Session,
    user: User,
    q: Annotated[str | None, Query(max_length=100)] = None,
    grade: Annotated[str | None, Query(max_length=10)] = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    industry: Annotated[str | None, Query(max_length=100)] = None,
    blocked: Annotated[str | None, Query(pattern="^(true|false)?$")] = None,
    level: Annotated[str | None, Query(pattern="^(normal|watch|warning|critical)?$")] = None,
    sort: Literal["code", "exposure", "utilisation", "overdue"] = "code",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> HTMLResponse:
    language = language_of(request)
    filters = {
        "q": q or None,
        "grade": grade or None,
        "country": country or None,
        "industry": industry or None,
        "blocked": None if not blocked else blocked == "true",
        "level": Level[level.upper()].value if level else None,
        "level_name": level or None,
    }
    data = await _rows(
        session,
        filters,
        sort,
        cursor,
        Format(language),
        request.app.state.settings.net_unallocated_cash,
    )
    query = {k: v for k, v in request.query_params.items() if k != "cursor"}
    next_url = "/console/customers?" + urlencode({**query, "cursor": data["next"] or ""})
    return render(
        request, "customers.html.j2", texts(language)["customers"], user,
        page="customers", data=data, filters=filters, sort=sort, next_url=next_url,
    )  # fmt: skip


PAGE = 50

PARSERS: dict[str, Callable[[Any], Any]] = {
    "code": str,
    "exposure": Decimal,
    "utilisation": Decimal,
    "overdue": int,
}
KEYS = {
    "code": "customer_code",
    "exposure": "exposure",
    "utilisation": "utilisation_key",
    "overdue": "days_past_due",
}


def decode(cursor: str | None, sort: str) -> tuple[Any, str] | None:
    """A cursor of another sort, or none this console issued, starts the list again."""
    if not cursor:
        return None
    try:
        value, code = decode_cursor(cursor, PARSERS[sort], str)
    except InvalidInput:
        return None
    return value, code


async def _rows(
    session: AsyncSession,
    filters: dict[str, Any],
    sort: str,
    cursor: str | None,
    fmt: Format,
    net_unallocated_cash: bool,
) -> dict[str, Any]:
    """The list is filtered, sorted and paged by the database; what it shows of each customer's
    standing is what its credit check uses (`exposure.figures`), for the page's customers."""
    rows = await repository.customers(session, filters, sort, decode(cursor, sort), PAGE + 1)
    more = len(rows) > PAGE
    shown = rows[:PAGE]
    key = KEYS[sort]
    found = await exposure.standings(
        session,
        [r["customer_code"] for r in shown],
        datetime.now(UTC),
        net_unallocated_cash=net_unallocated_cash,
    )

    def row(r: Any) -> dict[str, Any]:
        standing = found.get(r["customer_code"])
        figures = None if standing is None else exposure.figures(standing)
        return {
            "code": r["customer_code"],
            "name": r["name"],
            "grade": r["grade"],
            "blocked": r["blocked"],
            "exposure": fmt.money(None if figures is None else figures.exposure, r["currency"]),
            "utilisation": fmt.percent(None if figures is None else figures.utilisation),
            "level": Level(r["warning_level"]).label,
            "days_past_due": "—" if figures is None else figures.days_past_due,
        }

    return {
        "rows": [row(r) for r in shown],
        "next": encode_cursor(str(shown[-1][key]), shown[-1]["customer_code"]) if more and shown else None,
    }
