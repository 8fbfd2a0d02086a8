"""Dead letters sent back to their topic by an admin, once their cause is fixed: through the outbox,
so that they leave only if the replay is recorded; a letter replayed once (here or by the CLI) is
never sent again. One that still cannot apply returns as a new dead letter with its reason."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record_many
from services.credit_api.kernel.principal import Principal
from services.credit_api.operations.dead_letters import repository
from services.credit_api.operations.dead_letters.errors import NotReplayable
from shared.models.credit_api import Outbox


async def replay(session: AsyncSession, principal: Principal, ids: Sequence[int], now: datetime) -> list[int]:
    """The ids sent back; those replayed before are left out."""
    letters = await repository.claim(session, ids, principal.actor, now)
    rows = []
    for letter in letters:
        try:
            payload = json.loads(letter.payload)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise NotReplayable(f"dead letter {letter.id} is not a JSON event; fix it at its source")
        rows.append(Outbox(topic=letter.topic, key=letter.key or "", payload=payload))
    session.add_all(rows)
    await record_many(
        session,
        principal,
        "dead_letter.replayed",
        "dead_letter",
        [(str(r.id), None, {"topic": r.topic, "reason": r.reason}) for r in letters],
    )
    return [r.id for r in letters]
