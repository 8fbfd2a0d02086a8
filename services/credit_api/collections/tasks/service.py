"""The collectors' worklist: every open task (calls, hand-overs to legal, notices without an
address, broken promises, disputes open too long), most valuable first by what the task's invoices
owe times the probability of default of the customer's grade; and completing a task with its
outcome, a promise to pay recorded on the way when one was made."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.collections.promises import service as promises
from services.credit_api.collections.tasks import repository
from services.credit_api.collections.tasks.errors import TaskCompleted, TaskNotFound
from services.credit_api.collections.tasks.schemas import CompletionIn, TaskOut, WorkItem
from services.credit_api.credit.fx_rates.service import rates_for
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from services.credit_api.policies.dunning_policies import service as dunning_policies
from services.credit_api.policies.scorecards.service import probabilities_of_default
from shared.domain import fx
from shared.domain.money import format_amount
from shared.models.credit_api import Customer

ZERO = Decimal(0)


async def worklist(session: AsyncSession, now: datetime) -> list[WorkItem]:
    by_grade, unknown = await probabilities_of_default(session)
    currency = (await dunning_policies.active(session)).currency
    convert = fx.converter(await rates_for(session, now.date(), None), currency)
    work = [
        _work(task.id, task.kind, customer, sum((_owed(line, convert) for line in task.items), ZERO),
              by_grade.get(customer.grade or "", unknown), currency, task.step, task.as_of, task.items)
        for task, customer in await repository.open_tasks(session)
    ]  # fmt: skip
    work += [
        _work(None, "critical_customer", customer, sum((convert(a, cur) or ZERO for cur, a in owed), ZERO),
              by_grade.get(customer.grade or "", unknown), currency, None, now.date(),
              [{"causes": causes, "alerts": f"/v1/customers/{customer.customer_code}/alerts"}])
        for customer, causes, owed in await repository.critical(session)
    ]  # fmt: skip
    return sorted(work, key=lambda w: (-Decimal(w.priority), w.as_of, w.customer_code))


def _work(
    task_id: uuid.UUID | None,
    kind: str,
    customer: Customer,
    at_risk: Decimal,
    pd: Decimal,
    currency: str,
    step: str | None,
    as_of: date,
    items: list[dict[str, Any]],
) -> WorkItem:
    return WorkItem(
        task_id=task_id,
        kind=kind,
        customer_code=customer.customer_code,
        customer_name=customer.name,
        grade=customer.grade,
        amount_at_risk=format_amount(at_risk, currency),
        currency=currency,
        probability_of_default=f"{pd:f}",
        priority=format_amount(at_risk * pd, currency),
        step=step,
        as_of=as_of,
        items=items,
        contacts=customer.contacts or {},
    )


def _owed(line: dict[str, Any], convert: fx.Convert) -> Decimal:
    amount = line.get("open_amount", line.get("amount"))
    if amount is None:
        return ZERO
    return convert(Decimal(amount), line["currency"]) or ZERO


async def complete(
    session: AsyncSession,
    principal: Principal,
    task_id: uuid.UUID,
    body: CompletionIn,
    now: datetime,
    settings: ApiSettings,
) -> TaskOut:
    task = await repository.get(session, task_id)
    if task is None:
        raise TaskNotFound(f"task {task_id} does not exist")
    if task.status != "open":
        raise TaskCompleted(f"task {task_id} was completed by {task.completed_by}")
    promise_id = None
    if body.promise is not None:
        made = await promises.make(session, principal, task.customer_code, body.promise, now, settings)
        promise_id = made.id
    task.status, task.outcome, task.note = "completed", body.outcome, body.note
    task.completed_by, task.completed_at = principal.actor, now
    out = TaskOut.model_validate(task)
    out.promise_id = promise_id
    await record(
        session,
        principal,
        "task.completed",
        "task",
        str(task.id),
        before=None,
        after=out.model_dump(mode="json"),
    )
    return out
