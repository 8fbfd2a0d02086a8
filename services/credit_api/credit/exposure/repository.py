from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.domain.credit_groups import Invoiced, Part
from shared.models.credit_api import InsuranceCover, InsurancePolicy, WarningAlert
from shared.models.views import order_invoicing, warning_levels


@dataclass(frozen=True)
class Snapshot:
    """Everything a credit decision reads about one customer, fetched in one round trip."""

    customer_code: str
    currency: str
    blocked: bool
    block_reason: str | None
    limit_amount: Decimal | None
    limit_valid_until: date | None
    temporary: list[tuple[Decimal, date, date]]
    receivables: list[tuple[str, Decimal, Decimal, date | None, Decimal]]
    # Live reservations one by one (order, amount, what its invoices consumed by currency).
    reservations: list[tuple[str, Decimal, list[tuple[str, Decimal]]]]
    order_hold_open: bool = False
    warning_level: int = 0
    warning_holds: bool = False
    # The other live reservations, summed by currency: none consumed by an invoice.
    reserved: list[tuple[str, Decimal]] = field(default_factory=list)


async def snapshot(
    session: AsyncSession, customer_code: str, now: datetime, *, excluding_order: str | None
) -> Snapshot | None:
    """One round trip (migration 0004's function, without its lock)."""
    pg = await driver(session)
    row = await pg.fetchrow(
        "SELECT * FROM credit_api.customer_snapshot($1, $2, $3, $4, false)",
        customer_code,
        now,
        now.date(),
        excluding_order,
    )
    return None if row is None else _snapshot(row)


async def snapshots(session: AsyncSession, codes: Sequence[str], now: datetime) -> dict[str, Snapshot]:
    """`snapshot` of many customers in one round trip, none locked: for lists."""
    pg = await driver(session)
    rows = await pg.fetch(
        "SELECT s.* FROM unnest($1::text[]) AS c(code), "
        "LATERAL credit_api.customer_snapshot(c.code, $2, $3, NULL, false) s",
        list(codes),
        now,
        now.date(),
    )
    return {row["customer_code"]: _snapshot(row) for row in rows}


@dataclass(frozen=True)
class BatchSnapshot:
    """A customer of a batch of credit checks: its snapshot, which lists the live reservations of
    the batch's orders and those an invoice consumed and sums the others, the batch's orders of it
    that have an open hold, and what the ledger invoiced for each of them."""

    snapshot: Snapshot
    held_orders: frozenset[str]
    invoiced: dict[str, list[tuple[str, Decimal]]]


def batch_snapshot_of(row: Any) -> BatchSnapshot:
    """A row of `credit_api.batch_snapshot` (migrations 0026 and 0045): every customer of a batch
    locked in one statement in a fixed order, then read."""
    return BatchSnapshot(
        _snapshot(row, [(cur, Decimal(amount)) for cur, amount in json.loads(row["reserved"])]),
        frozenset(json.loads(row["held_orders"])),
        {
            order: [(cur, Decimal(amount)) for cur, amount in amounts]
            for order, amounts in json.loads(row["invoiced"]).items()
        },
    )


def _snapshot(row: Any, reserved: list[tuple[str, Decimal]] | None = None) -> Snapshot:
    """`reserved`: the live reservations the row sums instead of listing (a batch's snapshot)."""
    return Snapshot(
        customer_code=row["customer_code"],
        currency=row["currency"],
        blocked=row["blocked"],
        block_reason=row["block_reason"],
        limit_amount=row["limit_amount"],
        limit_valid_until=row["limit_valid_until"],
        temporary=[
            (Decimal(a), date.fromisoformat(f), date.fromisoformat(u))
            for a, f, u in json.loads(row["temporary"])
        ],
        receivables=[
            (cur, Decimal(o), Decimal(d), None if due is None else date.fromisoformat(due), Decimal(cash))
            for cur, o, d, due, cash in json.loads(row["receivables"])
        ],
        reservations=[
            (order, Decimal(amount), [(cur, Decimal(inv)) for cur, inv in invoiced])
            for order, amount, invoiced in json.loads(row["reservations"])
        ],
        order_hold_open=row["order_hold_open"],
        warning_level=row["warning_level"],
        warning_holds=row["warning_holds"],
        reserved=reserved or [],
    )


@dataclass(frozen=True)
class GroupRow:
    currency: str
    parent: str | None
    limit_amount: Decimal | None
    limit_valid_until: date | None
    temporary: list[tuple[Decimal, date, date]]


@dataclass(frozen=True)
class GroupFigures:
    """What `credit_api.credit_group_figures` (migrations 0036, 0039 and 0048) reads: each customer's
    group, the groups asked for and every group above them (their chain), and what the members of
    each add to its exposure: a member of a group below the chain counts in the nearest group of
    the chain above its own, so the chain's exposures are right and no other group's are."""

    of: dict[str, str]
    groups: dict[str, GroupRow]
    parts: list[Part]
    invoiced: list[Invoiced]

    def root_of(self, customer_code: str) -> str | None:
        """The group at the top of the customer's tree: the row every check under it locks."""
        code = self.of.get(customer_code)
        while code is not None and (row := self.groups.get(code)) is not None and row.parent is not None:
            code = row.parent
        return code


FIGURES = "SELECT credit_api.credit_group_figures($1::text[], $2::text[], $3, $4)"


async def lock_groups(session: AsyncSession, customers: Sequence[str], groups: Sequence[str] = ()) -> None:
    """Lock the customers' credit groups (and `groups`) with their ancestors, in the one order every
    locker keeps (`credit_api.lock_groups_of`, migration 0036): before the customers themselves."""
    pg = await driver(session)
    await pg.execute(
        "SELECT credit_api.lock_groups_of($1::text[], $2::text[])", list(customers), list(groups)
    )


async def group_figures(
    session: AsyncSession, customers: Sequence[str], groups: Sequence[str], now: datetime, *, lock: bool
) -> GroupFigures | None:
    """The figures of the customers' groups and of `groups`, None when there are none. With
    `lock`, the groups and their ancestors are locked first, in the one order every locker keeps:
    call it before the customers are locked."""
    pg = await driver(session)
    return group_figures_of(await pg.fetchval(FIGURES, list(customers), list(groups), now, lock))


def group_figures_of(text: str | None) -> GroupFigures | None:
    if text is None:
        return None
    found = json.loads(text)
    return GroupFigures(
        of=found["of"],
        groups={
            code: GroupRow(
                currency,
                parent,
                None if amount is None else Decimal(amount),
                None if until is None else date.fromisoformat(until),
                [(Decimal(a), date.fromisoformat(f), date.fromisoformat(u)) for a, f, u in temporary],
            )
            for code, currency, parent, amount, until, temporary in found["groups"] or []
        },
        parts=[Part(g, kind, cur, Decimal(amount)) for g, kind, cur, amount in found["parts"]],
        invoiced=[
            Invoiced(g, Decimal(amount), cur, [(c, Decimal(a)) for c, a in billed])
            for g, amount, cur, billed in found["invoiced"]
        ],
    )


async def reservation_of(
    session: AsyncSession, customer_code: str, order_ref: str, now: datetime
) -> tuple[Decimal, list[tuple[str, Decimal]]] | None:
    """The order's live reservation (amount, credit currency) and what the ledger invoiced for it."""
    pg = await driver(session)
    amount = await pg.fetchval(
        "SELECT amount FROM credit_api.reservations WHERE customer_code = $1 AND order_ref = $2 "
        "AND status = 'active' AND expires_at > $3",
        customer_code,
        order_ref,
        now,
    )
    return None if amount is None else (amount, await invoiced(session, customer_code, order_ref))


async def invoiced(session: AsyncSession, customer_code: str, order_ref: str) -> list[tuple[str, Decimal]]:
    """(currency, invoiced amount) for one order, from the ledger."""
    v = order_invoicing.c
    rows = await session.execute(
        select(v.currency, v.invoiced_amount).where(
            v.customer_code == customer_code, v.order_ref == order_ref
        )
    )
    return [(c, a) for c, a in rows.all()]


async def warning(session: AsyncSession, customer_code: str) -> tuple[list[str], dict[str, Any]] | None:
    """The causes and indicator states of the customer's early-warning level, if evaluated."""
    row = (
        await session.execute(
            select(warning_levels.c.causes, warning_levels.c.indicators).where(
                warning_levels.c.customer_code == customer_code
            )
        )
    ).first()
    return None if row is None else (list(row.causes), dict(row.indicators))


async def open_alert(session: AsyncSession, customer_code: str) -> WarningAlert | None:
    """The customer's unresolved early-warning alert, if any (read, never locked)."""
    query = select(WarningAlert).where(
        WarningAlert.customer_code == customer_code, WarningAlert.status != "resolved"
    )
    return (await session.execute(query)).scalar_one_or_none()


async def in_force(
    session: AsyncSession, day: date, customer_code: str | None = None
) -> Sequence[tuple[InsuranceCover, InsurancePolicy]]:
    """Covers valid on the day under a policy valid on the day, newest decision first."""
    c, p = InsuranceCover, InsurancePolicy
    query = (
        select(c, p)
        .join(p, p.policy_number == c.policy_number)
        .where(
            c.valid_from <= day,
            or_(c.valid_to.is_(None), c.valid_to >= day),
            p.valid_from <= day,
            or_(p.valid_to.is_(None), p.valid_to >= day),
        )
        .order_by(c.customer_code, c.created_at.desc())
    )
    if customer_code is not None:
        query = query.where(c.customer_code == customer_code)
    return [(cover, pol) for cover, pol in (await session.execute(query)).all()]


async def policies_in_force(session: AsyncSession, day: date) -> Sequence[InsurancePolicy]:
    p = InsurancePolicy
    query = (
        select(p)
        .where(p.valid_from <= day, or_(p.valid_to.is_(None), p.valid_to >= day))
        .order_by(p.policy_number)
    )
    return (await session.execute(query)).scalars().all()


@dataclass(frozen=True)
class Cover:
    amount: Decimal
    currency: str
    indemnity: Decimal
    source: str  # named or discretionary
    policy_number: str
    valid_to: date | None


async def covers_on(
    session: AsyncSession, day: date, customer_code: str | None = None
) -> tuple[dict[str, Cover], Cover | None]:
    """Each customer's newest named cover in force on the day, and the cover of everyone else: the
    discretionary limit of the first policy in force (None without one)."""
    named: dict[str, Cover] = {}
    for cover, p in await in_force(session, day, customer_code):
        named.setdefault(
            cover.customer_code,
            Cover(cover.amount, p.currency, p.indemnity, "named", p.policy_number, cover.valid_to),
        )
    found = await policies_in_force(session, day)
    if not found:
        return named, None
    first = found[0]
    return named, Cover(
        first.discretionary_limit,
        first.currency,
        first.indemnity,
        "discretionary",
        first.policy_number,
        first.valid_to,
    )
