from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from services.credit_api.kernel.deps import Session, require
from services.credit_api.kernel.pagination import Cursor, Page, PageSize, after_time_and_id, page_of
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from services.credit_api.warnings.deliveries import repository
from services.credit_api.warnings.deliveries.schemas import DeliveryOut
from shared.roles import Role

router = APIRouter(prefix="/v1/deliveries", tags=["early warning"])

Staff = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]
Channel = Literal["email", "webhook", "slack", "teams", "wecom", "dingtalk", "feishu"]


@router.get(
    "",
    summary="What the notifier sent or is trying to send, oldest first",
    description="One row per message and destination: its status, attempts and last error. A "
    "failing destination is retried with exponential backoff and never holds up the others.",
    responses=responses(401, 403, 422),
)
async def list_deliveries(
    session: Session,
    _: Staff,
    status: Annotated[Literal["pending", "sent", "failed"] | None, Query()] = None,
    channel: Annotated[Channel | None, Query()] = None,
    customer: Annotated[str | None, Query(max_length=64)] = None,
    alert_id: uuid.UUID | None = None,
    cursor: Cursor = None,
    limit: PageSize = 50,
) -> Page[DeliveryOut]:
    rows = await repository.page(
        session,
        status=status,
        channel=channel,
        customer_code=customer,
        alert_id=alert_id,
        after=after_time_and_id(cursor),
        limit=limit + 1,
    )
    return page_of(rows, limit, DeliveryOut.model_validate, lambda r: (r.created_at, r.id))
