"""The collectors' worklist: every open task (calls, hand-overs to legal, notices without an
address, broken promises, disputes open too long), the customers at the critical early-warning
level and the promises their customers' habits say will be late, most valuable first by what the
invoices owe times the probability that they are not paid within 30 days
(`credit/payment_predictions`); and completing a task with its outcome, a promise to pay recorded on
the way when one was made."""

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
from services.credit_api.credit.payment_predictions import service as payment_predictions
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
    tasks = await repository.open_tasks(session)
    critical = await repository.critical(session)
    outlook = await payment_predictions.outlook(
        session, now.date(), [c.customer_code for _, c in tasks] + [c.customer_code for c, _, _ in critical]
    )

    def unpaid(code: str, lines: list[dict[str, Any]]) -> Decimal:
        """What the lines owe in the policy's currency, times each invoice's chance of staying
        unpaid (a line naming no open invoice: the customer's, weighted by amount)."""
        whole = Decimal(str(outlook.customers.get(code, 1.0)))
        return sum(
            (_owed(line, convert) * Decimal(str(outlook.unpaid.get((code, line.get("item_id", "")), whole)))
             for line in lines),
            ZERO,
        )  # fmt: skip

    def pd(customer: Customer) -> Decimal:
        return by_grade.get(customer.grade or "", unknown)

    work = [
        _work(task.id, task.kind, customer, sum((_owed(line, convert) for line in task.items), ZERO),
              unpaid(customer.customer_code, task.items), pd(customer), currency, task.step, task.as_of,
              task.items)
        for task, customer in tasks
    ]  # fmt: skip
    for customer, causes, owed in critical:
        amount = sum((convert(a, cur) or ZERO for cur, a in owed), ZERO)
        chance = Decimal(str(outlook.customers.get(customer.customer_code, 1.0)))
        alerts = [{"causes": causes, "alerts": f"/v1/customers/{customer.customer_code}/alerts"}]
        work.append(
            _work(None, "critical_customer", customer, amount, amount * chance, pd(customer), currency, None,
                  now.date(), alerts)
        )  # fmt: skip
    promised: dict[str, list[payment_predictions.PromiseAtRisk]] = {}
    for risk in outlook.promises_at_risk:
        promised.setdefault(risk.customer_code, []).append(risk)
    for customer in await repository.customers(session, list(promised)):
        code = customer.customer_code
        lines: list[dict[str, Any]] = [
            {"item_id": r.item_id, "currency": r.currency,
             "open_amount": format_amount(Decimal(str(r.open_amount)), r.currency),
             "promised_date": r.promised.isoformat(), "predicted_date": r.predicted.isoformat()}
            for r in promised[code]
        ]  # fmt: skip
        amount = sum((_owed(line, convert) for line in lines), ZERO)
        work.append(
            _work(None, "promise_at_risk", customer, amount, unpaid(code, lines), pd(customer), currency,
                  None, now.date(), lines)
        )  # fmt: skip
    return sorted(work, key=lambda w: (-Decimal(w.priority), w.as_of, w.customer_code))


def _work(
    task_id: uuid.UUID | None,
    kind: str,
    customer: Customer,
    at_risk: Decimal,
    unpaid: Decimal,
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
        priority=format_amount(unpaid, currency),
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
