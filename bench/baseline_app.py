"""The floor of a credit check decided alone: a bare Starlette endpoint on an asyncpg pool, one
transaction per check with the fewest round trips a check alone can take (the one-round-trip
functions credit_api used per check before it decided in batches), without the framework, ORM,
validation or domain code around them."""

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
    """One check in its own transaction: the idempotency claim, the customer's locked snapshot
    (one round trip each, the functions of migration 0004), the reservation, the decision and the
    stored answer."""
    body = await request.json()
    idempotency_key = request.headers["idempotency-key"]
    now = datetime.now(UTC)
    amount = Decimal(body["amount"])
    assert pool is not None
    async with pool.acquire() as conn, conn.transaction():
        await conn.fetchrow("SELECT * FROM credit_api.idempotency_claim($1, $2)", KEY_ID, idempotency_key)
        snap = await conn.fetchrow(
            "SELECT * FROM credit_api.customer_snapshot($1, $2, $3, $4, true)",
            body["customer_code"],
            now,
            now.date(),
            body["order_ref"],
        )
        code, currency = snap["customer_code"], snap["currency"]
        exposure = sum((Decimal(r[1]) for r in json.loads(snap["receivables"])), Decimal(0)) + sum(
            (Decimal(r[1]) for r in json.loads(snap["reservations"])), Decimal(0)
        )
        approved = exposure + amount <= snap["limit_amount"]
        reservation_id = None
        check_id = uuid.uuid4()
        if approved:
            reservation_id = await conn.fetchval(
                "INSERT INTO credit_api.reservations (id, customer_code, order_ref, check_id, amount, "
                "currency, status, expires_at) VALUES ($1, $2, $3, $4, $5, $6, 'active', $7) "
                "ON CONFLICT (customer_code, order_ref) WHERE status = 'active' DO UPDATE SET "
                "amount = excluded.amount, check_id = excluded.check_id, expires_at = excluded.expires_at "
                "RETURNING id",
                uuid.uuid4(),
                code,
                body["order_ref"],
                check_id,
                amount,
                currency,
                now + timedelta(days=30),
            )
        response = {
            "check_id": str(check_id),
            "customer_code": code,
            "order_ref": body["order_ref"],
            "decision": "approved" if approved else "held",
            "reasons": [],
            "currency": currency,
            "amount": body["amount"],
            "effective_limit": str(snap["limit_amount"]),
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
            snap["limit_amount"],
            exposure,
            exposure + amount,
            snap["limit_amount"] - exposure - amount,
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
