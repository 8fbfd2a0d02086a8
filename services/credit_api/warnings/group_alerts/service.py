"""Group alerts: a credit group's utilisation (its exposure over its limit in force) is evaluated
by the active warning policy's `limit_utilisation` thresholds, with the same hysteresis and minimum
durations as a customer's. An alert opens when the group leaves normal, follows its level while it
stays above, and resolves when the group is back to normal. Utilisation is read as it stands when
the evaluation runs; the business date drives the thresholds' minimum durations, so a missed day
run late counts its days as they were."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.credit.credit_groups import service as credit_groups
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from services.credit_api.policies.warning_policies.service import VERSIONS
from services.credit_api.warnings.group_alerts import repository
from services.credit_api.warnings.group_alerts.schemas import GroupAlertOut, GroupWarningRunOut
from shared import warning_policies
from shared.domain.warnings import Level, State, step
from shared.models.credit_api import CreditGroupAlert, CreditGroupWarning

INDICATOR = "limit_utilisation"


async def evaluate(
    session: AsyncSession, principal: Principal, settings: ApiSettings, as_of: date, now: datetime
) -> GroupWarningRunOut:
    """Every group with a limit (or a level still to come down) evaluated for `as_of`; running a
    day again changes nothing."""
    active = await VERSIONS.active(session)
    rule = warning_policies.parse(active.document, active.version).rule(INDICATOR)
    states = await repository.states(session)
    alerts = await repository.unresolved(session)
    run = GroupWarningRunOut(
        as_of=as_of, policy_version=active.version, evaluated=0, opened=0, changed=0, resolved=0
    )
    shown = await credit_groups.utilisations(session, now, net_unallocated_cash=settings.net_unallocated_cash)
    for code, (in_force, value) in shown.items():
        stored = states.get(code)
        if in_force is None and stored is None:
            continue
        run.evaluated += 1
        before = State() if stored is None else _state(stored)
        after = State() if rule is None else step(rule, before, value, as_of)
        if stored is None:
            stored = CreditGroupWarning(group_code=code)
            await repository.add(session, stored)
        stored.level, stored.pending = (
            int(after.level),
            {str(int(k)): v.isoformat() for k, v in after.pending.items()},
        )
        stored.utilisation, stored.evaluated_on = value, as_of
        alert = alerts.get(code)
        if after.level is not Level.NORMAL:
            if alert is None:
                alert = CreditGroupAlert(
                    id=uuid.uuid4(),
                    group_code=code,
                    level=after.level.label,
                    status="open",
                    utilisation=value,
                    opened_at=now,
                    updated_at=now,
                )
                await repository.add(session, alert)
                run.opened += 1
                await _audit(session, principal, alert, "credit_group_alert.opened", None)
            elif alert.level != after.level.label:
                previous = alert.level
                alert.level, alert.utilisation, alert.updated_at = after.level.label, value, now
                run.changed += 1
                await _audit(session, principal, alert, "credit_group_alert.changed", previous)
        elif alert is not None:
            alert.status, alert.resolved_at, alert.updated_at, alert.utilisation = "resolved", now, now, value
            run.resolved += 1
            await _audit(session, principal, alert, "credit_group_alert.resolved", alert.level)
    await session.flush()
    return run


def _state(stored: CreditGroupWarning) -> State:
    return State(
        Level(stored.level), {Level(int(k)): date.fromisoformat(v) for k, v in stored.pending.items()}
    )


async def _audit(
    session: AsyncSession, principal: Principal, alert: CreditGroupAlert, action: str, before: str | None
) -> None:
    await record(
        session,
        principal,
        action,
        "credit_group",
        alert.group_code,
        before=None if before is None else {"level": before},
        after={
            "alert": str(alert.id),
            "level": alert.level,
            "status": alert.status,
            "utilisation": None if alert.utilisation is None else f"{alert.utilisation:f}",
        },
    )


async def open_levels(session: AsyncSession) -> dict[str, str]:
    """group → the level of its unresolved alert, for those that have one."""
    return {code: a.level for code, a in (await repository.unresolved(session, for_update=False)).items()}


async def of_group(session: AsyncSession, code: str) -> list[GroupAlertOut]:
    await credit_groups.get(session, code)
    return [view(a) for a in await repository.of_group(session, code)]


def view(alert: CreditGroupAlert) -> GroupAlertOut:
    return GroupAlertOut(
        id=alert.id,
        group=alert.group_code,
        level=alert.level,
        status=alert.status,
        utilisation=None if alert.utilisation is None else f"{alert.utilisation:f}",
        opened_at=alert.opened_at,
        updated_at=alert.updated_at,
        resolved_at=alert.resolved_at,
    )
