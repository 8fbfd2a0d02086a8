"""Credit holds: orders a check held, released when they pass again or by a controller's override."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.credit.credit_holds import repository
from services.credit_api.credit.credit_holds.errors import HoldNotFound, HoldNotOpen
from services.credit_api.credit.credit_holds.schemas import HoldOut
from services.credit_api.credit.customers import service as customers
from services.credit_api.credit.events import GroupStandingChanged, StandingChanged
from services.credit_api.credit.exposure import service as exposure
from services.credit_api.credit.reservations import service as reservations
from services.credit_api.kernel.pagination import Page, after_time_and_id, page_of
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from shared.domain.credit import Decision
from shared.domain.money import format_amount
from shared.events import HOLD_REJECTED, HOLD_RELEASED, HoldResolved, new_event
from shared.models.credit_api import CreditHold, Outbox
from shared.outbox import outbox_row
from shared.roles import Role

log = structlog.get_logger(__name__)

# Automatic releases are the platform's own decisions; the audit log names them so.
SYSTEM = Principal(key_id=str(uuid.UUID(int=0)), name="auto-release", role=Role.ADMIN, kind="system")


class HeldCheck(Protocol):
    """What a hold keeps of the check that held the order."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def customer_code(self) -> str: ...
    @property
    def order_ref(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...
    @property
    def order_amount(self) -> Decimal | None: ...
    @property
    def order_currency(self) -> str | None: ...
    @property
    def reasons(self) -> list[dict[str, Any]]: ...
    @property
    def checked_at(self) -> datetime: ...


async def open_hold(session: AsyncSession, check: HeldCheck) -> CreditHold:
    """One open hold per order: a new held check for the same order updates it."""
    hold = await repository.open_for_order(session, check.customer_code, check.order_ref)
    fields: dict[str, Any] = {
        "check_id": check.id,
        "amount": check.amount,
        "currency": check.currency,
        "order_amount": check.order_amount,
        "order_currency": check.order_currency,
        "reasons": check.reasons,
    }
    if hold is None:
        hold = CreditHold(
            id=uuid.uuid4(),
            customer_code=check.customer_code,
            order_ref=check.order_ref,
            status="open",
            created_at=check.checked_at,
            **fields,
        )
        await repository.add(session, hold)
    else:
        for name, value in fields.items():
            setattr(hold, name, value)
        await session.flush()
    return hold


async def close_for_order(session: AsyncSession, customer_code: str, order_ref: str, now: datetime) -> None:
    """An approved check for a held order settles its hold: the order is no longer waiting."""
    await repository.settle_open_for_order(
        session, customer_code, order_ref, now, "system:credit-check", "approved by a later credit check"
    )


async def reevaluate(session: AsyncSession, settings: ApiSettings, event: StandingChanged) -> None:
    """Subscribed to every change that may make room for held orders (handlers.py): the customer's,
    and, when it belongs to a credit group, every member's of its group tree, since its room is the
    group's too."""
    await _reevaluate(
        session, settings, event.at, await repository.open_near(session, customer_code=event.customer_code)
    )


async def reevaluate_group(session: AsyncSession, settings: ApiSettings, event: GroupStandingChanged) -> None:
    """A group's room may have grown: every member's held orders in its group tree."""
    await _reevaluate(
        session, settings, event.at, await repository.open_near(session, group_code=event.group_code)
    )


async def _reevaluate(
    session: AsyncSession, settings: ApiSettings, now: datetime, holds: Sequence[CreditHold]
) -> None:
    """Release, oldest first, every open hold that passes the rules now. Each release reserves
    its amount before the next hold is considered. The customers' groups are locked first, then
    the customers, in the order credit checks lock them."""
    if not holds:
        return
    codes = sorted({hold.customer_code for hold in holds})
    await exposure.lock_groups(session, codes)
    known = {code for code in codes if await customers.find(session, code, for_update=True) is not None}
    released = []
    for hold in holds:
        if hold.customer_code not in known:
            continue
        await session.refresh(hold)
        if hold.status != "open":
            continue
        standing = await exposure.standing(
            session,
            hold.customer_code,
            now,
            net_unallocated_cash=settings.net_unallocated_cash,
            excluding_order=hold.order_ref,
            groups=True,
        )
        if (await exposure.judge(session, standing, hold.amount, settings)).decision is Decision.APPROVED:
            await _release(
                session,
                hold,
                settings,
                now,
                actor=SYSTEM.actor,
                note="passes the credit check again",
                resolution="automatic",
            )
            await record(
                session,
                SYSTEM,
                "credit_hold.released",
                "credit_hold",
                str(hold.id),
                before={"status": "open"},
                after={"status": "released", "reason": hold.resolution_note},
            )
            released.append(hold)
    if released:
        log.info("holds released automatically", customers=codes, count=len(released))


async def release(
    session: AsyncSession,
    principal: Principal,
    hold_id: uuid.UUID,
    reason: str,
    settings: ApiSettings,
    now: datetime,
) -> CreditHold:
    hold = await _open(session, hold_id)
    await _release(session, hold, settings, now, actor=principal.actor, note=reason, resolution="override")
    await record(
        session,
        principal,
        "credit_hold.released",
        "credit_hold",
        str(hold.id),
        before={"status": "open"},
        after={"status": "released", "reason": reason},
    )
    return hold


async def reject(
    session: AsyncSession,
    principal: Principal,
    hold_id: uuid.UUID,
    reason: str,
    settings: ApiSettings,
    now: datetime,
) -> CreditHold:
    hold = await _open(session, hold_id)
    _resolve(hold, "rejected", principal.actor, reason, now)
    await session.flush()
    _publish(session, hold, settings, "rejected")
    await record(
        session,
        principal,
        "credit_hold.rejected",
        "credit_hold",
        str(hold.id),
        before={"status": "open"},
        after={"status": "rejected", "reason": reason},
    )
    return hold


async def _open(session: AsyncSession, hold_id: uuid.UUID) -> CreditHold:
    hold = await get(session, hold_id)
    await customers.get(session, hold.customer_code, for_update=True)
    await session.refresh(hold)
    if hold.status != "open":
        raise HoldNotOpen(f"credit hold {hold_id} is already {hold.status}")
    return hold


async def _release(
    session: AsyncSession,
    hold: CreditHold,
    settings: ApiSettings,
    now: datetime,
    *,
    actor: str,
    note: str,
    resolution: Literal["automatic", "override"],
) -> None:
    hold.reservation_id = await reservations.reserve(
        session,
        hold.customer_code,
        hold.order_ref,
        hold.amount,
        hold.currency,
        hold.check_id,
        reservations.expiry(settings, now),
    )
    _resolve(hold, "released", actor, note, now)
    await session.flush()
    _publish(session, hold, settings, resolution)


def _resolve(hold: CreditHold, status: str, actor: str, note: str, now: datetime) -> None:
    hold.status = status
    hold.resolved_at = now
    hold.resolved_by = actor
    hold.resolution_note = note


def _publish(
    session: AsyncSession,
    hold: CreditHold,
    settings: ApiSettings,
    resolution: Literal["automatic", "override", "rejected"],
) -> None:
    assert hold.resolved_at is not None
    assert hold.resolved_by is not None
    data = HoldResolved(
        hold_id=hold.id,
        check_id=hold.check_id,
        customer_code=hold.customer_code,
        order_ref=hold.order_ref,
        amount=format_amount(hold.amount, hold.currency),
        currency=hold.currency,
        resolution=resolution,
        reason=hold.resolution_note,
        reservation_id=hold.reservation_id,
        resolved_by=hold.resolved_by,
        resolved_at=hold.resolved_at,
    )
    event = new_event(
        source=settings.source,
        type_=HOLD_REJECTED if resolution == "rejected" else HOLD_RELEASED,
        subject=hold.customer_code,
        data=data,
        time=hold.resolved_at,
    )
    session.add(outbox_row(Outbox, settings.credit_events_topic, event))


async def get(session: AsyncSession, hold_id: uuid.UUID) -> CreditHold:
    hold = await repository.get(session, hold_id)
    if hold is None:
        raise HoldNotFound(f"credit hold {hold_id} does not exist")
    return hold


async def page(
    session: AsyncSession, *, status: str | None, customer_code: str | None, cursor: str | None, limit: int
) -> Page[HoldOut]:
    rows = await repository.page(
        session, status=status, customer_code=customer_code, after=after_time_and_id(cursor), limit=limit + 1
    )
    return page_of(rows, limit, view, lambda h: (h.created_at, h.id))


def view(hold: CreditHold) -> HoldOut:
    return HoldOut(
        id=hold.id,
        check_id=hold.check_id,
        customer_code=hold.customer_code,
        order_ref=hold.order_ref,
        amount=format_amount(hold.amount, hold.currency),
        currency=hold.currency,
        order_amount=format_amount(hold.order_amount, hold.order_currency),
        order_currency=hold.order_currency,
        reasons=hold.reasons,
        status=hold.status,
        created_at=hold.created_at,
        resolved_at=hold.resolved_at,
        resolved_by=hold.resolved_by,
        resolution_note=hold.resolution_note,
        reservation_id=hold.reservation_id,
    )
