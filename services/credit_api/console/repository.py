"""What the console's lists read that no API resource gives in that shape."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver


async def grade_counts(session: AsyncSession) -> list[tuple[str | None, int]]:
    pg = await driver(session)
    rows = await pg.fetch(
        "SELECT grade, count(*) AS n FROM credit_api.customers GROUP BY grade ORDER BY grade NULLS LAST"
    )
    return [(r["grade"], r["n"]) for r in rows]


async def open_alerts(session: AsyncSession) -> dict[str, int]:
    pg = await driver(session)
    rows = await pg.fetch(
        "SELECT level, count(*) AS n FROM credit_api.alerts WHERE status <> 'resolved' GROUP BY level"
    )
    return {r["level"]: r["n"] for r in rows}


SORTS = {
    # sort → (expression, direction); ties broken by code
    "code": ("customer_code", "ASC"),
    "exposure": ("exposure", "DESC"),
    "utilisation": ("utilisation_key", "DESC"),
    "overdue": ("days_past_due", "DESC"),
}


async def customers(
    session: AsyncSession, filters: dict[str, Any], sort: str, after: tuple[Any, str] | None, limit: int
) -> list[Any]:
    """Customers with their open receivables in the credit currency, the utilisation of the limit
    in force today, their warning level and the days past due of their oldest overdue invoice,
    filtered and in keyset pages."""
    column, direction = SORTS[sort]
    pg = await driver(session)
    comparison = ">" if direction == "ASC" else "<"
    keyset = ""
    args: list[Any] = [
        filters.get("q"),
        filters.get("grade"),
        filters.get("country"),
        filters.get("industry"),
        filters.get("blocked"),
        limit,
        filters.get("level"),
    ]
    if after is not None:
        if sort == "code":
            keyset = "WHERE customer_code > $8"
            args.append(after[1])
        else:
            keyset = f"WHERE ({column}, customer_code) {comparison} ($8, $9)"
            args += [after[0], after[1]]
    order = "customer_code" if sort == "code" else f"{column} {direction}, customer_code"
    return list(
        await pg.fetch(
            "WITH listed AS ("  # noqa: S608
            "  SELECT c.customer_code, c.name, c.grade, c.blocked, c.currency, c.country, c.industry,"
            "    coalesce(r.open_receivables, 0) AS exposure,"
            "    coalesce(current_date - r.oldest_due_date, 0) AS days_past_due,"
            "    coalesce(w.level, 0) AS warning_level,"
            "    coalesce(r.open_receivables, 0) / nullif(k.in_force, 0) AS utilisation,"
            # Customers without a limit sort after every utilisation, keyset included.
            "    coalesce(coalesce(r.open_receivables, 0) / nullif(k.in_force, 0), -1) AS utilisation_key"
            "  FROM credit_api.customers c LEFT JOIN risk_worker.v_customer_receivables r"
            "    ON r.customer_code = c.customer_code AND r.currency = c.currency"
            "  LEFT JOIN risk_worker.v_warning_levels w ON w.customer_code = c.customer_code"
            "  LEFT JOIN (SELECT customer_code, CASE WHEN limit_valid_until < current_date THEN NULL"
            "      ELSE limit_amount + coalesce(temporary_amount, 0) END AS in_force"
            "    FROM credit_api.v_customer_credit) k ON k.customer_code = c.customer_code"
            "  WHERE ($1::text IS NULL OR c.customer_code ILIKE $1 || '%' OR c.name ILIKE '%' || $1 || '%')"
            "    AND ($2::text IS NULL OR c.grade = $2) AND ($3::text IS NULL OR c.country = $3)"
            "    AND ($4::text IS NULL OR c.industry = $4) AND ($5::bool IS NULL OR c.blocked = $5)"
            "    AND ($7::int IS NULL OR coalesce(w.level, 0) = $7))"
            f" SELECT * FROM listed {keyset} ORDER BY {order} LIMIT $6",
            *args,
        )
    )


async def grades(session: AsyncSession, codes: list[str]) -> list[tuple[str, str | None, Any]]:
    if not codes:
        return []
    pg = await driver(session)
    rows = await pg.fetch(
        "SELECT customer_code, grade, score FROM credit_api.customers WHERE customer_code = ANY($1::text[])",
        codes,
    )
    return [(r["customer_code"], r["grade"], r["score"]) for r in rows]
