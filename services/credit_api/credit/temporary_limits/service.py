"""Temporary increases: on top of the permanent limit for a window of days."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.credit.credit_limits.errors import AuthorityExceeded
from services.credit_api.credit.credit_limits.service import within_authority
from services.credit_api.credit.customers import repository as customers
from services.credit_api.credit.customers import service as customer_service
from services.credit_api.credit.events import TemporaryLimitGranted
from services.credit_api.credit.temporary_limits import repository
from services.credit_api.credit.temporary_limits.schemas import TemporaryLimitCreate, TemporaryLimitOut
from services.credit_api.kernel import messagebus
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from shared.domain.money import format_amount, parse_amount
from shared.models.credit_api import LimitMixin, TemporaryLimit, TemporaryMixin


async def grant(
    session: AsyncSession,
    principal: Principal,
    customer_code: str,
    body: TemporaryLimitCreate,
    settings: ApiSettings,
    now: datetime,
) -> TemporaryLimit:
    customer = await customer_service.get(session, customer_code, for_update=True)
    amount = parse_amount(body.amount, customer.currency)
    permanent = await customers.current_limit(session, customer_code)
    others = await repository.overlapping(session, customer_code, body.valid_from, body.valid_until)
    await within_peak(session, settings, principal, customer.currency, permanent, amount, others, now.date())
    limit = TemporaryLimit(
        id=uuid.uuid4(),
        customer_code=customer_code,
        amount=amount,
        currency=customer.currency,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        reason=body.reason,
        created_by=principal.actor,
    )
    await repository.add(session, limit)
    await record(
        session,
        principal,
        "temporary_limit.granted",
        "customer",
        customer_code,
        before=None,
        after=view(limit).model_dump(mode="json", exclude={"created_at"}),
    )
    await messagebus.publish(session, settings, TemporaryLimitGranted(now, customer_code))
    return limit


async def within_peak(
    session: AsyncSession,
    settings: ApiSettings,
    principal: Principal,
    currency: str,
    permanent: LimitMixin | None,
    amount: Decimal,
    others: Sequence[TemporaryMixin],
    today: date,
) -> None:
    """Authority covers the highest limit an increase can lead to: the permanent limit plus every
    increase that overlaps its window."""
    peak = (
        (permanent.amount if permanent else Decimal(0)) + amount + sum((t.amount for t in others), Decimal(0))
    )
    if not await within_authority(session, settings, principal.role, currency, peak, today):
        raise AuthorityExceeded(
            f"a limit of up to {format_amount(peak, currency)} {currency} "
            f"is beyond the authority of {principal.role.value}"
        )


async def listing(session: AsyncSession, customer_code: str) -> list[TemporaryLimitOut]:
    await customer_service.get(session, customer_code)
    return [view(t) for t in await repository.for_customer(session, customer_code)]


def view(limit: TemporaryLimit) -> TemporaryLimitOut:
    return TemporaryLimitOut(customer_code=limit.customer_code, **increase_fields(limit))


def increase_fields(limit: TemporaryMixin) -> dict[str, Any]:
    """What every temporary increase shows, a customer's or a credit group's."""
    return {
        "id": limit.id,
        "amount": format_amount(limit.amount, limit.currency),
        "currency": limit.currency,
        "valid_from": limit.valid_from,
        "valid_until": limit.valid_until,
        "reason": limit.reason,
        "created_by": limit.created_by,
        "created_at": limit.created_at,
    }
