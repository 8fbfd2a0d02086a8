"""Credit checks: gather the customer's standing, decide, reserve or hold, and keep the decision."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.api_keys.service import Principal
from services.credit_api.credit_checks import repository
from services.credit_api.credit_checks.errors import CreditCheckNotFound
from services.credit_api.credit_checks.schemas import (
    CreditCheckOut,
    CreditCheckRequest,
    HoldRef,
    ReasonOut,
    ReservationRef,
)
from services.credit_api.credit_holds import service as holds
from services.credit_api.exposure import service as exposure
from services.credit_api.fx_rates.service import Converter
from services.credit_api.reservations import repository as reservation_repository
from services.credit_api.reservations import service as reservations
from services.credit_api.settings import ApiSettings
from shared.domain import credit
from shared.domain.money import format_amount, parse_amount
from shared.models.credit_api import CreditCheck


async def check(
    session: AsyncSession,
    principal: Principal,
    body: CreditCheckRequest,
    settings: ApiSettings,
    now: datetime,
) -> CreditCheckOut:
    # The standing is read with the customer's row locked: a customer's checks run one after the
    # other, so two of them can never both spend the same room under the limit.
    standing = await exposure.standing(
        session,
        body.customer_code,
        now,
        lock=True,
        net_unallocated_cash=settings.net_unallocated_cash,
        excluding_order=body.order_ref,
    )
    cur = standing.currency
    order_amount = parse_amount(body.amount, body.currency)
    convert = Converter(session, now.date(), cur)
    amount = convert.rounded(await convert(order_amount, body.currency))
    result = await exposure.judge(session, standing, amount, settings)
    stored = CreditCheck(
        id=uuid.uuid4(),
        customer_code=standing.customer_code,
        order_ref=body.order_ref,
        amount=amount,
        currency=cur,
        decision=result.decision.value,
        reasons=[_reason(r, cur).model_dump(mode="json") for r in result.reasons],
        effective_limit=result.effective_limit,
        exposure_before=result.exposure_before,
        exposure_after=result.exposure_after,
        available_after=result.available_after,
        order_amount=order_amount,
        order_currency=body.currency,
        checked_by=principal.actor,
        checked_at=now,
    )
    reservation: ReservationRef | None = None
    # Reservation or hold first, so that the check is written once, already pointing at it.
    if body.reserve and result.decision is credit.Decision.APPROVED:
        expires_at = reservations.expiry(settings, now)
        stored.reservation_id = await reservations.reserve(
            session, standing.customer_code, body.order_ref, amount, cur, stored.id, expires_at
        )
        reservation = ReservationRef(
            id=stored.reservation_id, amount=format_amount(amount, cur), expires_at=expires_at
        )
        if standing.order_hold_open:
            await holds.close_for_order(session, standing.customer_code, body.order_ref, now)
    elif body.reserve:
        stored.hold_id = (await holds.open_hold(session, stored)).id
    await repository.insert(session, stored)
    return _view(stored, reservation)


async def get(session: AsyncSession, check_id: uuid.UUID) -> CreditCheckOut:
    stored = await repository.get(session, check_id)
    if stored is None:
        raise CreditCheckNotFound(f"credit check {check_id} does not exist")
    return await view(session, stored)


async def view(session: AsyncSession, stored: CreditCheck) -> CreditCheckOut:
    reservation: ReservationRef | None = None
    if stored.reservation_id is not None:
        row = await reservation_repository.get(session, stored.reservation_id)
        if row is not None:
            reservation = ReservationRef(
                id=row.id, amount=format_amount(row.amount, row.currency), expires_at=row.expires_at
            )
    return _view(stored, reservation)


def _view(stored: CreditCheck, reservation: ReservationRef | None) -> CreditCheckOut:
    cur = stored.currency

    def money(value: Decimal | None) -> str | None:
        return None if value is None else format_amount(value, cur)

    order_currency = stored.order_currency or cur
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
        order_amount=format_amount(
            stored.order_amount if stored.order_amount is not None else stored.amount, order_currency
        ),
        order_currency=order_currency,
        reservation=reservation,
        hold=None if stored.hold_id is None else HoldRef(id=stored.hold_id),
        checked_at=stored.checked_at,
    )


AMOUNTS = {"shortfall", "uninsured", "threshold", "cover"}  # money in reason details, in the credit currency


def _reason(reason: credit.Reason, currency: str) -> ReasonOut:
    details: dict[str, Any] = {
        k: format_amount(v, currency)
        if k in AMOUNTS and isinstance(v, Decimal)
        else (str(v) if isinstance(v, Decimal) else v)
        for k, v in reason.details.items()
    }
    return ReasonOut(code=reason.code, message=reason.message, details=details)
