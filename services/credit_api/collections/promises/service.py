"""Promises to pay: a credit controller records what a customer promised; dunning of the promised
invoices (of all its invoices, for an amount alone) pauses until the promised date plus the policy's
grace; the daily dunning run then finds it kept (what came off those invoices since it was made
covers it) or broken. A broken promise resumes dunning and counts in the early-warning indicator."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.collections.promises import repository
from services.credit_api.collections.promises.errors import InvalidPromise
from services.credit_api.collections.promises.schemas import PromiseIn, PromiseOut
from services.credit_api.credit.customers import service as customers
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from shared.domain.money import format_amount, parse_amount
from shared.events import PROMISE_BROKEN, PROMISE_KEPT, PROMISE_MADE, PromiseChanged, new_event
from shared.models.credit_api import Outbox, Promise
from shared.outbox import outbox_row

ANY_ITEM = "*"  # in a paused set: every invoice of the customer


async def make(
    session: AsyncSession,
    principal: Principal,
    customer_code: str,
    body: PromiseIn,
    now: datetime,
    settings: ApiSettings,
) -> PromiseOut:
    today = now.date()
    customer = await customers.get(session, customer_code)
    errors: list[dict[str, str]] = []
    if body.promised_date < today:
        errors.append({"pointer": "#/promised_date", "detail": "a promise is for today or later"})
    invoices = await repository.open_invoices(session, customer_code)
    owed = {item: (currency, amount) for item, currency, amount in invoices}
    unknown = [i for i in body.item_ids if i not in owed]
    if unknown:
        errors.append(
            {"pointer": "#/item_ids", "detail": f"not open invoices of {customer_code}: {', '.join(unknown)}"}
        )
    currencies = {owed[i][0] for i in body.item_ids if i in owed}
    if len(currencies) > 1:
        errors.append({"pointer": "#/item_ids", "detail": "invoices in one currency per promise"})
    if not body.item_ids and body.amount is None:
        errors.append({"pointer": "#/amount", "detail": "an amount, when no invoices are named"})
    if errors:
        raise InvalidPromise("; ".join(f"{e['pointer']}: {e['detail']}" for e in errors), errors=errors)
    currency = next(iter(currencies), None) or body.currency or customer.currency
    if body.currency is not None and body.currency != currency:
        raise InvalidPromise(
            f"the invoices are in {currency}",
            errors=[{"pointer": "#/currency", "detail": f"the invoices are in {currency}"}],
        )
    due = sum((owed[i][1] for i in body.item_ids), Decimal(0))
    amount = due if body.amount is None else parse_amount(body.amount, currency)
    if body.item_ids and amount > due:
        detail = f"more than the invoices owe ({format_amount(due, currency)})"
        raise InvalidPromise(detail, errors=[{"pointer": "#/amount", "detail": detail}])
    promise = Promise(
        id=uuid.uuid4(),
        customer_code=customer_code,
        item_ids=list(dict.fromkeys(body.item_ids)),
        amount=amount,
        currency=currency,
        promised_date=body.promised_date,
        made_on=today,
        channel=body.channel,
        note=body.note,
        status="open",
        created_by=principal.actor,
        created_at=now,
    )
    await repository.add(session, promise)
    await _changed(session, principal, promise, PROMISE_MADE, settings)
    return view(promise)


async def settle(
    session: AsyncSession, as_of: date, grace_days: int, principal: Principal, settings: ApiSettings
) -> list[Promise]:
    """Open promises kept by now, or past their date and grace without being kept; returns the
    broken ones."""
    promises = await repository.open_promises(session)
    paid = await repository.paid_towards(session, promises, grace_days, as_of)
    broken: list[Promise] = []
    for p in promises:
        if paid.get(p.id, Decimal(0)) >= p.amount:
            p.status, p.settled_on = "kept", as_of
            await _changed(session, principal, p, PROMISE_KEPT, settings)
        elif as_of > p.promised_date + timedelta(days=grace_days):
            p.status, p.settled_on = "broken", as_of
            await _changed(session, principal, p, PROMISE_BROKEN, settings)
            broken.append(p)
    if broken:
        # The risk worker re-evaluates these customers within seconds: the broken-promises indicator.
        await customers.touch(session, sorted({p.customer_code for p in broken}))
    return broken


async def paused(session: AsyncSession, codes: Sequence[str]) -> dict[str, set[str]]:
    """Per customer, the invoices under an open promise (`*`: all of them)."""
    found: dict[str, set[str]] = {}
    for p in await repository.open_promises(session, codes):
        found.setdefault(p.customer_code, set()).update(p.item_ids or [ANY_ITEM])
    return found


async def of_customer(session: AsyncSession, customer_code: str) -> list[PromiseOut]:
    await customers.get(session, customer_code)
    return [view(p) for p in await repository.of_customer(session, customer_code)]


def view(p: Promise) -> PromiseOut:
    return PromiseOut(
        id=p.id,
        customer_code=p.customer_code,
        item_ids=p.item_ids,
        amount=format_amount(p.amount, p.currency),
        currency=p.currency,
        promised_date=p.promised_date,
        made_on=p.made_on,
        channel=p.channel,
        note=p.note,
        status=p.status,
        settled_on=p.settled_on,
        created_by=p.created_by,
        created_at=p.created_at,
    )


async def _changed(
    session: AsyncSession, principal: Principal, p: Promise, type_: str, settings: ApiSettings
) -> None:
    data = PromiseChanged(
        promise_id=p.id,
        customer_code=p.customer_code,
        item_ids=p.item_ids,
        amount=format_amount(p.amount, p.currency),
        currency=p.currency,
        promised_date=p.promised_date,
        status=p.status,
        changed_by=principal.actor,
    )
    await record(
        session, principal, type_, "promise", str(p.id), before=None, after=data.model_dump(mode="json")
    )
    event = new_event(source=settings.source, type_=type_, subject=p.customer_code, data=data)
    session.add(outbox_row(Outbox, settings.credit_events_topic, event))
