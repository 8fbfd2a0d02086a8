"""Credit checks: gather the customer's limit and exposure, decide, and keep the decision."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.api_keys.service import Principal
from services.credit_api.credit_checks import repository
from services.credit_api.credit_checks.errors import CreditCheckNotFound
from services.credit_api.credit_checks.schemas import CreditCheckOut, CreditCheckRequest, ReasonOut
from services.credit_api.customers import repository as customers
from services.credit_api.customers import service as customer_service
from shared import credit
from shared.errors import MissingFxRate
from shared.models.credit_api import CreditCheck
from shared.money import format_amount, parse_amount


async def exposure(session: AsyncSession, customer_code: str, currency: str) -> Decimal:
    """Open receivables in the credit currency; an amount in any other currency needs a rate."""
    balances = await repository.receivables_by_currency(session, customer_code)
    foreign = sorted(c for c, amount in balances.items() if c != currency and amount != 0)
    if foreign:
        raise MissingFxRate(
            f"no exchange rate from {', '.join(foreign)} to {currency}", currencies=foreign, to=currency
        )
    return balances.get(currency, Decimal(0))


async def check(
    session: AsyncSession, principal: Principal, body: CreditCheckRequest, policy: credit.CheckPolicy
) -> CreditCheckOut:
    customer = await customer_service.get(session, body.customer_code, for_update=True)
    if body.currency != customer.currency:
        raise MissingFxRate(
            f"no exchange rate from {body.currency} to {customer.currency}",
            currencies=[body.currency],
            to=customer.currency,
        )
    amount = parse_amount(body.amount, body.currency)
    now = datetime.now(UTC)
    limit = await customers.current_limit(session, customer.customer_code)
    result = credit.decide(
        credit.CheckInput(
            amount=amount,
            currency=customer.currency,
            exposure=await exposure(session, customer.customer_code, customer.currency),
            limit=customer_service.limit_rule(limit),
            blocked=customer.blocked,
            block_reason=customer.block_reason,
            today=now.date(),
        ),
        policy,
    )
    cur = customer.currency
    stored = CreditCheck(
        id=uuid.uuid4(),
        customer_code=customer.customer_code,
        order_ref=body.order_ref,
        amount=amount,
        currency=cur,
        decision=result.decision.value,
        reasons=[_reason(r, cur).model_dump(mode="json") for r in result.reasons],
        effective_limit=result.effective_limit,
        exposure_before=result.exposure_before,
        exposure_after=result.exposure_after,
        available_after=result.available_after,
        checked_by=principal.actor,
        checked_at=now,
    )
    await repository.add(session, stored)
    return view(stored)


async def get(session: AsyncSession, check_id: uuid.UUID) -> CreditCheckOut:
    stored = await repository.get(session, check_id)
    if stored is None:
        raise CreditCheckNotFound(f"credit check {check_id} does not exist")
    return view(stored)


def view(stored: CreditCheck) -> CreditCheckOut:
    cur = stored.currency

    def money(value: Decimal | None) -> str | None:
        return None if value is None else format_amount(value, cur)

    return CreditCheckOut(
        check_id=stored.id,
        customer_code=stored.customer_code,
        order_ref=stored.order_ref,
        decision=credit.Decision(stored.decision),
        reasons=[ReasonOut.model_validate(r) for r in stored.reasons],
        currency=cur,
        amount=format_amount(stored.amount, cur),
        effective_limit=money(stored.effective_limit),
        exposure_before=format_amount(stored.exposure_before, cur),
        exposure_after=format_amount(stored.exposure_after, cur),
        available_after=money(stored.available_after),
        checked_at=stored.checked_at,
    )


def _reason(reason: credit.Reason, currency: str) -> ReasonOut:
    details: dict[str, Any] = {
        k: format_amount(v, currency)
        if k == "shortfall" and isinstance(v, Decimal)
        else (str(v) if isinstance(v, Decimal) else v)
        for k, v in reason.details.items()
    }
    return ReasonOut(code=reason.code, message=reason.message, details=details)
