from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

# One sweeper at a time across all replicas; the others skip this round.
SWEEP_LOCK = 0x43524544_4F564455  # "CREDOVDU"

_CROSSED = text("""
WITH crossed AS (
  INSERT INTO risk_worker.overdue_notices (customer_code, item_id, days)
  SELECT i.customer_code, i.item_id, b.days
    FROM risk_worker.open_items i
    CROSS JOIN unnest(CAST(:boundaries AS integer[])) AS b(days)
   WHERE i.status = 'open' AND i.open_amount > 0 AND :today - i.due_date >= b.days
     AND NOT EXISTS (SELECT FROM risk_worker.overdue_notices n
                      WHERE (n.customer_code, n.item_id, n.days) = (i.customer_code, i.item_id, b.days))
   ORDER BY i.customer_code, i.item_id, b.days
   LIMIT :limit
  ON CONFLICT DO NOTHING
  RETURNING customer_code, item_id, days
)
SELECT c.customer_code, c.item_id, c.days, i.currency, i.open_amount, i.due_date
  FROM crossed c JOIN risk_worker.open_items i USING (customer_code, item_id)
 ORDER BY c.customer_code, c.item_id, c.days
""")


async def try_lock(session: AsyncSession) -> bool:
    return bool((await session.execute(select(func.pg_try_advisory_xact_lock(SWEEP_LOCK)))).scalar_one())


async def newly_crossed(
    session: AsyncSession, today: date, boundaries: Sequence[int], limit: int
) -> list[tuple[str, str, int, str, Decimal, date]]:
    """Record and return up to `limit` (item, boundary) crossed by `today` and not announced before."""
    params = {"today": today, "boundaries": list(boundaries), "limit": limit}
    rows = (await session.execute(_CROSSED, params)).all()
    return [(r.customer_code, r.item_id, r.days, r.currency, r.open_amount, r.due_date) for r in rows]
