"""ERP events over HTTP, for ERPs without a Kafka client: validated like the risk worker validates
them, then written to the outbox in the request's transaction and relayed to the events topic."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.kernel.settings import ApiSettings
from services.credit_api.operations.ingestion.schemas import IngestOut, Rejected
from shared.domain.errors import InvalidEvent, InvalidInput
from shared.events import event_data, parse_event
from shared.models.credit_api import Outbox
from shared.outbox import outbox_row

MAX_BATCH = 1000


async def ingest(session: AsyncSession, events: list[dict[str, Any]], settings: ApiSettings) -> IngestOut:
    if not 1 <= len(events) <= MAX_BATCH:
        raise InvalidInput(f"send between 1 and {MAX_BATCH} events", count=len(events))
    accepted: list[str] = []
    rejected: list[Rejected] = []
    for index, raw in enumerate(events):
        try:
            event = parse_event(json.dumps(raw).encode())
            event_data(event)
        except InvalidEvent as exc:
            identifier = raw.get("id") if isinstance(raw.get("id"), str) else None
            rejected.append(Rejected(index=index, id=identifier, reason=exc.detail))
            continue
        session.add(outbox_row(Outbox, settings.ar_events_topic, event))
        accepted.append(event.id)
    return IngestOut(accepted=accepted, rejected=rejected)
