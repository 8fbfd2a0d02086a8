"""The customer page's assessment as a credit manager decides on it: the recommendation (limit,
terms, why, next review), Altman's score with its model and zone, the ratios with their change
against the previous statement, the payment behaviour, and the statements filed with the ratios'
trend. Every figure in the page's language."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from services.credit_api.credit.assessments.schemas import AssessmentOut
from services.credit_api.credit.financial_statements.schemas import StatementOut
from shared.vocabulary import Format, known, word

CAPPED = ", capped"


def view(
    assessed: AssessmentOut, statements: list[StatementOut], fmt: Format, words: dict[str, str]
) -> dict[str, Any]:
    language = fmt.language
    basis = assessed.recommended_limit_basis
    capped = basis.endswith(CAPPED)
    basis = basis.removesuffix(CAPPED)
    behaviour = assessed.payment_behaviour
    altman = assessed.altman

    def days(value: str | int | None) -> str:
        return "—" if value is None else f"{fmt.number(str(value))} {words['days_unit']}"

    return {
        "recommendation": [
            (words["recommended_limit"], fmt.money(assessed.recommended_limit, assessed.currency)),
            (words["current_limit"], fmt.money(assessed.current_limit, assessed.currency)),
            (words["recommended_terms"], assessed.recommended_terms),
            (
                words["basis"],
                (known("basis", basis, language) or basis) + (f" ({words['capped']})" if capped else ""),
            ),
            (words["review_every"], f"{assessed.review_months} {words['months_unit']}"),
        ],
        "below_current": assessed.below_current_limit,
        "altman": None
        if altman is None
        else [
            (words["altman_model"], altman.model),
            (words["altman_score"], fmt.number(altman.score)),
            (words["altman_zone"], word("zone", altman.zone, language) if altman.zone else "—"),
        ],
        "ratios": [
            (
                word("ratio", name, language),
                fmt.number(r.value),
                "" if r.change is None else _signed(fmt, Decimal(r.change)),
            )
            for name, r in assessed.ratios.items()
        ],
        "behaviour": [
            (
                words["payment_index"],
                "—" if behaviour.payment_index is None else str(behaviour.payment_index),
            ),
            (words["weighted_days_late"], days(behaviour.weighted_days_late)),
            (
                words["on_time_share"],
                "—" if behaviour.on_time_share is None else fmt.percent(Decimal(behaviour.on_time_share)),
            ),
            (words["days_beyond_terms"], days(behaviour.days_beyond_terms)),
            (words["trend_days"], days(behaviour.trend_days)),
            (words["days_past_due"], days(behaviour.max_days_past_due)),
            (words["settled_invoices"], str(behaviour.settled_invoices)),
            (words["bounced_payments"], str(behaviour.bounced_payments)),
            (words["high_credit"], fmt.money(behaviour.high_credit, assessed.currency)),
        ],
        "statements": [
            {
                "period": fmt.day(s.period_end),
                "months": s.period_months,
                "audited": words["yes"] if s.audited else words["no"],
                "source": s.source or "—",
            }
            for s in statements
        ],
        "ratio_chart": json.dumps(_ratio_chart(statements, language)) if len(statements) > 1 else None,
    }


def _signed(fmt: Format, change: Decimal) -> str:
    return ("+" if change > 0 else "") + fmt.number(change)


def _ratio_chart(statements: list[StatementOut], language: str) -> dict[str, Any]:
    """Each ratio over the statements filed, oldest first: where the trend matters."""
    ordered = sorted(statements, key=lambda s: s.period_end)
    names = [name for name in ordered[-1].ratios if any(s.ratios.get(name) for s in ordered)]

    def value(s: StatementOut, name: str) -> float | None:
        r = s.ratios.get(name)
        return None if r is None or r.value is None else float(Decimal(r.value))

    return {
        "legend": {},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": [s.period_end.isoformat() for s in ordered]},
        "yAxis": {"type": "value"},
        "series": [
            {"type": "line", "name": word("ratio", name, language), "data": [value(s, name) for s in ordered]}
            for name in names
        ],
    }
