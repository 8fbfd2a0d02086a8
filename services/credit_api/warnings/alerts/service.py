"""Early-warning alerts and the actions the warning policy takes on a level change: the risk worker
publishes each change of a customer's level once, and this applies it once (inbox), in one
transaction: the alert opened, followed or resolved; a notification through the notifier; a lower
limit suggested for a person's approval; a block set or lifted."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.credit.customers import repository as customers_repository
from services.credit_api.credit.customers import service as customers
from services.credit_api.credit.limit_requests import service as limit_requests
from services.credit_api.kernel.pagination import Page, after_time_and_id, page_of
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from services.credit_api.warnings.alerts import repository
from services.credit_api.warnings.alerts.errors import AlertNotFound, AlertResolved
from services.credit_api.warnings.alerts.schemas import AlertOut
from shared.domain.money import format_amount
from shared.events import (
    ALERT_ACKNOWLEDGED,
    ALERT_OPENED,
    ALERT_RAISED,
    ALERT_REOPENED,
    ALERT_RESOLVED,
    ALERT_UPDATED,
    AlertChanged,
    AlertRaised,
    WarningLevelChanged,
    new_event,
)
from shared.models.credit_api import AlertEvent, Customer, Outbox, WarningAlert
from shared.models.views import assessments
from shared.outbox import outbox_row
from shared.roles import Role

SYSTEM = Principal(key_id=str(uuid.UUID(int=0)), name="early-warning", role=Role.ADMIN, kind="system")
BLOCK_REASON = "early warning"
KIND = "early_warning"


async def apply_change(
    session: AsyncSession, change: WarningLevelChanged, settings: ApiSettings, now: datetime
) -> None:
    customer = await customers.get(session, change.customer_code, for_update=True)
    alert = await repository.unresolved(session, change.customer_code)
    causes = [i.model_dump() for i in change.indicators if i.indicator in change.causes]
    if change.reopens is not None:
        if alert is None and (alert := await _reopen(session, change, causes, settings, now)) is not None:
            for action in change.actions:
                await ACTIONS[action](session, customer, alert, change, settings, now)
        return
    if change.level == "normal":
        if alert is not None:
            await _resolve(session, SYSTEM, alert, "back to normal", settings, now)
    elif alert is None:
        alert = WarningAlert(
            id=uuid.uuid4(),
            customer_code=change.customer_code,
            level=change.level,
            status="open",
            causes=causes,
            opened_at=now,
            updated_at=now,
        )
        await repository.add(session, alert)
        await _changed(session, alert, ALERT_OPENED, SYSTEM, None, settings, now)
    else:
        before = _audit(alert)
        alert.level, alert.causes, alert.updated_at = change.level, causes, now
        if change.actions and alert.status == "acknowledged":
            alert.status = "open"  # a higher level wants attention again
        await _changed(session, alert, ALERT_UPDATED, SYSTEM, before, settings, now)
    if alert is not None:
        for action in change.actions:
            await ACTIONS[action](session, customer, alert, change, settings, now)
    if change.unblock and customer.blocked and (customer.block_reason or "").startswith(BLOCK_REASON):
        await customers.set_block(
            session,
            SYSTEM,
            customer.customer_code,
            blocked=False,
            reason=f"early warning back to {change.level}",
            settings=settings,
            now=now,
        )


async def _reopen(
    session: AsyncSession,
    change: WarningLevelChanged,
    causes: list[dict[str, Any]],
    settings: ApiSettings,
    now: datetime,
) -> WarningAlert | None:
    """The alert a person resolved while the customer stayed at its level, open again and saying
    why; nothing when a newer alert has been opened since."""
    alert = await repository.get(session, change.reopens, for_update=True) if change.reopens else None
    if alert is None or alert.status != "resolved":
        return None
    before = _audit(alert)
    alert.note = (
        f"reopened: still {change.level} at the evaluation of {now:%Y-%m-%d %H:%M} UTC, "
        f"after {alert.resolved_by} resolved it"
    )
    alert.status, alert.level, alert.causes, alert.updated_at = "open", change.level, causes, now
    alert.resolved_at = alert.resolved_by = None
    await _changed(session, alert, ALERT_REOPENED, SYSTEM, before, settings, now)
    return alert


async def _notify(
    session: AsyncSession,
    customer: Customer,
    alert: WarningAlert,
    change: WarningLevelChanged,
    settings: ApiSettings,
    now: datetime,
) -> None:
    names = ", ".join(c["indicator"] for c in alert.causes)
    data = AlertRaised(
        alert_id=alert.id,
        customer_code=customer.customer_code,
        kind=KIND,
        level=change.level,
        message=f"{customer.name} is at early-warning level {change.level} ({names})",
        details={
            "causes": alert.causes,
            "actions": change.actions,
            "previous_level": change.previous_level,
        },
        raised_at=now,
    )
    event = new_event(source=settings.source, type_=ALERT_RAISED, subject=customer.customer_code, data=data)
    session.add(outbox_row(Outbox, settings.alerts_topic, event))


async def _suggest_lower_limit(
    session: AsyncSession,
    customer: Customer,
    alert: WarningAlert,
    change: WarningLevelChanged,
    settings: ApiSettings,
    now: datetime,
) -> None:
    """A limit request at the assessment's recommendation, when that is below the limit set; a
    person approves or rejects it."""
    current = await customers_repository.current_limit(session, customer.customer_code)
    recommended = (
        await session.execute(
            select(assessments.c.recommended_limit).where(
                assessments.c.customer_code == customer.customer_code
            )
        )
    ).scalar_one_or_none()
    if current is None or recommended is None or Decimal(recommended) >= current.amount:
        return
    cur = customer.currency
    await limit_requests.suggest(
        session,
        SYSTEM,
        customer,
        Decimal(recommended),
        f"early warning {change.level}: the assessment recommends {format_amount(recommended, cur)} {cur}, "
        f"below the limit of {format_amount(current.amount, cur)} {cur}",
        now,
    )


async def _block(
    session: AsyncSession,
    customer: Customer,
    alert: WarningAlert,
    change: WarningLevelChanged,
    settings: ApiSettings,
    now: datetime,
) -> None:
    if not customer.blocked:
        names = ", ".join(c["indicator"] for c in alert.causes)
        await customers.set_block(
            session,
            SYSTEM,
            customer.customer_code,
            blocked=True,
            reason=f"{BLOCK_REASON}: {change.level} ({names})",
            settings=settings,
            now=now,
        )


ACTIONS = {"notify": _notify, "suggest_lower_limit": _suggest_lower_limit, "block": _block}


async def acknowledge(
    session: AsyncSession,
    principal: Principal,
    alert_id: uuid.UUID,
    note: str,
    settings: ApiSettings,
    now: datetime,
) -> AlertOut:
    alert = await _unresolved(session, alert_id)
    before = _audit(alert)
    alert.status, alert.acknowledged_by, alert.note, alert.updated_at = (
        "acknowledged",
        principal.actor,
        note,
        now,
    )
    await _changed(session, alert, ALERT_ACKNOWLEDGED, principal, before, settings, now)
    return view(alert)


async def resolve(
    session: AsyncSession,
    principal: Principal,
    alert_id: uuid.UUID,
    note: str,
    settings: ApiSettings,
    now: datetime,
) -> AlertOut:
    """By a person: if the customer is still at its level at the next evaluation, the alert is
    reopened then and says so."""
    alert = await _unresolved(session, alert_id)
    await _resolve(session, principal, alert, note, settings, now)
    return view(alert)


async def _resolve(
    session: AsyncSession,
    principal: Principal,
    alert: WarningAlert,
    note: str,
    settings: ApiSettings,
    now: datetime,
) -> None:
    before = _audit(alert)
    alert.status, alert.resolved_at, alert.resolved_by = "resolved", now, principal.actor
    alert.note, alert.updated_at = note, now
    await session.flush()
    await _changed(session, alert, ALERT_RESOLVED, principal, before, settings, now)


async def _changed(
    session: AsyncSession,
    alert: WarningAlert,
    type_: str,
    principal: Principal,
    before: dict[str, Any] | None,
    settings: ApiSettings,
    now: datetime,
) -> None:
    """A change of an alert: audited, numbered for the live stream, and published as an `alert.*`
    event."""
    await record(session, principal, type_, "alert", str(alert.id), before=before, after=_audit(alert))
    data = AlertChanged.model_validate(
        {
            "alert_id": alert.id,
            "customer_code": alert.customer_code,
            "level": alert.level,
            "status": alert.status,
            "causes": alert.causes,
            "opened_at": alert.opened_at,
            "changed_at": now,
            "changed_by": principal.actor,
            "note": alert.note,
        }
    )
    event = new_event(source=settings.source, type_=type_, subject=alert.customer_code, data=data, time=now)
    await repository.add_event(
        session,
        AlertEvent(
            alert_id=alert.id,
            customer_code=alert.customer_code,
            type=type_,
            level=alert.level,
            payload=event.model_dump(mode="json", exclude_none=True),
        ),
    )
    session.add(outbox_row(Outbox, settings.alerts_topic, event))


async def _unresolved(session: AsyncSession, alert_id: uuid.UUID) -> WarningAlert:
    alert = await repository.get(session, alert_id, for_update=True)
    if alert is None:
        raise AlertNotFound(f"alert {alert_id} does not exist")
    if alert.status == "resolved":
        raise AlertResolved(f"alert {alert_id} is resolved")
    return alert


async def page(
    session: AsyncSession, where: repository.AlertFilter, cursor: str | None, limit: int
) -> Page[AlertOut]:
    rows = await repository.page(session, where, after_time_and_id(cursor), limit + 1)
    return page_of(rows, limit, view, lambda a: (a.opened_at, a.id))


def view(alert: WarningAlert) -> AlertOut:
    return AlertOut.model_validate(alert, from_attributes=True)


def _audit(alert: WarningAlert) -> dict[str, Any]:
    return {"level": alert.level, "status": alert.status, "causes": alert.causes, "note": alert.note}
