"""The portfolio: receivables, overdue share, DSO, provision, insured share, ageing by grade, the
cash expected week by week. The cash forecast predicts every open invoice: its chart comes after
the page, so the figures show without waiting for it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.console import repository
from services.credit_api.console.texts import texts
from services.credit_api.console.web import User, language_of, render
from services.credit_api.finance.reports import cash_forecast, summary
from services.credit_api.kernel.deps import Session
from shared.vocabulary import Format

router = APIRouter()


@dataclass(frozen=True)
class View:
    """What the portfolio is shown for, and in which language."""

    as_of: date
    currency: str
    fmt: Format
    words: dict[str, str]


def view(
    request: Request,
    as_of: date | None = None,
    currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
) -> View:
    language = language_of(request)
    chosen = currency or str(request.app.state.settings.authority_currency)
    return View(as_of or date.today(), chosen, Format(language), texts(language))


Shown = Annotated[View, Depends(view)]


@router.get("/")
async def portfolio(request: Request, session: Session, user: User, shown: Shown) -> HTMLResponse:
    data = await _figures(session, shown)
    return render(request, "portfolio.html.j2", shown.words["portfolio"], user, page="portfolio", data=data)


@router.get("/portfolio/cash-chart")
async def cash_chart(request: Request, session: Session, user: User, shown: Shown) -> HTMLResponse:
    """The portfolio's cash forecast chart alone, for the page to fetch once it shows."""
    chart = await _cash_chart(session, shown)
    return render(request, "cash_chart.html.j2", shown.words["cash_forecast"], user, chart=chart)


async def _figures(session: AsyncSession, shown: View) -> dict[str, Any]:
    as_of, currency, fmt, words = shown.as_of, shown.currency, shown.fmt, shown.words
    figures = await summary.summary(session, as_of, currency)
    owed = figures.receivables
    ageing_chart = {
        "legend": {},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": [words.get(label, label) for label in figures.labels]},
        "yAxis": {"type": "value"},
        "series": [
            {
                "name": grade if grade != "(none)" else words["not_graded"],
                "type": "bar",
                "stack": "ageing",
                "data": [float(v) for v in values],
            }
            for grade, values in sorted(figures.by_grade.items())
        ],
    }
    grades = await repository.grade_counts(session)
    grade_chart = {
        "tooltip": {},
        "xAxis": {"type": "category", "data": [g or words["not_graded"] for g, _ in grades]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"type": "bar", "data": [n for _, n in grades]}],
    }
    alerts = await repository.open_alerts(session)
    return {
        "as_of": as_of,
        "currency": currency,
        "figures": [
            ("receivables", fmt.money(owed, currency), "/console/customers?sort=exposure"),
            (
                "overdue_share",
                fmt.percent((owed - figures.not_due) / owed if owed > 0 else None),
                "/console/customers?sort=overdue",
            ),
            (
                "dso",
                fmt.number(figures.dso.quantize(Decimal("0.1")) if figures.dso is not None else None),
                "/console/reports/dso?format=xlsx",
            ),
            ("provision", fmt.money(figures.provision, currency), "/console/reports/provisions?format=xlsx"),
            (
                "insured_share",
                fmt.percent(figures.insured / owed if owed > 0 else None),
                "/console/reports/insurance?format=xlsx",
            ),
        ],
        "ageing_chart": json.dumps(ageing_chart),
        "grade_chart": json.dumps(grade_chart),
        "cash_chart": "/console/portfolio/cash-chart?" + urlencode({"as_of": as_of, "currency": currency}),
        "alerts": [(level, alerts.get(level, 0)) for level in ("critical", "warning", "watch")],
        "missing_rates": figures.missing_rates,
    }


async def _cash_chart(session: AsyncSession, shown: View) -> str:
    fmt, words = shown.fmt, shown.words
    cash = await cash_forecast.report(session, shown.as_of, 13, "portfolio", shown.currency)
    weeks = cash["rows"][0]["weeks"] if cash["rows"] else []
    chart = {
        "legend": {},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": [fmt.day(w["first"]) for w in weeks]},
        "yAxis": {"type": "value"},
        "series": [
            {"name": words["expected"], "type": "bar", "data": [float(w["expected"]) for w in weeks]},
            *(
                {"name": words[band], "type": "line", "data": [float(w[band]) for w in weeks]}
                for band in ("low", "high")
            ),
        ],
    }
    return json.dumps(chart)
