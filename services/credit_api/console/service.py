"""What each console page shows, gathered from the same services the API uses: no business rule
lives here, only the choice of figures and their formatting for a language."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, get_args

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit import service as audit
from services.credit_api.collections.disputes import service as disputes
from services.credit_api.collections.disputes.schemas import DisputeOut
from services.credit_api.collections.dunning import service as collections
from services.credit_api.collections.dunning.schemas import CustomerDunningOut
from services.credit_api.collections.promises import service as promises
from services.credit_api.collections.promises.schemas import PromiseOut
from services.credit_api.console import repository
from services.credit_api.credit.assessments import service as assessments
from services.credit_api.credit.assessments.schemas import AssessmentOut
from services.credit_api.credit.credit_limits import service as credit_limits
from services.credit_api.credit.customers import service as customers
from services.credit_api.credit.exposure import service as exposure
from services.credit_api.credit.exposure.schemas import ExposureOut
from services.credit_api.credit.reviews.schemas import Decision
from services.credit_api.credit.temporary_limits import service as temporary_limits
from services.credit_api.finance.ageing import service as ageing
from services.credit_api.finance.reports import service as reports
from services.credit_api.kernel.pagination import decode_cursor, encode_cursor
from services.credit_api.warnings.alerts import service as alerts
from services.credit_api.warnings.alerts.repository import AlertFilter
from shared.domain.ageing import Buckets
from shared.domain.errors import InvalidInput, MissingFxRate, NotFound
from shared.domain.warnings import Level

ZERO = Decimal(0)
PAGE = 50


@dataclass(frozen=True)
class Format:
    """Numbers, money and dates as the language writes them."""

    language: str

    @property
    def locale(self) -> str:
        return self.language.replace("-", "_")

    def money(self, amount: Decimal | str | None, currency: str) -> str:
        if amount is None:
            return "—"
        return format_currency(Decimal(amount), currency, locale=self.locale)

    def number(self, value: Decimal | str | None) -> str:
        return "—" if value is None else format_decimal(Decimal(value), locale=self.locale)

    def percent(self, value: Decimal | None) -> str:
        return "—" if value is None else format_percent(value, format="#,##0.0%", locale=self.locale)

    def day(self, value: date | None) -> str:
        return "—" if value is None else format_date(value, format="medium", locale=self.locale)

    def when(self, value: datetime | None) -> str:
        return "—" if value is None else format_datetime(value, format="short", locale=self.locale)


async def portfolio(
    session: AsyncSession, as_of: date, currency: str, fmt: Format, words: dict[str, str]
) -> dict[str, Any]:
    figures = await reports.summary(session, as_of, currency)
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
        "alerts": [(level, alerts.get(level, 0)) for level in ("critical", "warning", "watch")],
        "missing_rates": figures.missing_rates,
    }


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


async def customer_list(
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


async def customer(
    session: AsyncSession, code: str, as_of: date, fmt: Format, settings: Any, words: dict[str, str]
) -> dict[str, Any]:
    found = await customers.get(session, code)
    now = datetime.now(UTC)
    cur = found.currency
    try:
        standing = await exposure.view(
            session,
            await exposure.standing(session, code, now, net_unallocated_cash=settings.net_unallocated_cash),
        )
    except MissingFxRate:
        standing = None
    aged = await ageing.customer_ageing(session, code, as_of, "due_date", Buckets())
    chart = {
        "tooltip": {},
        "xAxis": {"type": "category", "data": [words.get(b.bucket, b.bucket) for b in aged.buckets]},
        "yAxis": {"type": "value"},
        "series": [{"type": "bar", "data": [float(Decimal(b.amount)) for b in aged.buckets]}],
    }
    try:
        assessed = await assessments.get(session, code)
    except NotFound:
        assessed = None
    trend = await assessments.payment_index_trend(session, code, 24)
    promised = await promises.of_customer(session, code)
    disputed = await disputes.of_customer(session, code)
    dunned = await collections.customer_dunning(session, code)
    shown = await alerts.page(session, AlertFilter(customer_code=code), None, 20)
    trail = await audit.trail(session, "customer", code, 20)
    return {
        # The credit file as stored; its exposure once, as the credit check computes it (below).
        "customer": found,
        "review_date": fmt.day(found.review_date),
        "exposure": None if standing is None else _exposure(standing, fmt),
        "limits": [
            {
                "amount": fmt.money(limit.amount, limit.currency),
                "until": fmt.day(limit.valid_until),
                "reason": limit.reason,
                "by": limit.set_by,
                "at": fmt.when(limit.set_at),
                "current": limit.superseded_at is None,
            }
            for limit in reversed(await credit_limits.history(session, code))
        ],
        "temporary": [
            {
                "amount": fmt.money(t.amount, t.currency),
                "period": f"{fmt.day(t.valid_from)} – {fmt.day(t.valid_until)}",
                "in_force": t.valid_from <= now.date() <= t.valid_until,
                "reason": t.reason,
                "by": t.created_by,
            }
            for t in await temporary_limits.listing(session, code)
        ],
        "ageing_chart": json.dumps(chart),
        "items": _items(await ageing.open_items(session, code, as_of), dunned, promised, disputed, fmt),
        "assessment": assessed,
        "factors_chart": None if assessed is None else json.dumps(_factors_chart(assessed, words)),
        "trend_chart": None
        if not trend
        else json.dumps(
            {
                "tooltip": {"trigger": "axis"},
                "xAxis": {"type": "category", "data": [fmt.day(day) for day, _ in trend]},
                "yAxis": {"type": "value", "min": 0, "max": 100},
                "series": [{"type": "line", "name": words["payment_index"], "data": [i for _, i in trend]}],
            }
        ),
        "alerts": [
            {"level": a.level, "status": a.status, "opened": fmt.when(a.opened_at)} for a in shown.items
        ],
        "dunning": [
            {"item": step.item_id, "step": step.step, "outcome": step.outcome, "day": fmt.day(step.as_of)}
            for step in reversed(dunned.steps)
        ],
        "promises": [
            {
                "date": fmt.day(p.promised_date),
                "amount": fmt.money(p.amount, p.currency),
                "status": p.status,
                "invoices": ", ".join(p.item_ids),
            }
            for p in promised
        ],
        "disputes": [
            {
                "item": d.item_id,
                "reason": d.reason_code,
                "amount": fmt.money(d.amount, d.currency),
                "status": d.status,
            }
            for d in disputed
        ],
        "trail": [{"at": fmt.when(e.at), "actor": e.actor, "action": e.action} for e in trail],
        "review_decisions": get_args(Decision),
        "currency": cur,
    }


def _exposure(standing: ExposureOut, fmt: Format) -> dict[str, Any]:
    """The credit check's own figures, component by component."""
    cur = standing.currency
    return {
        "limit": fmt.money(standing.effective_limit, cur),
        "exposure": fmt.money(standing.exposure, cur),
        "available": fmt.money(standing.available, cur),
        "utilisation": fmt.percent(None if standing.utilisation is None else Decimal(standing.utilisation)),
        "parts": [
            ("open_receivables", fmt.money(standing.open_receivables, cur)),
            ("overdue_receivables", fmt.money(standing.overdue_receivables, cur)),
            ("reserved_orders", fmt.money(standing.reserved_orders, cur)),
            ("unallocated_cash", fmt.money(standing.unallocated_cash, cur)),
        ],
        "cash_netted": standing.net_unallocated_cash,
        "days_past_due": standing.max_days_past_due,
        "warning_level": standing.warning_level,
        "warning_causes": standing.warning_causes,
    }


def _factors_chart(assessed: AssessmentOut, words: dict[str, str]) -> dict[str, Any]:
    return {
        "tooltip": {},
        "grid": {"left": 160},
        "xAxis": {"type": "value"},
        "yAxis": {
            "type": "category",
            "data": [f.factor for f in assessed.factors],
            "axisLabel": {"interval": 0},
        },
        "series": [
            {
                "type": "bar",
                "name": words["score"],
                "data": [float(Decimal(f.points)) for f in assessed.factors],
            }
        ],
    }


def _items(
    items: Sequence[tuple[str, str, Any, date, Decimal]],
    dunned: CustomerDunningOut,
    promised: Sequence[PromiseOut],
    disputed: Sequence[DisputeOut],
    fmt: Format,
) -> list[dict[str, Any]]:
    """Each open item with the last dunning step it took, its live promise and its open dispute."""
    level = {s.item_id: s.step for s in dunned.steps if s.outcome != "superseded"}
    promise = {i: p for p in promised if p.status == "open" for i in p.item_ids}
    dispute = {d.item_id: d for d in disputed if d.status in ("open", "accepted")}
    return [
        {
            "item": item,
            "due": fmt.day(due),
            "open": fmt.money(amount, currency),
            "dunning": level.get(item),
            "promise": fmt.day(promise[item].promised_date) if item in promise else None,
            "dispute": dispute[item].reason_code if item in dispute else None,
        }
        for item, currency, _, due, amount in items
    ]


async def customer_grades(
    session: AsyncSession, codes: list[str]
) -> dict[str, tuple[str | None, str | None]]:
    return {
        code: (grade, None if score is None else f"{score:f}")
        for code, grade, score in await repository.grades(session, codes)
    }
