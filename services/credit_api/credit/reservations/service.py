"""Reservations: order amounts that count toward exposure until invoiced, released or expired."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.credit.customers import service as customers
from services.credit_api.credit.events import ReservationReleased
from services.credit_api.credit.exposure import repository as exposure_repository
from services.credit_api.credit.exposure import service as exposure
from services.credit_api.credit.fx_rates.service import Converter
from services.credit_api.credit.reservations import repository
from services.credit_api.credit.reservations.errors import (
    ReservationNotActive,
    ReservationNotCovered,
    ReservationNotFound,
)
from services.credit_api.credit.reservations.schemas import ReservationOut
from services.credit_api.kernel import messagebus
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from shared.domain.credit import Decision
from shared.domain.exposure import reservation_remaining
from shared.domain.money import format_amount, parse_amount
from shared.models.credit_api import Reservation


async def reserve(
    session: AsyncSession,
    customer_code: str,
    order_ref: str,
    amount: Decimal,
    currency: str,
    check_id: uuid.UUID | None,
    expires_at: datetime,
) -> uuid.UUID:
    """Hold `amount` for the order; an order's live reservation is replaced, never doubled."""
    ids = await repository.upsert_many(
        session, [(customer_code, order_ref, check_id, amount, currency, expires_at)]
    )
    return ids[(customer_code, order_ref)]


async def expire_due(session: AsyncSession, settings: ApiSettings, now: datetime) -> int:
    """Reservations past their expiry stop counting for good; their customers' held orders are
    decided again, as after a release. Returns how many expired."""
    codes = await repository.expire_due(session, now)
    await messagebus.publish(
        session, settings, *(ReservationReleased(now, code) for code in sorted(set(codes)))
    )
    return len(codes)


def expiry(settings: ApiSettings, now: datetime) -> datetime:
    return now + timedelta(days=settings.reservation_ttl_days)


async def _active(session: AsyncSession, reservation_id: uuid.UUID, now: datetime) -> Reservation:
    reservation = await repository.get(session, reservation_id)
    if reservation is None:
        raise ReservationNotFound(f"reservation {reservation_id} does not exist")
    await customers.get(session, reservation.customer_code, for_update=True)
    await session.refresh(reservation)
    if reservation.status != "active" or reservation.expires_at <= now:
        raise ReservationNotActive(
            f"reservation {reservation_id} is {reservation.status}"
            + (" (expired)" if reservation.status == "active" else "")
        )
    return reservation


async def release(
    session: AsyncSession,
    principal: Principal,
    reservation_id: uuid.UUID,
    settings: ApiSettings,
    now: datetime,
) -> Reservation:
    reservation = await _active(session, reservation_id, now)
    reservation.status = "released"
    reservation.released_at = now
    reservation.release_reason = f"released by {principal.actor}"
    await session.flush()
    await record(
        session,
        principal,
        "reservation.released",
        "reservation",
        str(reservation.id),
        before={"status": "active"},
        after={"status": "released"},
    )
    await messagebus.publish(session, settings, ReservationReleased(now, reservation.customer_code))
    return reservation


async def change(
    session: AsyncSession,
    principal: Principal,
    reservation_id: uuid.UUID,
    amount_text: Decimal,
    settings: ApiSettings,
    now: datetime,
) -> Reservation:
    """Change the amount; an increase is checked like a new order, a decrease makes room."""
    reservation = await _active(session, reservation_id, now)
    amount = parse_amount(amount_text, reservation.currency)
    previous = reservation.amount
    if amount > previous:
        standing = await exposure.standing(
            session,
            reservation.customer_code,
            now,
            net_unallocated_cash=settings.net_unallocated_cash,
            excluding_order=reservation.order_ref,
            groups=True,
        )
        result = await exposure.judge(session, standing, amount, settings)
        if result.decision is Decision.HELD:
            raise ReservationNotCovered(
                result.reasons[0].message, reasons=[r.code.value for r in result.reasons]
            )
    reservation.amount = amount
    await session.flush()
    cur = reservation.currency
    await record(
        session,
        principal,
        "reservation.changed",
        "reservation",
        str(reservation.id),
        before={"amount": format_amount(previous, cur)},
        after={"amount": format_amount(amount, cur)},
    )
    if amount < previous:
        await messagebus.publish(session, settings, ReservationReleased(now, reservation.customer_code))
    return reservation


async def get(session: AsyncSession, reservation_id: uuid.UUID) -> Reservation:
    reservation = await repository.get(session, reservation_id)
    if reservation is None:
        raise ReservationNotFound(f"reservation {reservation_id} does not exist")
    return reservation


async def view(session: AsyncSession, reservation: Reservation, now: datetime) -> ReservationOut:
    convert = Converter(session, now.date(), reservation.currency)
    invoiced = Decimal(0)
    for currency, amount in await exposure_repository.invoiced(
        session, reservation.customer_code, reservation.order_ref
    ):
        invoiced += await convert(amount, currency)
    live = reservation.status == "active" and reservation.expires_at > now
    remaining = reservation_remaining(reservation.amount, invoiced) if live else Decimal(0)
    cur = reservation.currency
    return ReservationOut(
        id=reservation.id,
        customer_code=reservation.customer_code,
        order_ref=reservation.order_ref,
        amount=format_amount(reservation.amount, cur),
        currency=cur,
        remaining=format_amount(remaining, cur),
        status=reservation.status if reservation.status != "active" or live else "expired",
        expires_at=reservation.expires_at,
        created_at=reservation.created_at,
        released_at=reservation.released_at,
        release_reason=reservation.release_reason,
    )
