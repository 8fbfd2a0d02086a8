from __future__ import annotations

import json
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.models.credit_api import CreditCheck

_COLUMNS = [c.key for c in CreditCheck.__table__.columns]
# The names are the model's own columns, never input.
_INSERT = (
    f"INSERT INTO credit_api.credit_checks ({', '.join(_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(f'${i}::jsonb' if c == 'reasons' else f'${i}' for i, c in enumerate(_COLUMNS, 1))})"
)


async def insert(session: AsyncSession, check: CreditCheck) -> None:
    """A plain INSERT straight on the driver: the check is written once and not read back here."""
    pg = await driver(session)
    await pg.execute(
        _INSERT, *(json.dumps(check.reasons) if c == "reasons" else getattr(check, c) for c in _COLUMNS)
    )


async def get(session: AsyncSession, check_id: uuid.UUID) -> CreditCheck | None:
    return await session.get(CreditCheck, check_id)
