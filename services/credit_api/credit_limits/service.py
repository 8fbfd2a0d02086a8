from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.api_keys.service import Principal
from services.credit_api.audit.service import record
from services.credit_api.credit_limits import repository
from services.credit_api.credit_limits.errors import LimitCurrencyMismatch
from services.credit_api.credit_limits.schemas import CreditLimitSet
from services.credit_api.customers import repository as customers
from services.credit_api.customers import service as customer_service
from shared.models.credit_api import CreditLimit
from shared.money import format_amount, parse_amount


async def set_permanent(
    session: AsyncSession, principal: Principal, customer_code: str, body: CreditLimitSet
) -> CreditLimit:
    customer = await customer_service.get(session, customer_code, for_update=True)
    if body.currency is not None and body.currency != customer.currency:
        raise LimitCurrencyMismatch(
            f"customer {customer_code} has credit currency {customer.currency}, not {body.currency}"
        )
    amount = parse_amount(body.amount, customer.currency, positive=False)
    previous = await customers.current_limit(session, customer_code)
    now = datetime.now(UTC)
    await repository.supersede_current(session, customer_code, now)
    limit = CreditLimit(
        customer_code=customer_code,
        amount=amount,
        currency=customer.currency,
        valid_until=body.valid_until,
        reason=body.reason,
        set_by=principal.actor,
        set_at=now,
    )
    await repository.add(session, limit)
    await record(
        session,
        principal,
        "credit_limit.set",
        "customer",
        customer_code,
        before=None if previous is None else _snapshot(previous),
        after=_snapshot(limit),
    )
    return limit


def _snapshot(limit: CreditLimit) -> dict[str, str | None]:
    return {
        "amount": format_amount(limit.amount, limit.currency),
        "currency": limit.currency,
        "valid_until": None if limit.valid_until is None else limit.valid_until.isoformat(),
        "reason": limit.reason,
    }
