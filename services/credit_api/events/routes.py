from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from services.credit_api.api_keys.service import Principal
from services.credit_api.deps import Session, require
from services.credit_api.events import service
from services.credit_api.events.schemas import EventBatch, IngestOut
from services.credit_api.problems import responses
from shared.roles import Role

router = APIRouter(prefix="/v1/events", tags=["events"])

Erp = Annotated[Principal, Depends(require(Role.ERP))]


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send ERP events over HTTP (one, or up to 1,000)",
    description="Each event is validated as on Kafka; the valid ones are written with this request's "
    "transaction and relayed to the events topic, keyed by customer. The answer lists the "
    "accepted ids and the rejected events with their reasons.",
    responses=responses(401, 403, 422),
)
async def ingest_events(body: EventBatch, request: Request, session: Session, _: Erp) -> IngestOut:
    events = body.root if isinstance(body.root, list) else [body.root]
    return await service.ingest(session, events, request.app.state.settings)
