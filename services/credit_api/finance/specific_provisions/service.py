"""Specific provisions: a credit manager provides for a customer by name (a rate of what it owes,
or an amount), which takes it out of the provision matrix. Audited."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.credit.customers import service as customers
from services.credit_api.finance.specific_provisions import repository
from services.credit_api.finance.specific_provisions.errors import NoSpecificProvision
from services.credit_api.kernel.principal import Principal
from shared.domain import provisions
from shared.domain.money import format_amount, parse_amount
from shared.models.credit_api import SpecificProvision

RATE = Decimal("0.000001")


async def provide(
    session: AsyncSession,
    principal: Principal,
    customer_code: str,
    rate: Decimal | None,
    amount: str | None,
    currency: str | None,
    reason: str,
) -> SpecificProvision:
    customer = await customers.get(session, customer_code)
    cur = currency or customer.currency
    value = None if amount is None else parse_amount(amount, cur, positive=False)
    provisions.Specific(customer_code, rate=rate, amount=value)  # the domain's checks
    before = await repository.specific_provision(session, customer_code)
    snapshot = None if before is None else view(before)
    chosen = SpecificProvision(
        customer_code=customer_code,
        rate=rate,
        amount=value,
        currency=cur if value is not None else None,
        reason=reason,
        created_by=principal.actor,
        created_at=datetime.now(UTC),
    )
    await repository.save_specific(session, chosen)
    await record(
        session,
        principal,
        "provision.specific_set",
        "customer",
        customer_code,
        before=snapshot,
        after=view(chosen),
    )
    return chosen


async def remove(session: AsyncSession, principal: Principal, customer_code: str) -> dict[str, Any]:
    found = await repository.specific_provision(session, customer_code)
    if found is None:
        raise NoSpecificProvision(f"customer {customer_code} has no specific provision")
    before = view(found)
    await repository.delete_specific(session, found)
    await record(
        session, principal, "provision.specific_removed", "customer", customer_code, before=before, after=None
    )
    return before


def view(p: SpecificProvision) -> dict[str, Any]:
    return {
        "customer_code": p.customer_code,
        "rate": None if p.rate is None else str(p.rate.quantize(RATE)),
        "amount": None if p.amount is None else format_amount(p.amount, p.currency or "EUR"),
        "currency": p.currency,
        "reason": p.reason,
        "created_by": p.created_by,
        "created_at": p.created_at.isoformat() if p.created_at else None,
    }
