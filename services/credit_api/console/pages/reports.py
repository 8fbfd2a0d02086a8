"""The reports on screen, with their parameters, a chart where one reads better than a table, and
the downloads as the API gives them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from services.credit_api.console.texts import texts
from services.credit_api.console.web import User, language_of, render
from services.credit_api.finance.reports import common
from services.credit_api.finance.reports import dso as dso_report
from services.credit_api.finance.reports import routes as report_routes
from services.credit_api.finance.reports.tabular import Column, Table
from services.credit_api.kernel.deps import Session
from shared.vocabulary import Format, known, word

router = APIRouter()

Name = Literal["dso", "turnover", "provisions", "abc", "insurance", "top-risks", "cash-forecast"]
REPORTS = ("dso", "turnover", "provisions", "abc", "insurance", "top-risks", "cash-forecast")
GROUPED = ("dso", "turnover", "provisions", "insurance", "top-risks", "cash-forecast")
GROUPS = ("portfolio", "customer", "industry", "country", "grade", "currency", "credit_group")
# Per report, its chart: the category column, and the series as (column, kind, stack).
CHARTS: dict[str, tuple[str, list[tuple[str, str, str | None]]]] = {
    "dso": (
        "group",
        [("dso", "bar", None), ("countback_dso", "bar", None), ("best_possible_dso", "bar", None)],
    ),
    "turnover": ("group", [("turnover", "bar", None)]),
    "provisions": ("bucket", [("loss", "bar", None), ("rate", "line", None)]),
    "abc": ("customer_code", [("share", "bar", None), ("cumulative", "line", None)]),
    "insurance": ("group", [("insured", "bar", "exposure"), ("uninsured", "bar", "exposure")]),
    "top-risks": ("customer_code", [("expected_loss", "bar", None)]),
    "cash-forecast": ("first", [("expected", "bar", None), ("low", "line", None), ("high", "line", None)]),
}
TREND_MONTHS = 12
CHARTED_ROWS = 30  # a chart of more categories than this is unreadable: the table has them all


@router.get("/reports")
async def report_list(request: Request, user: User) -> HTMLResponse:
    words = texts(language_of(request))
    return render(
        request, "reports.html.j2", words["reports"], user,
        page="reports", reports=REPORTS, grouped=GROUPED, groups=GROUPS, today=date.today().isoformat(),
    )  # fmt: skip


@dataclass(frozen=True)
class Asked:
    """What both the page and the download are asked: which report, as of when, in what groups."""

    name: Name
    as_of: date | None = None
    group_by: common.GroupBy = "portfolio"


@router.get("/reports/{name}/view")
async def report_view(
    request: Request, session: Session, user: User, asked: Annotated[Asked, Depends()]
) -> HTMLResponse:
    """The report as a table on screen, as the API computes it, with its chart."""
    name, group_by = asked.name, asked.group_by
    language = language_of(request)
    fmt, words = Format(language), texts(language)
    currency = str(request.app.state.settings.authority_currency)
    day = asked.as_of or date.today()
    make, _, tabulate = report_routes.REPORTS[name]
    out = report_routes.Output(day, currency, "json", None)
    table = tabulate(await make(session, out, report_routes.Grouping(group_by, None)))
    trend = None
    if name == "dso":
        trend = json.dumps(_trend_chart(await dso_report.trend(session, day, TREND_MONTHS, currency), words))
    ageing = json.dumps(_ageing_chart(table, language)) if name == "provisions" else None
    return render(
        request, "report.html.j2", words["r_" + name], user,
        page="reports", report=name, as_of=day.isoformat(), group_by=group_by, currency=currency,
        grouped=name in GROUPED, groups=GROUPS,
        headers=[word("column", c.name, language) for c in table.columns],
        kinds=[c.kind for c in table.columns],
        rows=[[_cell(c, row, fmt) for c in table.columns] for row in table.rows],
        chart=json.dumps(_chart(name, table, language)), trend=trend, ageing=ageing,
    )  # fmt: skip


def _cell(column: Column, row: dict[str, Any], fmt: Format) -> str:
    value = row.get(column.name)
    if value is None or value == "":
        return ""
    if column.kind == "amount":
        return fmt.money(value, str(row.get(column.currency_column) or ""))
    if column.kind == "rate":
        return fmt.percent(Decimal(value))
    if column.kind in ("days", "number"):
        return fmt.number(value)
    if column.kind == "date":
        return fmt.day(date.fromisoformat(str(value)))
    return _label(str(value), fmt.language)


def _chart(name: str, table: Table, language: str) -> dict[str, Any]:
    """An ECharts option of the report's chart: its first rows by the category column."""
    category, series = CHARTS[name]
    rows = _matrix(table) if name == "provisions" else table.rows[:CHARTED_ROWS]
    rates = {s for s, _, _ in series if next((c.kind for c in table.columns if c.name == s), "") == "rate"}
    both = bool(rates) and len(rates) < len(series)

    def value(row: dict[str, Any], column: str) -> float | None:
        raw = row.get(column)
        return None if raw in (None, "") else float(Decimal(raw))

    return {
        "legend": {},
        "tooltip": {"trigger": "axis"},
        "xAxis": {
            "type": "category",
            # Top risks by group name their group rather than a customer.
            "data": [_label(str(r.get(category) or r.get("group") or ""), language) for r in rows],
            "axisLabel": {"rotate": 30 if len(rows) > 8 else 0},
        },
        "yAxis": [{"type": "value"}, {"type": "value", "max": 1, "axisLabel": {"percent": True}}]
        if both
        else [{"type": "value", "axisLabel": {"percent": bool(rates)}}],
        "series": [
            {
                "name": word("column", column, language),
                "type": kind,
                **({"stack": stack} if stack else {}),
                **({"yAxisIndex": 1} if both and column in rates else {}),
                "data": [value(r, column) for r in rows],
            }
            for column, kind, stack in series
        ],
    }


def _trend_chart(months: list[dict[str, Any]], words: dict[str, str]) -> dict[str, Any]:
    """The portfolio's DSO (days, left) and CEI (%, right) at each month-end."""

    def value(raw: Any) -> float | None:
        return None if raw is None else float(raw)

    return {
        "legend": {},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": [m["month_end"].isoformat() for m in months]},
        "yAxis": [{"type": "value"}, {"type": "value"}],
        "series": [
            {"type": "bar", "name": words["dso"], "data": [value(m["dso"]) for m in months]},
            {
                "type": "line",
                "name": words["cei"],
                "yAxisIndex": 1,
                "data": [value(m["cei_percent"]) for m in months],
            },
        ],
    }


def _matrix(table: Table) -> list[dict[str, Any]]:
    """The provision matrix over every group: per bucket, the losses summed and the rate they make
    of the balances (the groups' own rates, weighted)."""
    sums: dict[str, list[Decimal]] = {}
    for r in table.rows:
        if r.get("rate") not in (None, ""):
            both = sums.setdefault(str(r["bucket"]), [Decimal(0), Decimal(0)])
            both[0] += Decimal(r["balance"])
            both[1] += Decimal(r["loss"])
    return [
        {"bucket": b, "loss": str(loss), "rate": str(loss / balance) if balance > 0 else None}
        for b, (balance, loss) in sums.items()
    ]


def _ageing_chart(table: Table, language: str) -> dict[str, Any]:
    """The receivables by bucket, each group's stacked on the others': ageing as a stacked bar."""
    lines = [r for r in table.rows if r.get("rate") not in (None, "")]
    buckets = list(dict.fromkeys(str(r["bucket"]) for r in lines))
    groups = list(dict.fromkeys(str(r["group"]) for r in lines))[:CHARTED_ROWS]
    balance = {(str(r["group"]), str(r["bucket"])): float(Decimal(r["balance"])) for r in lines}
    return {
        "legend": {},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": [_label(b, language) for b in buckets]},
        "yAxis": {"type": "value"},
        "series": [
            {
                "type": "bar",
                "stack": "ageing",
                "name": _label(group, language),
                "data": [balance.get((group, b), 0.0) for b in buckets],
            }
            for group in groups
        ],
    }


def _label(text: str, language: str) -> str:
    """A text cell: a code of the report's own (a bucket, a group, a level, a step) as words; a
    name or a customer's code as it is."""
    for vocabulary in ("bucket", "group", "level", "step"):
        said = known(vocabulary, text, language)
        if said is not None:
            return said
    return text


@router.get("/reports/{name}")
async def report_file(
    request: Request,
    session: Session,
    user: User,
    asked: Annotated[Asked, Depends()],
    format: Literal["csv", "xlsx"] = "xlsx",
) -> Response:
    """The report as the API gives it, for the signed-in person."""
    currency = str(request.app.state.settings.authority_currency)
    out = report_routes.Output(asked.as_of or date.today(), currency, format, None)
    grouping = report_routes.Grouping(asked.group_by, None)
    return await report_routes.produce(session, asked.name, out, grouping)
