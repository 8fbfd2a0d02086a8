"""Cash application on a labelled set of payments with realistic noise: how many are matched
automatically, and how many of those are right.

`python -m bench.cash_application [--payments N] [--seed S]` generates customers with open invoices
and payments that pay some of them, each labelled with the invoices it pays, and with the noise a
receivables team meets: typos in references, no reference, short payments, several invoices in one
payment, bank charges, early-payment discounts, overpayments, and remittances naming another
customer's invoice. Every payment goes through `shared.domain.cash_application.match` with the
shipped policy, as the risk worker runs it, beside a baseline that applies only a remittance's
exact invoice numbers (what an ERP's bank reconciliation does).

Then the same payments go through the platform (`BENCH_CASH_LIVE=0` skips it): the invoices and
the payments are published to Kafka as ERP events, one risk worker applies them to the ledger in
PostgreSQL, matches each payment and applies its sure matches through Kafka as `payment.allocated`;
the matches it recorded are scored the same way.

Goals: at least 90 % of payments applied automatically, at least 99.5 % of those right, and none
applied across customers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import asyncpg
from aiokafka import AIOKafkaProducer

from bench.common import erp_event, free_port, fresh_database, stack_env
from bench.ingest import worker
from shared import cash_application_policies
from shared.domain.cash_application import Match, OpenItem, Policy, Remittance, match, normalise, references
from shared.domain.money import round_money
from shared.kafka import ensure_topics

TODAY = date(2026, 12, 1)
CENTS = Decimal("0.01")
# What share of payments has each kind of noise (the rest name their invoices exactly).
MIX = [
    ("exact reference", 0.40),
    ("typo in reference", 0.12),
    ("no reference", 0.12),
    ("several invoices", 0.10),
    ("short payment", 0.06),
    ("bank charges", 0.05),
    ("discount", 0.05),
    ("overpayment", 0.03),
    ("reference format", 0.04),
    ("another customer's invoice", 0.03),
]


@dataclass
class Case:
    kind: str
    payment: Remittance
    # What it really pays: (customer, invoice), empty when no open invoice should take it.
    pays: frozenset[tuple[str, str]]


def _typo(rng: random.Random, text: str) -> str:
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    i = rng.choice(digits)
    how = rng.choice(["replace", "swap", "drop", "double"])
    if how == "replace":
        return text[:i] + rng.choice([d for d in "0123456789" if d != text[i]]) + text[i + 1 :]
    if how == "swap" and i + 1 < len(text) and text[i + 1].isdigit() and text[i + 1] != text[i]:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if how == "drop":
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]


def _remit(rng: random.Random, ids: list[str]) -> str:
    template = rng.choice(
        ["{refs}", "Payment {refs}", "INVOICE {refs} THANK YOU", "RE: {refs} / ACME LTD", "{refs} SEPA"]
    )
    return template.format(refs=rng.choice([", ", " ", "+", " and "]).join(ids))


def generate(count: int, seed: int) -> tuple[list[OpenItem], list[Case]]:
    rng = random.Random(seed)
    customers = [f"C{n:04d}" for n in range(max(20, count // 5))]
    items: list[OpenItem] = []
    by_customer: dict[str, list[OpenItem]] = {}
    number = 100_000
    for code in customers:
        discount = rng.random() < 0.3
        for _ in range(rng.randint(3, 18)):
            number += rng.randint(1, 3)
            issued = TODAY - timedelta(days=rng.randint(1, 120))
            amount = (
                Decimal(rng.choice([rng.randint(50, 2_000), rng.randint(2_000, 40_000)]))
                + Decimal(rng.randint(0, 99)) * CENTS
            )
            if rng.random() < 0.08:
                amount = Decimal(rng.choice([100, 250, 500, 1000]))  # round amounts repeat
            item = OpenItem(
                code,
                f"INV-{number}",
                "EUR",
                amount,
                issued + timedelta(days=30),
                Decimal("0.02") if discount else Decimal(0),
                issued + timedelta(days=10) if discount else None,
            )
            items.append(item)
            by_customer.setdefault(code, []).append(item)
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    cases = []
    # Each invoice is paid by one payment at most, so the same payments can be replayed through
    # the ledger, where a paid invoice is no longer open.
    unpaid = {code: list(own) for code, own in by_customer.items()}
    for n in range(count):
        kind = rng.choices(kinds, weights)[0]
        code = rng.choice([c for c in customers if unpaid[c]])
        own = unpaid[code]
        paid = [rng.choice(own)]
        amount = paid[0].open_amount
        text = _remit(rng, [paid[0].item_id])
        on = TODAY
        if kind == "typo in reference":
            text = _remit(rng, [_typo(rng, paid[0].item_id)])
        elif kind == "reference format":
            digits = paid[0].item_id.split("-")[1]
            text = _remit(
                rng, [rng.choice([f"inv{digits}", f"00{digits}", f"Inv. {digits}", f"INV/{digits}", digits])]
            )
        elif kind == "no reference":
            text = rng.choice(["", "PAYMENT", "SUPPLIER PAYMENT NOV", "TRANSFER"])
        elif kind == "several invoices":
            paid = rng.sample(own, min(len(own), rng.randint(2, 4)))
            amount = sum((i.open_amount for i in paid), Decimal(0))
            text = _remit(rng, [i.item_id for i in paid]) if rng.random() < 0.8 else "PAYMENT"
        elif kind == "short payment":
            amount = round_money(
                paid[0].open_amount * Decimal(rng.choice(["0.5", "0.8", "0.9", "0.3"])), "EUR"
            )
        elif kind == "bank charges":
            amount = paid[0].open_amount - Decimal(rng.randint(150, 2_500)) * CENTS
            if rng.random() < 0.3:
                text = "TRANSFER"
        elif kind == "discount":
            with_discount = [i for i in own if i.discount]
            if with_discount:
                paid = [rng.choice(with_discount)]
                on = paid[0].discount_until or TODAY
                on -= timedelta(days=rng.randint(0, 5))
                amount = paid[0].discounted(on) or paid[0].open_amount
                text = _remit(rng, [paid[0].item_id]) if rng.random() < 0.7 else ""
        elif kind == "overpayment":
            amount = paid[0].open_amount + Decimal(rng.randint(1, 500))
        elif kind == "another customer's invoice":
            stranger = rng.choice(items)
            while stranger.customer_code == code:
                stranger = rng.choice(items)
            text = _remit(rng, [stranger.item_id])
            paid = []
        if amount <= 0:
            amount = paid[0].open_amount
        for item in paid:
            own.remove(item)
        payment = Remittance(code, f"P{n:06d}", "EUR", amount, on, text, "")
        cases.append(Case(kind, payment, frozenset((i.customer_code, i.item_id) for i in paid)))
    return items, cases


def baseline(payment: Remittance, own: list[OpenItem], policy: Policy) -> Match | None:
    """Exact invoice numbers only, applied when the amount is what they leave open."""
    keys = set(references(payment.text, policy.prefixes))
    named = [i for i in own if normalise(i.item_id, policy.prefixes) in keys]
    if named and sum((i.open_amount for i in named), Decimal(0)) == payment.amount:
        from shared.domain.cash_application import Line

        return Match(Decimal(1), tuple(Line(i.customer_code, i.item_id, i.open_amount) for i in named), ())
    return None


@dataclass
class Score:
    automatic: int = 0
    right: int = 0
    across: int = 0
    queued_with_proposal: int = 0
    seconds: float = 0.0


def _score(found: Match | None, case: Case, policy: Policy, score: Score) -> bool:
    if found is None or not found.automatic(policy):
        if found is not None and found.lines:
            score.queued_with_proposal += 1
        return False
    score.automatic += 1
    taken = frozenset((line.customer_code, line.item_id) for line in found.lines)
    if any(c != case.payment.customer_code for c, _ in taken):
        score.across += 1
    if taken == case.pays:
        score.right += 1
        return True
    return False


def run(count: int, seed: int) -> dict[str, Score]:
    items, cases = generate(count, seed)
    policy = cash_application_policies.default()
    by_customer: dict[str, list[OpenItem]] = {}
    by_number: dict[str, list[OpenItem]] = {}
    for item in items:
        by_customer.setdefault(item.customer_code, []).append(item)
        by_number.setdefault(normalise(item.item_id, policy.prefixes), []).append(item)
    scores = {"matcher": Score(), "baseline": Score()}
    wrong: Counter[str] = Counter()
    automatic: Counter[str] = Counter()
    total: Counter[str] = Counter(case.kind for case in cases)
    for name, scorer in (("matcher", None), ("baseline", baseline)):
        score = scores[name]
        started = time.perf_counter()
        for case in cases:
            own = by_customer[case.payment.customer_code]
            if scorer is None:
                # What the risk worker's query finds: other customers' open items by the numbers named.
                numbers = references(case.payment.text, policy.prefixes)
                elsewhere = [i for n in numbers for i in by_number.get(n, ())]
                found = match(case.payment, own, policy, elsewhere)
            else:
                found = scorer(case.payment, own, policy)
            right = _score(found, case, policy, score)
            if scorer is None and found is not None and found.automatic(policy):
                automatic[case.kind] += 1
                if not right:
                    wrong[case.kind] += 1
        score.seconds = time.perf_counter() - started
    print(f"{len(cases):,} labelled payments against {len(items):,} open invoices (seed {seed})")
    print(f"{'kind':<28}{'payments':>10}{'automatic':>11}{'wrong':>7}")
    for kind, _ in MIX:
        print(f"{kind:<28}{total[kind]:>10}{automatic[kind]:>11}{wrong[kind]:>7}")
    for name, score in scores.items():
        share = score.automatic / len(cases)
        precision = score.right / score.automatic if score.automatic else 1.0
        print(
            f"{name:<9} applied automatically {share:6.1%} at precision {precision:7.2%}; "
            f"{score.queued_with_proposal} queued with a proposal; {score.across} across customers; "
            f"{score.seconds * 1000 / len(cases):.3f} ms a payment"
        )
    return scores


async def _publish(bootstrap: str, topic: str, records: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=1 << 20)
    await producer.start()
    try:
        await asyncio.gather(*[await producer.send(topic, value, key=key) for key, value in records])
    finally:
        await producer.stop()


async def _until(conn: asyncpg.Connection, sql: str, done: int, proc: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + 600
    while int(await conn.fetchval(sql)) < done:
        if proc.returncode is not None or time.monotonic() > deadline:
            raise RuntimeError("the risk worker exited or stalled")
        await asyncio.sleep(0.2)


async def live(count: int, seed: int) -> None:
    """The same payments through Kafka, the risk worker and PostgreSQL."""
    items, cases = generate(count, seed)
    database_url = await fresh_database("credence_bench_cash")
    base = stack_env()
    bootstrap = base["KAFKA_BOOTSTRAP_SERVERS"]
    topic = f"bench.{uuid.uuid4().hex[:6]}.ar.events"
    await ensure_topics(
        bootstrap, [(topic, 6), (f"{topic}.dlq", 1), (f"{topic}.alerts", 1), (f"{topic}.risk", 1)]
    )
    env = {
        **base,
        "DATABASE_URL": database_url,
        "CREDENCE_TOPIC_AR_EVENTS": topic,
        "CREDENCE_TOPIC_ALERTS": f"{topic}.alerts",
        "CREDENCE_TOPIC_RISK_EVENTS": f"{topic}.risk",
        "CREDENCE_WORKER_GROUP_ID": f"bench-{uuid.uuid4().hex[:6]}",
        "CREDENCE_WORKER_HTTP_PORT": str(free_port()),
        "CREDENCE_LOG_LEVEL": "WARNING",
    }
    conn = await asyncpg.connect(database_url)
    discounted = sorted({i.customer_code for i in items if i.discount})
    await conn.executemany(
        "INSERT INTO credit_api.customers (customer_code, name, currency, payment_terms) "
        "VALUES ($1, $1, 'EUR', $2)",
        [(c, "2/10 NET30" if c in discounted else "NET30") for c in sorted({i.customer_code for i in items})],
    )
    await _publish(
        bootstrap,
        topic,
        [
            erp_event(
                "invoice.issued",
                i.customer_code,
                {
                    "invoice_id": i.item_id,
                    "currency": "EUR",
                    "amount": str(i.open_amount),
                    "issue_date": (i.due_date - timedelta(days=30)).isoformat(),
                    "due_date": i.due_date.isoformat(),
                },
            )
            for i in items
        ],
    )
    proc = await worker(env)
    try:
        await _until(conn, "SELECT count(*) FROM risk_worker.open_items", len(items), proc)
        started = time.perf_counter()
        await _publish(
            bootstrap,
            topic,
            [
                erp_event(
                    "payment.received",
                    c.payment.customer_code,
                    {
                        "payment_id": c.payment.payment_id,
                        "currency": "EUR",
                        "amount": str(c.payment.amount),
                        "received_date": c.payment.received_date.isoformat(),
                        "remittance_text": c.payment.text,
                    },
                )
                for c in cases
            ],
        )
        await _until(conn, "SELECT count(*) FROM risk_worker.cash_matches", len(cases), proc)
        await _until(
            conn, "SELECT count(*) = 0 FROM risk_worker.cash_matches WHERE status = 'applying'", 1, proc
        )
        elapsed = time.perf_counter() - started
        rows = await conn.fetch(
            "SELECT payment_id, customer_code, status, applied_by, lines FROM risk_worker.cash_matches"
        )
    finally:
        proc.terminate()
        await proc.wait()
        await conn.close()
    truth = {c.payment.payment_id: c for c in cases}
    automatic = right = across = refused = 0
    for row in rows:
        refused += row["status"] == "refused"
        if row["applied_by"] != "cash-application":
            continue
        automatic += 1
        taken = frozenset((line["customer_code"], line["invoice_id"]) for line in json.loads(row["lines"]))
        across += any(code != row["customer_code"] for code, _ in taken)
        right += taken == truth[row["payment_id"]].pays
    print(
        f"live      applied automatically {automatic / len(cases):6.1%} at precision "
        f"{right / max(automatic, 1):7.2%}; {across} across customers; {refused} refused by the ledger; "
        f"{len(cases):,} payments matched and applied through Kafka and PostgreSQL in {elapsed:.1f} s"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=20261206)
    args, _ = parser.parse_known_args()
    run(args.payments, args.seed)
    if os.environ.get("BENCH_CASH_LIVE", "1") != "0":
        await live(args.payments, args.seed)


if __name__ == "__main__":
    asyncio.run(main())
