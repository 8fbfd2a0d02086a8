from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.credit_api.access.audit import repository
from services.credit_api.access.audit.schemas import AuditOut
from services.credit_api.kernel.deps import Session, require
from services.credit_api.kernel.pagination import Cursor, Page, PageSize, decode_cursor, page_of
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role
from shared.schemas import IsoDateTime

router = APIRouter(prefix="/v1/audit", tags=["audit"])

Reader = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]


@router.get("", summary="The audit trail of every change, newest first", responses=responses(401, 403, 422))
async def list_audit(
    session: Session,
    _: Reader,
    entity_type: Annotated[str | None, Query(max_length=60, examples=["customer"])] = None,
    entity_id: Annotated[str | None, Query(max_length=100, examples=["C-1001"])] = None,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=60, examples=["credit_limit.set"])] = None,
    since: IsoDateTime | None = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[AuditOut]:
    before_id = decode_cursor(cursor, int)[0] if cursor else None
    filters = {"entity_type": entity_type, "entity_id": entity_id, "actor": actor, "action": action}
    rows = await repository.page(session, filters, since, before_id, limit + 1)
    return page_of(rows, limit, AuditOut.model_validate, lambda e: (e.id,))
