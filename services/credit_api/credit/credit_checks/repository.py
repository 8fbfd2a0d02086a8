from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.models.credit_api import CreditCheck

_COLUMNS = [
    c.key for c in CreditCheck.__table__.columns if c.key != "decided_seq"
]  # numbered by the database
# The names are the model's own columns, never input.
_INSERT = (
    f"INSERT INTO credit_api.credit_checks ({', '.join(_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(f'${i}::jsonb' if c == 'reasons' else f'${i}' for i, c in enumerate(_COLUMNS, 1))})"
)


async def insert_many(session: AsyncSession, checks: Sequence[CreditCheck]) -> None:
    """Checks in the order they were decided, which `decided_seq` keeps."""
    if not checks:
        return
    pg = await driver(session)
    await pg.executemany(
        _INSERT,
        [tuple(json.dumps(c.reasons) if k == "reasons" else getattr(c, k) for k in _COLUMNS) for c in checks],
    )


async def get(session: AsyncSession, check_id: uuid.UUID) -> CreditCheck | None:
    return await session.get(CreditCheck, check_id)
