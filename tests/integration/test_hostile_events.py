"""Hostile events on the ERP topic: malformed envelopes, wrong types, huge payloads, deep nesting,
odd unicode (NUL, lone surrogates), amounts as floats or with too many decimals. Each goes to the
dead-letter topic with its reason, and the consumer never stalls: the valid event published after
them is applied."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.risk_worker.main import serve
from services.risk_worker.settings import WorkerSettings
from tests.integration.conftest import eventually
from tests.integration.helpers import drain, invoice_event, publish, running
from tests.integration.test_risk_worker import balance

Sessions = async_sessionmaker[AsyncSession]

# Text as JSON escapes that a JSON parser accepts and a database or UTF-8 cannot hold.
ODD = ["\\u0000", "\\ud806", "\\udfff\\ud800", "\\u202e", "\\ufeff"]


def _escaped(event: dict[str, Any], field: str, odd: str) -> bytes:
    """The event with `odd` spliced, still escaped, into one of its data's text fields."""
    marker = "\u2603" * 3
    event["data"][field] = f"INV{marker}"
    return json.dumps(event).encode().replace(json.dumps(marker)[1:-1].encode(), odd.encode())


def hostile(n: int) -> st.SearchStrategy[bytes]:
    base = invoice_event("C-1", f"H-{n}", "10.00")
    envelope_junk = st.fixed_dictionaries(
        {},
        optional={
            "specversion": st.one_of(st.integers(), st.just(["1.0"]), st.none()),
            "id": st.one_of(st.integers(), st.just({}), st.just("")),
            "type": st.one_of(st.integers(), st.just("invoice.teleported")),
            "subject": st.one_of(st.just("not a code!"), st.just(7)),
            "data": st.one_of(st.just([]), st.just("data"), st.integers()),
        },
    ).map(lambda junk: json.dumps({**base, **junk, "specversion": junk.get("specversion", 2)}).encode())
    amounts = st.one_of(
        st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f),
        st.just("10.001"),
        st.just("1e400"),
        st.just("-5.00"),
        st.just("NaN"),
    ).map(lambda a: json.dumps({**base, "data": {**base["data"], "amount": a}}).encode())
    nested = st.integers(min_value=200, max_value=20_000).map(lambda d: b'{"a":' * d + b"1" + b"}" * d)
    huge = st.integers(min_value=100_000, max_value=600_000).map(
        lambda size: json.dumps({**base, "data": {**base["data"], "invoice_id": "x" * size}}).encode()
    )
    unicode = st.tuples(
        st.sampled_from(["invoice_id", "customer_code", "order_ref"]), st.sampled_from(ODD)
    ).map(lambda pick: _escaped(json.loads(json.dumps(base)), *pick))
    garbage = st.binary(min_size=1, max_size=200)
    return st.one_of(envelope_junk, amounts, nested, huge, unicode, garbage)


# Four examples of 24 hostile events each, the same on every run (a fixed seed): each example is one
# round trip through Kafka and the worker. The fixtures live across the examples, so each example
# uses a customer of its own and counts the dead letters of the ones before it.
@seed(20261125)
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_hostile_events_are_dead_lettered_with_a_reason_and_never_stall_the_consumer(
    worker_settings: WorkerSettings, sessions: Sessions, data: st.DataObject
) -> None:
    SEEN.append(len(SEEN))
    customer = f"H-{len(SEEN)}"
    bad = [data.draw(hostile(n), label=f"hostile {n}") for n in range(24)]
    earlier = sum(DEAD)
    DEAD.append(len(bad))
    valid = invoice_event(customer, f"OK-{customer}", "1.00")
    await publish(worker_settings.ar_events_topic, [*bad, valid], key=customer.encode())
    async with running(serve, worker_settings):
        assert await eventually(lambda: _moved(sessions, customer, Decimal("1.00")))
        dead = await drain(worker_settings.dead_letter_topic, earlier + len(bad))
    mine = dead[earlier:]
    assert len(mine) == len(bad)
    assert all(headers.get("dlq.reason") for _, headers in mine)
    assert sorted(value for value, _ in mine) == sorted(bad)


SEEN: list[int] = []
DEAD: list[int] = []


async def _moved(sessions: Sessions, customer: str, expected: Decimal) -> bool:
    return await balance(sessions, customer) == expected
