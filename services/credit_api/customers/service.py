from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.api_keys.service import Principal
from services.credit_api.audit.service import record
from services.credit_api.customers import repository
from services.credit_api.customers.errors import CustomerExists, CustomerNotFound
from services.credit_api.customers.schemas import CreditLimitOut, CustomerCreate, CustomerOut
from shared import credit
from shared.models.credit_api import CreditLimit, Customer
from shared.money import format_amount, minor_units


async def create(session: AsyncSession, principal: Principal, body: CustomerCreate) -> Customer:
    minor_units(body.currency)
    if await repository.get(session, body.customer_code) is not None:
        raise CustomerExists(
            f"customer {body.customer_code} already exists", customer_code=body.customer_code
        )
    customer = Customer(
        **body.model_dump(exclude={"contacts"}), contacts=body.contacts.model_dump(exclude_none=True)
    )
    await repository.add(session, customer)
    await record(
        session,
        principal,
        "customer.created",
        "customer",
        customer.customer_code,
        before=None,
        after=body.model_dump(mode="json"),
    )
    return customer


async def get(session: AsyncSession, customer_code: str, *, for_update: bool = False) -> Customer:
    customer = await repository.get(session, customer_code, for_update=for_update)
    if customer is None:
        raise CustomerNotFound(f"customer {customer_code} does not exist", customer_code=customer_code)
    return customer


def limit_rule(limit: CreditLimit | None) -> credit.CreditLimit | None:
    return None if limit is None else credit.CreditLimit(limit.amount, limit.valid_until)


async def view(session: AsyncSession, customer: Customer, today: date) -> CustomerOut:
    limit = await repository.current_limit(session, customer.customer_code)
    in_force = credit.effective_limit(limit_rule(limit), today)
    fields: dict[str, Any] = {
        c: getattr(customer, c)
        for c in CustomerOut.model_fields
        if c not in {"credit_limit", "effective_limit"}
    }
    return CustomerOut(
        **fields,
        credit_limit=None if limit is None else limit_view(limit),
        effective_limit=None if in_force is None else format_amount(in_force, customer.currency),
    )


def limit_view(limit: CreditLimit) -> CreditLimitOut:
    return CreditLimitOut(
        amount=format_amount(limit.amount, limit.currency),
        currency=limit.currency,
        valid_until=limit.valid_until,
        reason=limit.reason,
        set_by=limit.set_by,
        set_at=limit.set_at,
    )
