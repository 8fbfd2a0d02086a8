"""Credit checks decided in batches: many checks fired at once, of several customers, amounts and
currencies, with retries and reused Idempotency-Keys and checks that must fail (an unknown
customer, a currency without a rate), each answered as if the checks had been decided one after
another in the order the database numbered them. The recomputation below is that sequential
replay, written plainly: a customer's live reservations by order, each check against them."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.credit.credit_checks import service
from services.credit_api.credit.credit_checks.pipeline import CheckPipeline
from services.credit_api.credit.credit_checks.schemas import CreditCheckRequest
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from shared.roles import Role
from tests.integration.conftest import Api, eventually
from tests.integration.helpers import waiting_on_locks
from tests.integration.test_credit_group_checks import group, member

LIMITS = {"K1": Decimal("700.00"), "K2": Decimal("900.00"), "K3": Decimal("400.00")}


async def fire(api: Api, body: dict[str, Any], key: str | None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return await api.request("POST", "/v1/credit-checks", role=Role.ORDER_SYSTEM, headers=headers, json=body)


@pytest.mark.parametrize("seed", [20261125, 7, 1999])
async def test_concurrent_mixed_checks_match_a_sequential_replay(
    api: Api, sessions: async_sessionmaker[AsyncSession], seed: int
) -> None:
    for code, limit in LIMITS.items():
        await api.ok(
            "POST", "/v1/customers", status=201, json={"customer_code": code, "name": code, "currency": "EUR"}
        )
        await api.ok(
            "PUT", f"/v1/customers/{code}/credit-limit", json={"amount": f"{limit}", "reason": "test"}
        )
    await api.ok(
        "PUT", f"/v1/fx-rates/{date.today()}", role=Role.ERP, json={"base": "EUR", "rates": {"USD": "1.25"}}
    )
    rng = random.Random(seed)
    asked: list[tuple[dict[str, Any], str | None]] = []
    for n in range(240):
        code = rng.choice(["K1", "K2", "K3", "K1", "K2", "K9"])  # K9 does not exist
        body: dict[str, Any] = {
            "customer_code": code,
            # Few orders per customer: checks replace each other's reservations.
            "order_ref": f"SO-{rng.randrange(12)}",
            "amount": f"{rng.randrange(1000, 15000) / 100:.2f}",
            "currency": rng.choice(["EUR", "EUR", "USD", "GBP"]),  # no rate for GBP
            "reserve": rng.random() < 0.85,
        }
        key = f"key-{n}" if rng.random() < 0.5 else None
        asked.append((body, key))
        if key and rng.random() < 0.2:
            asked.append((body, key))  # a retry, racing its first
        elif key and rng.random() < 0.1:
            asked.append(({**body, "amount": "1.00"}, key))  # the key reused for another order
    rng.shuffle(asked)
    responses = await asyncio.gather(*(fire(api, body, key) for body, key in asked))

    answers: dict[str, list[dict[str, Any]]] = {}
    for (body, key), response in zip(asked, responses, strict=True):
        if body["customer_code"] == "K9":
            assert response.status_code == 404, response.text
        elif body["currency"] == "GBP":
            assert (response.status_code, response.json()["type"]) == (
                422,
                "urn:credence:problem:missing-fx-rate",
            ), response.text
        elif response.status_code == 409:
            assert response.json()["type"] == "urn:credence:problem:idempotency-key-reused"
            assert key is not None
        else:
            assert response.status_code == 200, response.text
            answer = response.json()
            answers.setdefault(key or answer["check_id"], []).append(answer)
    # A retry gets its first's answer: the same stored decision.
    assert all(len({a["check_id"] for a in same}) == 1 for same in answers.values())
    answered = {a["check_id"]: a for same in answers.values() for a in same}

    async with sessions() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT id::text, customer_code, order_ref, amount, decision, exposure_before, "
                    "reservation_id IS NOT NULL AS reserved FROM credit_api.credit_checks "
                    "ORDER BY decided_seq"
                )
            )
        ).all()
        live_now = (
            await session.execute(
                text(
                    "SELECT customer_code, order_ref, amount FROM credit_api.reservations "
                    "WHERE status = 'active'"
                )
            )
        ).all()
    assert {r.id for r in rows} == set(answered)  # one stored decision per answered check, no more

    live: dict[str, dict[str, Decimal]] = {code: {} for code in LIMITS}
    for r in rows:
        mine = live[r.customer_code]
        before = sum((a for order, a in mine.items() if order != r.order_ref), Decimal(0))
        expected = "approved" if before + r.amount <= LIMITS[r.customer_code] else "held"
        assert (r.exposure_before, r.decision) == (before, expected), r
        assert answered[r.id]["decision"] == r.decision
        if r.reserved and r.decision == "approved":
            mine[r.order_ref] = r.amount
    assert {(c, o): a for c, o, a in live_now} == {
        (code, order): amount for code, orders in live.items() for order, amount in orders.items()
    }
    for code, orders in live.items():
        assert sum(orders.values(), Decimal(0)) <= LIMITS[code]  # never an overshoot
    assert sum(1 for r in rows if r.decision == "held") > 10  # the limits were reached


def _counted(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def _taken() -> tuple[float, float, float, float]:
    """The pipeline's counters: checks taken at once and queued, batches decided, checks in them."""
    return (
        _counted("credence_credit_check_arrivals_total", {"taken": "at_once"}),
        _counted("credence_credit_check_arrivals_total", {"taken": "queued"}),
        _counted("credence_credit_check_batch_size_count"),
        _counted("credence_credit_check_batch_size_sum"),
    )


async def test_an_idle_check_is_decided_at_once_and_a_crowd_in_batches(
    api: Api, api_settings: ApiSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Natural batching, read from the pipeline's own counters, not from a clock. One lane: a check
    that finds it free is decided at once and alone, so a second check sent while the first is
    being decided is not taken into its batch (a window would have held the first back for it); it
    queues and goes in the next. A crowd that arrives while the lane is busy is decided together."""
    await api.ok(
        "POST", "/v1/customers", status=201, json={"customer_code": "K1", "name": "K1", "currency": "EUR"}
    )
    await api.ok("PUT", "/v1/customers/K1/credit-limit", json={"amount": "100000.00", "reason": "test"})
    pipeline = CheckPipeline(sessions, api_settings.model_copy(update={"check_batch_lanes": 1}))
    stop = asyncio.Event()
    lanes = asyncio.create_task(pipeline.run(stop))
    caller = Principal(str(uuid.uuid4()), "order-system", Role.ORDER_SYSTEM)

    def asked(order: str) -> service.Asked:
        body = {
            "customer_code": "K1",
            "order_ref": order,
            "amount": "1.00",
            "currency": "EUR",
            "reserve": True,
        }
        return service.Asked(caller, CreditCheckRequest.model_validate(body))

    try:
        await asyncio.sleep(0)  # the lane starts and waits for checks
        before = _taken()
        first = asyncio.create_task(pipeline.submit(asked("SO-first")))
        for _ in range(5):
            await asyncio.sleep(0)  # the lane has taken the first check and is deciding it
        second = pipeline.submit(asked("SO-second"))
        answers = await asyncio.gather(first, second)
        assert [json.loads(a.body)["decision"] for a in answers] == ["approved", "approved"]
        changed = tuple(a - b for a, b in zip(_taken(), before, strict=True))
        assert changed == (1, 1, 2, 2)  # at once, queued; two batches of one

        before = _taken()
        crowd = await asyncio.gather(*(pipeline.submit(asked(f"SO-{n}")) for n in range(60)))
        assert {json.loads(a.body)["decision"] for a in crowd} == {"approved"}
        at_once, queued, batches, checks = (a - b for a, b in zip(_taken(), before, strict=True))
        assert (at_once, queued, checks) == (1, 59, 60)
        assert batches < 10  # decided together, not one by one
    finally:
        stop.set()
        await lanes


async def test_a_check_waits_in_the_pipeline_for_its_tree_while_a_free_lane_takes_others(
    api: Api, api_settings: ApiSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Two lanes. A check of M2 is stuck on its tree's top group (locked here, as a long
    transaction would); a check of M3, under the same top group through another sub-group, arrives
    next, then one of K1, in no group. The free lane leaves M3's check waiting in the pipeline, where
    it would only wait for the same lock, and decides K1's at once: had it taken M3's, both lanes
    would wait on the lock and K1's answer with them."""
    await group(api, "TOP", Decimal("100000.00"))
    for sub in ("SUB1", "SUB2"):
        await group(api, sub, Decimal("100000.00"), parent="TOP")
    await member(api, "M2", "SUB1")
    await member(api, "M3", "SUB2")
    await member(api, "K1", None)
    pipeline = CheckPipeline(sessions, api_settings.model_copy(update={"check_batch_lanes": 2}))
    stop = asyncio.Event()
    lanes = asyncio.create_task(pipeline.run(stop))
    caller = Principal(str(uuid.uuid4()), "order-system", Role.ORDER_SYSTEM)

    def asked(customer: str, order: str) -> service.Asked:
        body = {"customer_code": customer, "order_ref": order, "amount": "1.00", "currency": "EUR"}
        return service.Asked(caller, CreditCheckRequest.model_validate(body))

    try:
        # The pipeline learns which tree each customer is in from the checks it decides.
        for customer in ("M2", "M3"):
            await pipeline.submit(asked(customer, f"SO-{customer}-first"))
        async with sessions() as holder, holder.begin():
            await holder.execute(text("SELECT 1 FROM credit_api.credit_groups WHERE code = 'TOP' FOR UPDATE"))
            stuck = asyncio.create_task(pipeline.submit(asked("M2", "SO-M2")))
            assert await eventually(lambda: waiting_on_locks(sessions)) == 1
            sibling = asyncio.create_task(pipeline.submit(asked("M3", "SO-M3")))
            alone = await asyncio.wait_for(pipeline.submit(asked("K1", "SO-K1")), timeout=10)
            assert json.loads(alone.body)["decision"] == "approved"
            assert not stuck.done() and not sibling.done()
            assert await waiting_on_locks(sessions) == 1  # M3's check never reached the database
        answers = await asyncio.gather(stuck, sibling)
        assert [json.loads(a.body)["decision"] for a in answers] == ["approved", "approved"]
    finally:
        stop.set()
        await lanes
