from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status

from services.credit_api.collections.disputes import service
from services.credit_api.collections.disputes.schemas import DisputeIn, DisputeOut, ResolutionIn
from services.credit_api.kernel.deps import CodePath, Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role

router = APIRouter(tags=["collections"])

Staff = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]
InvoiceId = Annotated[str, Path(min_length=1, max_length=100)]


@router.post(
    "/v1/invoices/{invoice_id}/disputes",
    status_code=status.HTTP_201_CREATED,
    summary="Dispute an open invoice",
    description="The invoice leaves dunning at once and stays in exposure and ageing. Audited; "
    "`dispute.opened` event.",
    responses=responses(401, 403, 404, 409, 422),
)
async def open_dispute(
    invoice_id: InvoiceId, body: DisputeIn, request: Request, session: Session, principal: Staff
) -> DisputeOut:
    return await service.open_dispute(
        session, principal, invoice_id, body, datetime.now(UTC), request.app.state.settings
    )


@router.post(
    "/v1/disputes/{dispute_id}/resolve",
    summary="Resolve a dispute: accepted (a credit note follows) or rejected (dunning resumes)",
    responses=responses(401, 403, 404, 409, 422),
)
async def resolve_dispute(
    dispute_id: uuid.UUID, body: ResolutionIn, request: Request, session: Session, principal: Staff
) -> DisputeOut:
    return await service.resolve(
        session, principal, dispute_id, body, datetime.now(UTC), request.app.state.settings
    )


@router.get(
    "/v1/customers/{customer_code}/disputes",
    summary="A customer's disputes, oldest first",
    responses=responses(401, 403, 404, 422),
)
async def list_disputes(customer_code: CodePath, session: Session, _: Staff) -> list[DisputeOut]:
    return await service.of_customer(session, customer_code)
