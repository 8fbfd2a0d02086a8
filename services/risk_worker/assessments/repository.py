"""What an assessment reads and writes, for many customers at a time: each statement takes the
customer codes as one array, so reassessing a batch's customers costs the same handful of round
trips whether it names ten customers or ten thousand."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.domain.behaviour import Invoice
from shared.domain.financials import AMOUNT_FIELDS, Statement
from shared.events import FinancialStatementFiled

STATEMENT_COLUMNS = (
    "customer_code",
    "period_end",
    "period_months",
    "currency",
    "audited",
    "source",
    *AMOUNT_FIELDS,
)


@dataclass(frozen=True)
class CustomerFacts:
    customer_code: str
    currency: str
    industry: str | None
    country: str | None
    listed: bool
    customer_since: date | None
    limit: Decimal | None
    limit_valid_until: date | None


@dataclass(frozen=True)
class Current:
    """A stored assessment, as far as deciding whether a new one changed it."""

    score: Decimal
    grade: str
    scorecard_version: str
    explanation: dict[str, Any]
    changed_at: datetime


async def save_statements(session: AsyncSession, statements: Sequence[FinancialStatementFiled]) -> None:
    """A later statement for the same period replaces the earlier one."""
    if not statements:
        return
    conn = await driver(session)
    types = ["text", "date", "int", "text", "bool", "text", *("numeric" for _ in AMOUNT_FIELDS)]
    columns = ", ".join(STATEMENT_COLUMNS)
    arrays = ", ".join(f"${i}::{t}[]" for i, t in enumerate(types, start=1))
    updates = ", ".join(f"{c} = excluded.{c}" for c in STATEMENT_COLUMNS[2:])
    rows = [tuple(getattr(s, c) for c in STATEMENT_COLUMNS) for s in statements]
    await conn.execute(
        f"INSERT INTO risk_worker.financial_statements ({columns}) SELECT * FROM unnest({arrays}) "  # noqa: S608
        f"ON CONFLICT (customer_code, period_end) DO UPDATE SET {updates}, filed_at = now()",
        *[list(column) for column in zip(*rows, strict=True)],
    )


async def customers(session: AsyncSession, codes: Sequence[str]) -> dict[str, CustomerFacts]:
    """Customers the credit file knows; a ledger stub has no credit file yet and waits for one."""
    conn = await driver(session)
    rows = await conn.fetch(
        "SELECT customer_code, currency, industry, country, listed, "
        "coalesce(customer_since, created_at::date) AS customer_since, "
        "limit_amount + temporary_amount AS limit, limit_valid_until "
        "FROM credit_api.v_customer_credit WHERE customer_code = ANY($1::text[])",
        list(codes),
    )
    return {r["customer_code"]: CustomerFacts(**r) for r in rows}


async def all_customers(session: AsyncSession, after: str, limit: int) -> list[str]:
    conn = await driver(session)
    rows = await conn.fetch(
        "SELECT customer_code FROM credit_api.v_customer_credit WHERE customer_code > $1 "
        "ORDER BY customer_code LIMIT $2",
        after,
        limit,
    )
    return [r["customer_code"] for r in rows]


async def mark_due(session: AsyncSession, codes: Sequence[str], traceparent: str | None) -> None:
    if not codes:
        return
    conn = await driver(session)
    await conn.execute(
        "INSERT INTO risk_worker.assessments_due (customer_code, traceparent) "
        "SELECT unnest($1::text[]), $2 ON CONFLICT (customer_code) DO NOTHING",
        list(codes),
        traceparent,
    )


async def take_due(session: AsyncSession, limit: int, marked_by: datetime) -> list[tuple[str, str | None]]:
    """Up to `limit` customers marked due by `marked_by`, oldest first, with the trace that marked
    each, taken for this transaction: they come back if it rolls back, and another replica skips
    them meanwhile."""
    conn = await driver(session)
    rows = await conn.fetch(
        "DELETE FROM risk_worker.assessments_due WHERE customer_code IN (SELECT customer_code FROM "
        "risk_worker.assessments_due WHERE due_since <= $2 ORDER BY due_since LIMIT $1 "
        "FOR UPDATE SKIP LOCKED) RETURNING customer_code, traceparent",
        limit,
        marked_by,
    )
    return sorted((r["customer_code"], r["traceparent"]) for r in rows)


async def stale(session: AsyncSession, limit: int) -> list[str]:
    """Customers whose credit file or reservations changed after their assessment, or who have
    none yet. Reservations are looked up by when they were made or released (indexed); those of
    more than a day ago were caught by the daily run."""
    conn = await driver(session)
    rows = await conn.fetch(
        "SELECT c.customer_code FROM credit_api.v_customer_credit c "
        "LEFT JOIN risk_worker.assessments a USING (customer_code) "
        "WHERE a.customer_code IS NULL OR c.updated_at > a.assessed_at "
        "UNION SELECT r.customer_code FROM credit_api.v_reservations r "
        "JOIN risk_worker.assessments a USING (customer_code) "
        "WHERE (r.created_at > now() - interval '1 day' AND r.created_at > a.assessed_at) "
        "OR (r.released_at > now() - interval '1 day' AND r.released_at > a.assessed_at) "
        "ORDER BY 1 LIMIT $1",
        limit,
    )
    return [r["customer_code"] for r in rows]


async def broken_promises(session: AsyncSession, codes: Sequence[str], since: date) -> dict[str, int]:
    """Promises to pay each customer broke on or after `since` (credit_api's collections)."""
    conn = await driver(session)
    rows = await conn.fetch(
        "SELECT customer_code, count(*) AS broken FROM credit_api.v_broken_promises "
        "WHERE customer_code = ANY($1::text[]) AND broken_on >= $2 GROUP BY customer_code",
        list(codes),
        since,
    )
    return {r["customer_code"]: r["broken"] for r in rows}


async def reservations(
    session: AsyncSession, codes: Sequence[str], now: datetime
) -> dict[str, list[tuple[Decimal, str, list[tuple[str, Decimal]]]]]:
    """Each customer's live reservations: (amount, currency, [(currency, invoiced for the order)])."""
    conn = await driver(session)
    rows = await conn.fetch(
        "SELECT r.customer_code, r.amount, r.currency, coalesce(json_agg(json_build_array(i.currency, "
        "i.invoiced_amount::text)) FILTER (WHERE i.currency IS NOT NULL), '[]') AS invoiced "
        "FROM credit_api.v_reservations r LEFT JOIN risk_worker.order_invoicing i "
        "ON i.customer_code = r.customer_code AND i.order_ref = r.order_ref "
        "WHERE r.customer_code = ANY($1::text[]) AND r.status = 'active' AND r.expires_at > $2 "
        "GROUP BY r.customer_code, r.order_ref, r.amount, r.currency",
        list(codes),
        now,
    )
    found: dict[str, list[tuple[Decimal, str, list[tuple[str, Decimal]]]]] = {}
    for r in rows:
        invoiced = [(cur, Decimal(amount)) for cur, amount in r["invoiced"]]
        found.setdefault(r["customer_code"], []).append((r["amount"], r["currency"], invoiced))
    return found


async def statements(session: AsyncSession, codes: Sequence[str]) -> dict[str, list[Statement]]:
    """The latest two statements of each customer, newest first."""
    conn = await driver(session)
    amounts = ", ".join(AMOUNT_FIELDS)
    rows = await conn.fetch(
        f"SELECT customer_code, period_end, currency, period_months, {amounts} FROM ("  # noqa: S608
        "SELECT s.*, row_number() OVER (PARTITION BY customer_code ORDER BY period_end DESC) AS n "
        "FROM risk_worker.financial_statements s WHERE customer_code = ANY($1::text[])) latest "
        "WHERE n <= 2 ORDER BY customer_code, period_end DESC",
        list(codes),
    )
    found: dict[str, list[Statement]] = {}
    for r in rows:
        values = dict(r)
        found.setdefault(values.pop("customer_code"), []).append(Statement(**values))
    return found


async def invoices(
    session: AsyncSession, codes: Sequence[str], settled_after: date
) -> dict[str, list[tuple[str, Invoice]]]:
    """Each customer's invoices that are open or were settled after `settled_after`, with their
    currency. Cancelled and written-off invoices are no payment experience."""
    conn = await driver(session)
    rows = await conn.fetch(
        "SELECT customer_code, currency, amount, open_amount, issue_date, due_date, settled_on "
        "FROM risk_worker.open_items WHERE customer_code = ANY($1::text[]) AND item_type = 'invoice' "
        "AND status = 'open' AND (open_amount > 0 OR settled_on > $2)",
        list(codes),
        settled_after,
    )
    found: dict[str, list[tuple[str, Invoice]]] = {}
    for r in rows:
        invoice = Invoice(r["amount"], r["open_amount"], r["issue_date"], r["due_date"], r["settled_on"])
        found.setdefault(r["customer_code"], []).append((r["currency"], invoice))
    return found


async def bounced(session: AsyncSession, codes: Sequence[str], after: date) -> dict[str, list[date]]:
    """When each customer's payments were reversed, from the event store (only applied events are
    stored there)."""
    conn = await driver(session)
    rows = await conn.fetch(
        "SELECT subject, (data->>'reversed_date')::date AS day FROM risk_worker.events "
        "WHERE type = 'payment.reversed' AND subject = ANY($1::text[]) "
        "AND (data->>'reversed_date')::date > $2",
        list(codes),
        after,
    )
    found: dict[str, list[date]] = {}
    for r in rows:
        found.setdefault(r["subject"], []).append(r["day"])
    return found


async def fx_rates(session: AsyncSession, day: date) -> dict[tuple[str, str], Decimal]:
    """The latest rate of each pair on or before `day`."""
    conn = await driver(session)
    rows = await conn.fetch(
        "SELECT DISTINCT ON (base, quote) base, quote, rate FROM credit_api.v_fx_rates "
        "WHERE rate_date <= $1 ORDER BY base, quote, rate_date DESC",
        day,
    )
    return {(r["base"], r["quote"]): r["rate"] for r in rows}


async def active_scorecard(session: AsyncSession) -> tuple[str, dict[str, Any]] | None:
    conn = await driver(session)
    row = await conn.fetchrow("SELECT version, document FROM credit_api.v_active_scorecard")
    # SQLAlchemy's asyncpg dialect decodes json and jsonb on its connections.
    return None if row is None else (row["version"], row["document"])


async def scorecard_activation(session: AsyncSession) -> str | None:
    """The `traceparent` of the request that activated the scorecard, when it was traced."""
    conn = await driver(session)
    value = await conn.fetchval("SELECT activated_traceparent FROM credit_api.v_active_scorecard")
    return None if value is None else str(value)


async def active_warning_policy(session: AsyncSession) -> tuple[str, dict[str, Any]] | None:
    conn = await driver(session)
    row = await conn.fetchrow("SELECT version, document FROM credit_api.v_active_warning_policy")
    return None if row is None else (row["version"], row["document"])


async def current(session: AsyncSession, codes: Sequence[str]) -> dict[str, Current]:
    conn = await driver(session)
    rows = await conn.fetch(
        "SELECT customer_code, score, grade, scorecard_version, explanation, changed_at "
        "FROM risk_worker.assessments WHERE customer_code = ANY($1::text[]) FOR UPDATE",
        list(codes),
    )
    return {
        r["customer_code"]: Current(
            r["score"], r["grade"], r["scorecard_version"], r["explanation"], r["changed_at"]
        )
        for r in rows
    }


@dataclass(frozen=True)
class Row:
    customer_code: str
    score: Decimal
    grade: str
    scorecard_version: str
    currency: str
    recommended_limit: Decimal
    recommended_terms: str
    review_months: int
    as_of: date
    explanation: dict[str, Any]
    # When the figures last changed: now when `changed`, else as stored.
    changed_at: datetime
    changed: bool


async def save(session: AsyncSession, rows: Sequence[Row], trigger: str, now: datetime) -> None:
    """Every assessment made; a history row for each one that changed."""
    if not rows:
        return
    conn = await driver(session)
    explanations = [json.dumps(r.explanation) for r in rows]
    await conn.execute(
        "INSERT INTO risk_worker.assessments (customer_code, score, grade, scorecard_version, currency, "
        "recommended_limit, recommended_terms, review_months, as_of, explanation, changed_at, assessed_at) "
        "SELECT u.customer_code, u.score, u.grade, u.version, u.currency, u.lim, u.terms, u.months, u.as_of, "
        "u.explanation::jsonb, u.changed_at, $12 FROM unnest($1::text[], $2::numeric[], $3::text[], "
        "$4::text[], $5::text[], $6::numeric[], $7::text[], $8::int[], $9::date[], $10::text[], "
        "$11::timestamptz[]) AS u(customer_code, score, grade, version, currency, lim, terms, months, as_of, "
        "explanation, changed_at) "
        "ON CONFLICT (customer_code) DO UPDATE SET score = excluded.score, grade = excluded.grade, "
        "scorecard_version = excluded.scorecard_version, currency = excluded.currency, "
        "recommended_limit = excluded.recommended_limit, recommended_terms = excluded.recommended_terms, "
        "review_months = excluded.review_months, as_of = excluded.as_of, explanation = excluded.explanation, "
        "assessed_at = excluded.assessed_at, changed_at = excluded.changed_at",
        [r.customer_code for r in rows],
        [r.score for r in rows],
        [r.grade for r in rows],
        [r.scorecard_version for r in rows],
        [r.currency for r in rows],
        [r.recommended_limit for r in rows],
        [r.recommended_terms for r in rows],
        [r.review_months for r in rows],
        [r.as_of for r in rows],
        explanations,
        [r.changed_at for r in rows],
        now,
    )
    changed = [(r, e) for r, e in zip(rows, explanations, strict=True) if r.changed]
    if changed:
        await conn.execute(
            "INSERT INTO risk_worker.assessment_history (customer_code, score, grade, scorecard_version, "
            "trigger, explanation, assessed_at) SELECT u.customer_code, u.score, u.grade, u.version, $5, "
            "u.explanation::jsonb, $6 FROM unnest($1::text[], $2::numeric[], $3::text[], $4::text[], "
            "$7::text[]) "
            "AS u(customer_code, score, grade, version, explanation)",
            [r.customer_code for r, _ in changed],
            [r.score for r, _ in changed],
            [r.grade for r, _ in changed],
            [r.scorecard_version for r, _ in changed],
            trigger,
            now,
            [e for _, e in changed],
        )


async def last_reassessment(session: AsyncSession) -> tuple[str, date] | None:
    conn = await driver(session)
    row = await conn.fetchrow("SELECT scorecard_version, as_of FROM risk_worker.reassessments")
    return None if row is None else (row["scorecard_version"], row["as_of"])


async def finish_reassessment(session: AsyncSession, version: str, as_of: date) -> None:
    conn = await driver(session)
    await conn.execute("DELETE FROM risk_worker.reassessments")
    await conn.execute(
        "INSERT INTO risk_worker.reassessments (scorecard_version, as_of) VALUES ($1, $2)", version, as_of
    )


async def try_lock(session: AsyncSession, key: int) -> bool:
    """A transaction-level advisory lock: held until the session's transaction ends."""
    conn = await driver(session)
    return bool(await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", key))


async def assessed_before(
    session: AsyncSession, codes: Sequence[str], day: datetime
) -> dict[str, tuple[Decimal, str]]:
    """Each customer's score and grade as they stood at `day`: the last change by then, or the
    first one after it for a customer assessed only since."""
    conn = await driver(session)
    rows = await conn.fetch(
        "SELECT DISTINCT ON (customer_code) customer_code, score, grade FROM risk_worker.assessment_history "
        "WHERE customer_code = ANY($1::text[]) "
        "ORDER BY customer_code, (assessed_at > $2), abs(extract(epoch FROM assessed_at - $2))",
        list(codes),
        day,
    )
    return {r["customer_code"]: (r["score"], r["grade"]) for r in rows}


@dataclass(frozen=True)
class StoredWarning:
    level: int
    since: datetime
    indicators: dict[str, Any]
    reopened_for: datetime | None


async def warning_states(session: AsyncSession, codes: Sequence[str]) -> dict[str, StoredWarning]:
    conn = await driver(session)
    rows = await conn.fetch(
        "SELECT customer_code, level, since, indicators, reopened_for FROM risk_worker.warning_levels "
        "WHERE customer_code = ANY($1::text[]) FOR UPDATE",
        list(codes),
    )
    return {
        r["customer_code"]: StoredWarning(r["level"], r["since"], r["indicators"], r["reopened_for"])
        for r in rows
    }


async def person_resolutions(
    session: AsyncSession, codes: Sequence[str]
) -> dict[str, tuple[uuid.UUID, datetime]]:
    """Per customer without an unresolved alert, its latest alert if a person resolved it."""
    conn = await driver(session)
    rows = await conn.fetch(
        "SELECT customer_code, alert_id, resolved_at FROM credit_api.v_alert_resolutions "
        "WHERE customer_code = ANY($1::text[])",
        list(codes),
    )
    return {r["customer_code"]: (r["alert_id"], r["resolved_at"]) for r in rows}


@dataclass(frozen=True)
class WarningRow:
    customer_code: str
    level: int
    holds_orders: bool
    causes: list[str]
    indicators: dict[str, Any]
    policy_version: str
    since: datetime
    reopened_for: datetime | None


async def save_warnings(session: AsyncSession, rows: Sequence[WarningRow], now: datetime) -> None:
    if not rows:
        return
    conn = await driver(session)
    await conn.execute(
        "INSERT INTO risk_worker.warning_levels (customer_code, level, holds_orders, causes, indicators, "
        "policy_version, since, reopened_for, evaluated_at) SELECT u.code, u.level, u.holds, "
        "u.causes::jsonb, u.indicators::jsonb, u.version, u.since, u.reopened_for, $9 "
        "FROM unnest($1::text[], $2::int[], $3::bool[], $4::text[], $5::text[], $6::text[], "
        "$7::timestamptz[], $8::timestamptz[]) "
        "AS u(code, level, holds, causes, indicators, version, since, reopened_for) "
        "ON CONFLICT (customer_code) DO UPDATE SET level = excluded.level, "
        "holds_orders = excluded.holds_orders, causes = excluded.causes, indicators = excluded.indicators, "
        "policy_version = excluded.policy_version, since = excluded.since, "
        "reopened_for = excluded.reopened_for, evaluated_at = excluded.evaluated_at",
        [r.customer_code for r in rows],
        [r.level for r in rows],
        [r.holds_orders for r in rows],
        [json.dumps(r.causes) for r in rows],
        [json.dumps(r.indicators) for r in rows],
        [r.policy_version for r in rows],
        [r.since for r in rows],
        [r.reopened_for for r in rows],
        now,
    )
