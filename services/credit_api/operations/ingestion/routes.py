from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from services.credit_api.kernel.deps import Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from services.credit_api.operations.ingestion import service
from services.credit_api.operations.ingestion.schemas import EventBatch, IngestOut
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
