"""Limit alerts: raised once when exposure passes the limit, resolved when it falls back."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.risk_worker.alerts import repository
from shared.domain import credit
from shared.domain.money import format_amount
from shared.events import ALERT_RAISED, AlertRaised, new_event
from shared.models.risk_worker import Alert, Outbox
from shared.outbox import outbox_row

LIMIT_EXCEEDED = "limit_exceeded"


async def evaluate_limits(
    session: AsyncSession, customers: Collection[str], *, source: str, topic: str
) -> None:
    now = datetime.now(UTC)
    standing = await repository.credit_standing(session, customers)
    alerts = await repository.open_alerts(session, [code for code, *_ in standing], LIMIT_EXCEEDED)
    for code, currency, limit_amount, valid_until, exposure in standing:
        limit = None if limit_amount is None else credit.CreditLimit(limit_amount, valid_until)
        breached = credit.over_limit(exposure, limit, now.date())
        existing = alerts.get(code)
        if breached and existing is None:
            assert limit is not None
            details = {
                "currency": currency,
                "exposure": format_amount(exposure, currency),
                "limit": format_amount(limit.amount, currency),
                "excess": format_amount(exposure - limit.amount, currency),
            }
            alert = Alert(
                id=uuid.uuid4(),
                customer_code=code,
                kind=LIMIT_EXCEEDED,
                level="warning",
                message=f"Exposure {details['exposure']} {currency} is above the credit limit "
                f"{details['limit']} {currency}",
                details=details,
                raised_at=now,
            )
            await repository.add(session, alert)
            event = new_event(
                source=source,
                type_=ALERT_RAISED,
                subject=code,
                time=now,
                data=AlertRaised(
                    alert_id=alert.id,
                    customer_code=code,
                    kind=alert.kind,
                    level="warning",
                    message=alert.message,
                    details=details,
                    raised_at=now,
                ),
            )
            session.add(outbox_row(Outbox, topic, event))
        elif not breached and existing is not None:
            await repository.resolve(session, existing)
