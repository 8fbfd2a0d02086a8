"""A credit group's exposure (migrations 0039 and 0046) and a credit check's customer standing
(migration 0045) read from the reservations' running sums always equal the plain recomputation from
every reservation and every order's invoicing, whatever sequence of reservations written and
rewritten, released, expired and invoiced (before and after they were written), and of members
moved between groups or out of any, comes first."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.credit.credit_checks import repository as checks
from services.credit_api.credit.exposure import repository as exposure
from services.credit_api.credit.exposure import service as standings
from services.credit_api.credit.fx_rates.service import Converter
from services.credit_api.credit.reservations import repository as reservations
from shared.db import driver
from shared.domain import credit_groups, fx
from shared.domain.credit_groups import Group, Invoiced, Part
from shared.domain.exposure import Exposure
from tests.integration.conftest import eventually
from tests.integration.helpers import waiting_on_locks

RATES = {("EUR", "USD"): Decimal("1.0800")}
MEMBERS = {"M0": "A", "M1": "A", "M2": "B", "M3": "B"}
ORDERS = ["O1", "O2", "O3"]

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("900"), places=2)
operation = st.one_of(
    st.tuples(
        st.just("reserve"),
        st.sampled_from(sorted(MEMBERS)),
        st.sampled_from(ORDERS),
        amounts,
        st.sampled_from(["EUR", "USD"]),
        st.integers(-3, 30),  # days to expiry from the moment of the check: some expire
    ),
    st.tuples(st.just("release"), st.sampled_from(sorted(MEMBERS)), st.sampled_from(ORDERS)),
    st.tuples(
        st.just("invoice"),
        st.sampled_from(sorted(MEMBERS)),
        st.sampled_from(ORDERS),
        amounts,
        st.sampled_from(["EUR", "USD"]),
    ),
    # An order invoiced before any reservation for it was written, so long ago that its invoicing
    # is older than any reservation term (as the rows there before migration 0039 are).
    st.tuples(
        st.just("invoiced long ago"),
        st.sampled_from(sorted(MEMBERS)),
        st.sampled_from(ORDERS),
        amounts,
        st.sampled_from(["EUR", "USD"]),
    ),
    st.tuples(st.just("expire")),
    st.tuples(st.just("move"), st.sampled_from(sorted(MEMBERS)), st.sampled_from(["A", "B", None])),
)


Step = tuple[object, ...]


async def _apply(session: AsyncSession, step: Step, run: str, now: datetime) -> None:
    pg = await driver(session)
    kind = step[0]
    if kind == "reserve":
        _, code, order, amount, currency, days = step
        expiry = now + timedelta(days=int(str(days)))
        row = (f"{code}{run}", str(order), None, Decimal(str(amount)), str(currency), expiry)
        await reservations.upsert_many(session, [row])
    elif kind == "release":
        _, code, order = step
        await pg.execute(
            "UPDATE credit_api.reservations SET status = 'released', released_at = $3 "
            "WHERE customer_code = $1 AND order_ref = $2 AND status = 'active'",
            f"{code}{run}",
            order,
            now,
        )
    elif kind == "invoice":
        # As the risk worker's ledger writes it.
        _, code, order, amount, currency = step
        await pg.execute(
            "INSERT INTO risk_worker.order_invoicing AS o "
            "(customer_code, order_ref, currency, invoiced_amount) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (customer_code, order_ref, currency) DO UPDATE "
            "SET invoiced_amount = o.invoiced_amount + excluded.invoiced_amount, changed_at = now()",
            f"{code}{run}",
            order,
            currency,
            amount,
        )
    elif kind == "invoiced long ago":
        _, code, order, amount, currency = step
        await pg.execute(
            "INSERT INTO risk_worker.order_invoicing "
            "(customer_code, order_ref, currency, invoiced_amount, changed_at) "
            "SELECT $1::text, $2::text, $3::text, $4::numeric, '-infinity' "
            "WHERE NOT EXISTS (SELECT 1 FROM risk_worker.order_invoicing "
            "                   WHERE customer_code = $1 AND order_ref = $2) "
            "  AND NOT EXISTS (SELECT 1 FROM credit_api.reservations "
            "                   WHERE customer_code = $1 AND order_ref = $2)",
            f"{code}{run}",
            order,
            currency,
            amount,
        )
    elif kind == "move":
        _, code, group = step
        await pg.execute(
            "UPDATE credit_api.customers SET credit_group = $2 WHERE customer_code = $1",
            f"{code}{run}",
            None if group is None else f"{group}{run}",
        )
    else:
        await reservations.expire_due(session, now)


async def _plain(session: AsyncSession, run: str, now: datetime) -> tuple[list[Part], list[Invoiced]]:
    """Every live reservation read one by one, as before the sums: those with invoicing listed with
    it, the others summed."""
    pg = await driver(session)
    live = await pg.fetch(
        "SELECT customer_code, order_ref, amount, currency FROM credit_api.reservations "
        "WHERE customer_code LIKE '%' || $1 AND status = 'active' AND expires_at > $2",
        run,
        now,
    )
    invoicing: dict[tuple[str, str], list[tuple[str, Decimal]]] = defaultdict(list)
    for row in await pg.fetch(
        "SELECT customer_code, order_ref, currency, invoiced_amount FROM risk_worker.order_invoicing "
        "WHERE customer_code LIKE '%' || $1",
        run,
    ):
        invoicing[(row["customer_code"], row["order_ref"])].append((row["currency"], row["invoiced_amount"]))
    groups = dict(
        await pg.fetch(
            "SELECT customer_code, credit_group FROM credit_api.customers WHERE customer_code LIKE '%' || $1",
            run,
        )
    )
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    invoiced = []
    for r in live:
        group = groups[r["customer_code"]]
        if group is None:
            continue
        billed = invoicing.get((r["customer_code"], r["order_ref"]))
        if billed:
            invoiced.append(Invoiced(group, r["amount"], r["currency"], billed))
        else:
            sums[(group, r["currency"])] += r["amount"]
    return [Part(g, "reserved", cur, amount) for (g, cur), amount in sums.items()], invoiced


def _exposures(
    run: str, parts: list[Part], invoiced: list[Invoiced], figures: exposure.GroupFigures | None = None
) -> dict[str, Decimal | None]:
    """Over the figures' own tree when given, as the credit check rolls them up."""
    tree = (
        {
            f"P{run}": Group(f"P{run}", "EUR"),
            f"A{run}": Group(f"A{run}", "EUR", f"P{run}"),
            f"B{run}": Group(f"B{run}", "USD", f"P{run}"),
        }
        if figures is None
        else {code: Group(code, row.currency, row.parent) for code, row in figures.groups.items()}
    )
    found = credit_groups.contributions(parts, invoiced, RATES, net_unallocated_cash=True)
    return credit_groups.exposures(tree, found, RATES)


async def _setup(sessions: async_sessionmaker[AsyncSession], run: str) -> None:
    async with sessions() as session, session.begin():
        pg = await driver(session)
        for code, currency, parent in (("P", "EUR", None), ("A", "EUR", "P"), ("B", "USD", "P")):
            await pg.execute(
                "INSERT INTO credit_api.credit_groups (code, name, currency, parent_code) "
                "VALUES ($1, $1, $2, $3)",
                f"{code}{run}",
                currency,
                None if parent is None else f"{parent}{run}",
            )
        for code, group in MEMBERS.items():
            await pg.execute(
                "INSERT INTO credit_api.customers (customer_code, name, currency, credit_group) "
                "VALUES ($1, $1, 'EUR', $2)",
                f"{code}{run}",
                f"{group}{run}",
            )


def _moments(steps: list[Step], moments: list[int]) -> list[tuple[datetime, list[Step]]]:
    """The steps spread over the moments, each moment later than the last: reservations written
    earlier expire by a later one, and each moment's figures are compared."""
    moment, spread = datetime.now(UTC), []
    chunk = max(1, len(steps) // len(moments))
    for n, days in enumerate(moments):
        moment += timedelta(days=days)
        spread.append((moment, steps[n * chunk : (n + 1) * chunk if n < len(moments) - 1 else None]))
    return spread


async def _applied(
    sessions: async_sessionmaker[AsyncSession], run: str, moment: datetime, steps: list[Step]
) -> None:
    async with sessions() as session, session.begin():
        for step in steps:
            await _apply(session, step, run, moment)


PROPERTY = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
MOMENTS = st.lists(st.integers(0, 40), min_size=1, max_size=4)


# The groups asked for, and those whose exposure the figures must make right: the asked ones and
# every one above them (a member of a group below those counts in the nearest of them, migration
# 0048), such as a credit check of a member of A asks for A.
ASKED = {"PAB": "PAB", "A": "AP", "B": "BP", "P": "P"}


@PROPERTY
@given(steps=st.lists(operation, max_size=25), moments=MOMENTS, asked=st.sampled_from(sorted(ASKED)))
async def test_group_figures_from_the_sums_equal_a_plain_recomputation(
    steps: list[Step], moments: list[int], asked: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    run = uuid.uuid4().hex[:8]
    await _setup(sessions, run)
    weighed = {f"{code}{run}" for code in ASKED[asked]}
    for moment, now in _moments(steps, moments):
        await _applied(sessions, run, moment, now)
        async with sessions() as session:
            figures = await exposure.group_figures(
                session, [], [f"{code}{run}" for code in asked], moment, lock=False
            )
            assert figures is not None
            reserved = [p for p in figures.parts if p.kind == "reserved"]
            parts, invoiced = await _plain(session, run, moment)
        assert set(figures.groups) == weighed
        read, plain = _exposures(run, reserved, figures.invoiced, figures), _exposures(run, parts, invoiced)
        assert {g: read[g] for g in weighed} == {g: plain[g] for g in weighed}
        if asked == "PAB":
            assert _listed(figures.invoiced) == _listed(invoiced)


def _listed(invoiced: list[Invoiced]) -> list[tuple[str, Decimal, str, list[tuple[str, Decimal]]]]:
    return sorted((i.group, i.amount, i.currency, sorted(i.invoiced)) for i in invoiced)


@PROPERTY
@given(
    steps=st.lists(operation, max_size=25),
    moments=MOMENTS,
    batch=st.lists(
        st.tuples(st.sampled_from(sorted(MEMBERS)), st.sampled_from(ORDERS)), min_size=1, max_size=4
    ),
)
async def test_a_credit_checks_standing_from_the_sums_equals_a_plain_recomputation(
    steps: list[Step],
    moments: list[int],
    batch: list[tuple[str, str]],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """What a batch of checks reads (`check_batch_open`) makes the same exposure as every live
    reservation counted one by one, and lists each live reservation of the batch's own orders
    (which a check replaces) with its invoicing. A check reserves in its customer's credit
    currency (EUR here); invoices come in either currency."""
    run = uuid.uuid4().hex[:8]
    await _setup(sessions, run)
    in_euros = [(*s[:4], "EUR", *s[5:]) if s[0] == "reserve" else s for s in steps]
    pairs = [(f"{code}{run}", order) for code, order in batch]
    for moment, now in _moments(in_euros, moments):
        await _applied(sessions, run, moment, now)
        rates: dict[date, fx.Rates] = {moment.date(): RATES}
        async with sessions() as session, session.begin():
            _, found, _ = await checks.open_batch(session, [], pairs, moment)
            plain = await _one_by_one(session, run, moment)
            assert set(found) == {code for code, _ in pairs}
            for code in found:
                snapshot = plain[code]
                convert = Converter(session, moment.date(), "EUR", rates)
                summed = found[code].snapshot
                assert await _exposure(summed, moment, convert) == await _exposure(snapshot, moment, convert)
                mine = {order: (amount, sorted(inv)) for order, amount, inv in summed.reservations}
                for order, amount, invoiced in snapshot.reservations:
                    if (code, order) in pairs:
                        assert mine[order] == (amount, sorted(invoiced))


async def _one_by_one(session: AsyncSession, run: str, now: datetime) -> dict[str, exposure.Snapshot]:
    """Each member's every live reservation, with its order's invoicing, as a snapshot lists them."""
    pg = await driver(session)
    listed: dict[str, list[tuple[str, Decimal, list[tuple[str, Decimal]]]]] = {
        f"{code}{run}": [] for code in MEMBERS
    }
    for row in await pg.fetch(
        "SELECT r.customer_code, r.order_ref, r.amount, "
        "       coalesce(array_agg(i.currency) FILTER (WHERE i.currency IS NOT NULL), '{}') AS currencies, "
        "       coalesce(array_agg(i.invoiced_amount) FILTER (WHERE i.currency IS NOT NULL), '{}') "
        "         AS amounts "
        "  FROM credit_api.reservations r "
        "  LEFT JOIN risk_worker.order_invoicing i "
        "    ON i.customer_code = r.customer_code AND i.order_ref = r.order_ref "
        " WHERE r.customer_code LIKE '%' || $1 AND r.status = 'active' AND r.expires_at > $2 "
        " GROUP BY r.customer_code, r.order_ref, r.amount",
        run,
        now,
    ):
        invoiced = list(zip(row["currencies"], row["amounts"], strict=True))
        listed[row["customer_code"]].append((row["order_ref"], row["amount"], invoiced))
    return {
        code: exposure.Snapshot(code, "EUR", False, None, None, None, [], [], reservations)
        for code, reservations in listed.items()
    }


async def _exposure(snapshot: exposure.Snapshot, now: datetime, convert: Converter) -> Exposure:
    return (await standings.standing_of(snapshot, now, convert, net_unallocated_cash=True)).exposure


async def _group_sums(sessions: async_sessionmaker[AsyncSession], run: str) -> dict[str, Decimal]:
    """Each group's sum as kept, and as recomputed from its members' active reservations now."""
    async with sessions() as session:
        pg = await driver(session)
        kept = await pg.fetch(
            "SELECT group_code, amount FROM credit_api.credit_group_reservation_totals "
            "WHERE group_code LIKE '%' || $1 AND amount <> 0",
            run,
        )
        plain = await pg.fetch(
            "SELECT c.credit_group, sum(r.amount) FROM credit_api.reservations r "
            "JOIN credit_api.customers c USING (customer_code) "
            "WHERE r.customer_code LIKE '%' || $1 AND r.status = 'active' AND c.credit_group IS NOT NULL "
            "GROUP BY c.credit_group",
            run,
        )
    assert dict(kept) == dict(plain)
    return dict(kept)


@pytest.mark.parametrize("first", ["release", "move"])
async def test_a_member_moved_while_its_reservation_is_released_leaves_both_groups_sums_right(
    first: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A reservation released (as the expiry housekeeping or a release does, without the group
    locks a credit check takes) and its customer moved from group A to group B, in two transactions
    at once: whichever writes first, the other waits for it, and A keeps nothing of the customer,
    B all it still holds."""
    run = uuid.uuid4().hex[:8]
    await _setup(sessions, run)
    moment = datetime.now(UTC)
    await _applied(
        sessions,
        run,
        moment,
        [
            ("reserve", "M0", "O1", Decimal("100.00"), "EUR", 30),
            ("reserve", "M0", "O2", Decimal("40.00"), "EUR", 30),
        ],
    )
    assert await _group_sums(sessions, run) == {f"A{run}": Decimal("140.00")}
    release, move = ("release", "M0", "O1"), ("move", "M0", "B")
    async with sessions() as early, early.begin():
        await _apply(early, release if first == "release" else move, run, moment)
        late = asyncio.create_task(_applied(sessions, run, moment, [move if first == "release" else release]))
        assert await eventually(lambda: waiting_on_locks(sessions)) == 1
    await late
    assert await _group_sums(sessions, run) == {f"B{run}": Decimal("40.00")}
