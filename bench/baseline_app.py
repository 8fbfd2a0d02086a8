"""The floor a credit check can reach here: a bare Starlette endpoint on an asyncpg pool running the
same SQL statements as credit_api's reserving check (see services/credit_api/credit_checks),
without the framework, ORM, validation or domain code around them."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

KEY_ID = uuid.UUID(int=1)
pool: asyncpg.Pool | None = None


async def check(request: Request) -> Response:
    body = await request.json()
    idempotency_key = request.headers["idempotency-key"]
    now = datetime.now(UTC)
    amount = Decimal(body["amount"])
    assert pool is not None
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"{KEY_ID}/{idempotency_key}"
        )
        await conn.fetchrow(
            "SELECT * FROM credit_api.idempotency_keys WHERE api_key_id = $1 AND key = $2",
            KEY_ID,
            idempotency_key,
        )
        customer = await conn.fetchrow(
            "SELECT * FROM credit_api.customers WHERE customer_code = $1 FOR UPDATE", body["customer_code"]
        )
        code, currency = customer["customer_code"], customer["currency"]
        receivables = await conn.fetch(
            "SELECT currency, open_receivables, overdue_receivables, oldest_due_date, unallocated_cash "
            "FROM risk_worker.v_customer_receivables WHERE customer_code = $1",
            code,
        )
        reservations = await conn.fetch(
            "SELECT * FROM credit_api.reservations WHERE customer_code = $1 AND status = 'active' "
            "AND expires_at > $2 ORDER BY created_at",
            code,
            now,
        )
        others = [r for r in reservations if r["order_ref"] != body["order_ref"]]
        if others:
            await conn.fetch(
                "SELECT order_ref, currency, invoiced_amount FROM risk_worker.v_order_invoicing "
                "WHERE customer_code = $1 AND order_ref = ANY($2)",
                code,
                [r["order_ref"] for r in others],
            )
        limit = await conn.fetchrow(
            "SELECT * FROM credit_api.credit_limits WHERE customer_code = $1 AND superseded_at IS NULL", code
        )
        await conn.fetch(
            "SELECT * FROM credit_api.temporary_limits WHERE customer_code = $1 AND valid_until >= $2 "
            "ORDER BY valid_from",
            code,
            now.date(),
        )
        exposure = sum((r["open_receivables"] for r in receivables), Decimal(0)) + sum(
            (r["amount"] for r in others), Decimal(0)
        )
        approved = exposure + amount <= limit["amount"]
        reservation_id = None
        check_id = uuid.uuid4()
        if approved:
            await conn.fetchrow(
                "SELECT * FROM credit_api.reservations WHERE customer_code = $1 AND order_ref = $2 "
                "AND status = 'active'",
                code,
                body["order_ref"],
            )
            reservation_id = uuid.uuid4()
            await conn.execute(
                "INSERT INTO credit_api.reservations (id, customer_code, order_ref, check_id, amount, "
                "currency, status, expires_at) VALUES ($1, $2, $3, $4, $5, $6, 'active', $7) RETURNING id",
                reservation_id,
                code,
                body["order_ref"],
                check_id,
                amount,
                currency,
                now + timedelta(days=30),
            )
            await conn.fetchrow(
                "SELECT * FROM credit_api.credit_holds WHERE customer_code = $1 AND order_ref = $2 "
                "AND status = 'open'",
                code,
                body["order_ref"],
            )
        response = {
            "check_id": str(check_id),
            "customer_code": code,
            "order_ref": body["order_ref"],
            "decision": "approved" if approved else "held",
            "reasons": [],
            "currency": currency,
            "amount": body["amount"],
            "effective_limit": str(limit["amount"]),
            "exposure_before": str(exposure),
            "exposure_after": str(exposure + amount),
            "reservation": None if reservation_id is None else {"id": str(reservation_id)},
            "checked_at": now.isoformat(),
        }
        await conn.execute(
            "INSERT INTO credit_api.credit_checks (id, customer_code, order_ref, amount, currency, decision, "
            "reasons, effective_limit, exposure_before, exposure_after, available_after, order_amount, "
            "order_currency, reservation_id, checked_by, checked_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, '[]', $7, $8, $9, $10, $11, $12, $13, 'baseline', $14)",
            check_id,
            code,
            body["order_ref"],
            amount,
            currency,
            response["decision"],
            limit["amount"],
            exposure,
            exposure + amount,
            limit["amount"] - exposure - amount,
            amount,
            body["currency"],
            reservation_id,
            now,
        )
        await conn.execute(
            "INSERT INTO credit_api.idempotency_keys (api_key_id, key, request_hash, status_code, response) "
            "VALUES ($1, $2, $3, 200, $4)",
            KEY_ID,
            idempotency_key,
            hashlib.sha256(json.dumps(body).encode()).hexdigest(),
            json.dumps(response),
        )
    return JSONResponse(response)


@asynccontextmanager
async def lifespan(_: Starlette) -> AsyncIterator[None]:
    global pool
    pool = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=20, max_size=20)
    yield
    await pool.close()


async def ready(_: Request) -> Response:
    return JSONResponse({"status": "ready"})


app = Starlette(
    routes=[Route("/v1/credit-checks", check, methods=["POST"]), Route("/readyz", ready)], lifespan=lifespan
)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning", access_log=False)
