"""The largest exposures ranked by expected loss: exposure × probability of default by grade."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.finance.reports import repository
from services.credit_api.finance.reports.common import RATE, ZERO, GroupBy, groups_of, money
from services.credit_api.finance.reports.insurance import insured_of
from services.credit_api.finance.reports.tabular import Column
from services.credit_api.policies.scorecards.service import probabilities_of_default
from shared.domain import insurance
from shared.domain.money import round_money
from shared.domain.warnings import Level

COLUMNS = [
    Column("customer_code"),
    Column("group"),
    Column("customers"),
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
    session: AsyncSession,
    as_of: date,
    currency: str,
    limit: int,
    loss_given_default: Decimal,
    group_by: GroupBy = "customer",
) -> dict[str, Any]:
    """Customers by expected loss: uninsured exposure × probability of default of the grade by
    the active scorecard × loss given default. Grouped (by credit group, industry, …: anything but
    the portfolio or the customer), each row sums its customers' figures, its probability of
    default the one that gives the summed loss, and shows the worst warning level among them."""
    groups = await groups_of(session, as_of, "customer", currency, None)
    by_grade, unknown = await probabilities_of_default(session)
    standing = await repository.standing(session)
    ranked: list[tuple[Decimal, str, dict[str, Any]]] = []
    for c in await insured_of(session, as_of, currency, groups):
        exposure = await groups.value(max(c.result.exposure, ZERO), c.currency, currency) or ZERO
        uninsured = await groups.value(c.result.uninsured, c.currency, currency) or ZERO
        filed = groups.file.get(c.customer_code, repository.UNFILED)
        pd = by_grade.get(filed.grade or "", unknown)
        # To the cent, as printed: the total is the sum of the printed losses.
        loss = round_money(insurance.expected_loss(uninsured, pd, loss_given_default), currency)
        level, step = standing.get(c.customer_code, (0, None))
        row = {
            "customer_code": c.customer_code,
            "currency": currency,
            "exposure": exposure,
            "uninsured": uninsured,
            "grade": filed.grade,
            "probability_of_default": pd,
            "loss_given_default": f"{loss_given_default:f}",
            "expected_loss": loss,
            "warning_level": level,
            "dunning_step": step,
        }
        if group_by not in ("portfolio", "customer"):
            row["group"] = getattr(filed, group_by) or "(none)"
        ranked.append((loss, c.customer_code, row))
    if group_by not in ("portfolio", "customer"):
        ranked = _by_group(ranked, loss_given_default)
    ranked.sort(key=lambda r: (-r[0], r[1]))
    total = sum((loss for loss, _, _ in ranked), ZERO)
    return {
        "as_of": as_of,
        "currency": currency,
        "total_expected_loss": money(total, currency),
        "rows": [_printed(row, currency) for _, _, row in ranked[:limit]],
        "missing_rates": sorted(groups.missing),
    }


def _by_group(
    ranked: list[tuple[Decimal, str, dict[str, Any]]], loss_given_default: Decimal
) -> list[tuple[Decimal, str, dict[str, Any]]]:
    summed: dict[str, dict[str, Any]] = {}
    for loss, _, row in ranked:
        name = row["group"]
        found = summed.setdefault(
            name,
            {
                **row,
                "customer_code": None,
                "exposure": ZERO,
                "uninsured": ZERO,
                "expected_loss": ZERO,
                "grade": None,
                "warning_level": 0,
                "dunning_step": None,
                "customers": 0,
            },
        )
        found["exposure"] += row["exposure"]
        found["uninsured"] += row["uninsured"]
        found["expected_loss"] += loss
        found["warning_level"] = max(found["warning_level"], row["warning_level"])
        found["customers"] += 1
    for found in summed.values():
        weight = found["uninsured"] * loss_given_default
        found["probability_of_default"] = (
            ZERO if weight == 0 else (found["expected_loss"] / weight).quantize(RATE)
        )
    return [(found["expected_loss"], name, found) for name, found in summed.items()]


def _printed(row: dict[str, Any], currency: str) -> dict[str, Any]:
    return {
        **row,
        "exposure": money(row["exposure"], currency),
        "uninsured": money(row["uninsured"], currency),
        "probability_of_default": f"{row['probability_of_default']:f}",
        "expected_loss": money(row["expected_loss"], currency),
        "warning_level": Level(row["warning_level"]).label,
    }


# The portfolio at a glance ---------------------------------------------------------------------
