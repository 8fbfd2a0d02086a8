from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.kernel.pagination import keyset
from shared.db import driver
from shared.models.credit_api import CollectionTask, Customer, DunningNotice, DunningRun, DunningStep
from shared.models.views import open_items

RUN_LOCK = 0x64756E6E  # "dunn": one dunning run at a time across replicas and the CLI


async def lock(session: AsyncSession) -> None:
    """Held until the transaction ends; a second run waits, then finds the day done."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": RUN_LOCK})


async def open_invoices(session: AsyncSession, due_by: date) -> Sequence[Row[tuple[Any, ...]]]:
    """Invoices still open, due on or before `due_by`, of customers in the credit file."""
    i = open_items.c
    query = (
        select(
            i.customer_code,
            i.item_id,
            i.currency,
            i.amount,
            i.open_amount,
            i.due_date,
            Customer.grade,
            Customer.contacts,
        )
        .join(Customer, Customer.customer_code == i.customer_code)
        .where(i.item_type == "invoice", i.status == "open", i.open_amount > 0, i.due_date <= due_by)
        .order_by(i.customer_code, i.due_date, i.item_id)
    )
    return (await session.execute(query)).all()


@dataclass(frozen=True)
class Taken:
    """A step an item took: how (notice, task or superseded) and when; a notice's id and effect."""

    step: str
    outcome: str
    as_of: date
    notice_id: uuid.UUID | None
    effect: str | None


async def history(session: AsyncSession, codes: Sequence[str]) -> dict[tuple[str, str], list[Taken]]:
    """Every step the customers' items took, by (customer, item). Read with the driver: the run
    reads every step of every customer in dunning, and ORM rows would triple the time (3.3 s of a
    7 s day in bench/dunning.py)."""
    pg = await driver(session)
    rows = await pg.fetch(
        "SELECT s.customer_code, s.item_id, s.step, s.outcome, s.as_of, s.notice_id, n.effect "
        "FROM credit_api.dunning_steps s LEFT JOIN credit_api.dunning_notices n ON n.id = s.notice_id "
        "WHERE s.customer_code = ANY($1::text[])",
        list(codes),
    )
    found: dict[tuple[str, str], list[Taken]] = {}
    for code, item_id, step, outcome, as_of, notice_id, effect in rows:
        found.setdefault((code, item_id), []).append(Taken(step, outcome, as_of, notice_id, effect))
    return found


async def last_notices(session: AsyncSession, codes: Sequence[str]) -> dict[str, date]:
    rows = await session.execute(
        select(DunningNotice.customer_code, func.max(DunningNotice.as_of))
        .where(DunningNotice.customer_code.in_(codes))
        .group_by(DunningNotice.customer_code)
    )
    return {code: day for code, day in rows.all()}


async def record(
    session: AsyncSession,
    notices: Sequence[DunningNotice],
    tasks: Sequence[CollectionTask],
    steps: Sequence[dict[str, Any]],
) -> None:
    session.add_all([*notices, *tasks])
    await session.flush()
    if not steps:
        return
    # Arrays, whatever the number of steps; the key (customer, item, step) keeps a step of an item
    # from happening twice. A step once superseded may be done later, once, when a step the item
    # has reached presupposes it (`shared/domain/dunning.py`); a step done stays as it was.
    pg = await driver(session)
    await pg.execute(
        "INSERT INTO credit_api.dunning_steps AS d (customer_code, item_id, step, outcome, as_of, "
        "notice_id, task_id) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
        "$5::date[], $6::uuid[], $7::uuid[]) ON CONFLICT (customer_code, item_id, step) DO UPDATE "
        "SET outcome = excluded.outcome, as_of = excluded.as_of, notice_id = excluded.notice_id, "
        "task_id = excluded.task_id WHERE d.outcome = 'superseded' AND excluded.outcome <> 'superseded'",
        *(
            [s[k] for s in steps]
            for k in ("customer_code", "item_id", "step", "outcome", "as_of", "notice_id", "task_id")
        ),
    )


async def ran(session: AsyncSession, as_of: date) -> bool:
    return await session.get(DunningRun, as_of) is not None


async def add_run(session: AsyncSession, run: DunningRun) -> None:
    session.add(run)
    await session.flush()


async def first_run(session: AsyncSession) -> date | None:
    return (await session.execute(select(func.min(DunningRun.as_of)))).scalar_one_or_none()


async def last_run(session: AsyncSession) -> date | None:
    return (await session.execute(select(func.max(DunningRun.as_of)))).scalar_one_or_none()


async def notices_page(
    session: AsyncSession, customer_code: str | None, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> Sequence[DunningNotice]:
    query = keyset(
        select(DunningNotice),
        (DunningNotice.created_at, DunningNotice.id),
        {DunningNotice.customer_code: customer_code},
        after,
        limit,
    )
    return (await session.execute(query)).scalars().all()


async def customer_steps(session: AsyncSession, customer_code: str) -> Sequence[DunningStep]:
    query = (
        select(DunningStep)
        .where(DunningStep.customer_code == customer_code)
        .order_by(DunningStep.item_id, DunningStep.as_of, DunningStep.step)
    )
    return (await session.execute(query)).scalars().all()


async def customer_tasks(session: AsyncSession, customer_code: str) -> Sequence[CollectionTask]:
    query = (
        select(CollectionTask)
        .where(CollectionTask.customer_code == customer_code)
        .order_by(CollectionTask.created_at)
    )
    return (await session.execute(query)).scalars().all()
