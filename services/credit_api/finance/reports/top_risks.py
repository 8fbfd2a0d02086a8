"""The largest exposures ranked by expected loss: exposure × probability of default by grade."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.finance.reports import repository
from services.credit_api.finance.reports.common import ZERO, groups_of, money
from services.credit_api.finance.reports.insurance import insured_of
from services.credit_api.finance.reports.tabular import Column
from services.credit_api.policies.scorecards.service import probabilities_of_default
from shared.domain import insurance
from shared.domain.money import round_money
from shared.domain.warnings import Level

COLUMNS = [
    Column("customer_code"),
    Column("currency"),
    Column("exposure", "amount"),
    Column("uninsured", "amount"),
    Column("grade"),
    Column("probability_of_default", "rate"),
    Column("loss_given_default", "rate"),
    Column("expected_loss", "amount"),
    Column("warning_level"),
    Column("dunning_step"),
]


async def report(
    session: AsyncSession, as_of: date, currency: str, limit: int, loss_given_default: Decimal
) -> dict[str, Any]:
    """Customers by expected loss: uninsured exposure × probability of default of the grade by
    the active scorecard × loss given default."""
    groups = await groups_of(session, as_of, "customer", currency, None)
    by_grade, unknown = await probabilities_of_default(session)
    standing = await repository.standing(session)
    ranked: list[tuple[Decimal, str, dict[str, Any]]] = []
    for c in await insured_of(session, as_of, currency, groups):
        exposure = await groups.value(max(c.result.exposure, ZERO), c.currency, currency) or ZERO
        uninsured = await groups.value(c.result.uninsured, c.currency, currency) or ZERO
        grade = groups.file.get(c.customer_code, repository.UNFILED).grade
        pd = by_grade.get(grade or "", unknown)
        # To the cent, as printed: the total is the sum of the printed losses.
        loss = round_money(insurance.expected_loss(uninsured, pd, loss_given_default), currency)
        level, step = standing.get(c.customer_code, (0, None))
        row = {
            "customer_code": c.customer_code,
            "currency": currency,
            "exposure": money(exposure, currency),
            "uninsured": money(uninsured, currency),
            "grade": grade,
            "probability_of_default": f"{pd:f}",
            "loss_given_default": f"{loss_given_default:f}",
            "expected_loss": money(loss, currency),
            "warning_level": Level(level).label,
            "dunning_step": step,
        }
        ranked.append((loss, c.customer_code, row))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    total = sum((loss for loss, _, _ in ranked), ZERO)
    rows = [row for _, _, row in ranked[:limit]]
    return {
        "as_of": as_of,
        "currency": currency,
        "total_expected_loss": money(total, currency),
        "rows": rows,
        "missing_rates": sorted(groups.missing),
    }


# The portfolio at a glance ---------------------------------------------------------------------
