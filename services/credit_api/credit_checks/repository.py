from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import CreditCheck
from shared.models.views import customer_receivables


async def receivables_by_currency(session: AsyncSession, customer_code: str) -> dict[str, Decimal]:
    """Open receivables from the risk worker's ledger projection (a documented view)."""
    rows = await session.execute(
        select(customer_receivables.c.currency, customer_receivables.c.open_receivables).where(
            customer_receivables.c.customer_code == customer_code
        )
    )
    return {currency: amount for currency, amount in rows.all()}


async def add(session: AsyncSession, check: CreditCheck) -> None:
    session.add(check)
    await session.flush()


async def get(session: AsyncSession, check_id: uuid.UUID) -> CreditCheck | None:
    return await session.get(CreditCheck, check_id)
