from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends

from services.credit_api.kernel.deps import Session, require
from services.credit_api.kernel.pagination import Cursor, Page, PageSize, decode_cursor, page_of
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from services.credit_api.operations.dead_letters import repository, service
from services.credit_api.operations.dead_letters.schemas import DeadLetterOut, ReplayIn, ReplayOut
from shared.roles import Role

router = APIRouter(prefix="/v1/dead-letters", tags=["events"])

Reader = Annotated[Principal, Depends(require(Role.ERP, Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]
Admin = Annotated[Principal, Depends(require())]


@router.get(
    "",
    summary="Events that could not be applied, with the reason, newest first",
    description="Fix the cause, then send them back (`POST /v1/dead-letters/replay`, `credence dlq replay`).",
    responses=responses(401, 403, 422),
)
async def list_dead_letters(
    session: Session, _: Reader, pending: bool = True, limit: PageSize = 50, cursor: Cursor = None
) -> Page[DeadLetterOut]:
    before_id = decode_cursor(cursor, int)[0] if cursor else None
    rows = await repository.page(session, pending_only=pending, before_id=before_id, limit=limit + 1)
    return page_of(rows, limit, DeadLetterOut.model_validate, lambda r: (r.id,))


@router.post(
    "/replay",
    summary="Send dead letters back to the topic they came from, each once",
    description="Audited. Letters replayed before (here or by `credence dlq replay`) are left out; "
    "one that still cannot apply comes back as a new dead letter with its reason.",
    responses=responses(401, 403, 422),
)
async def replay_dead_letters(body: ReplayIn, session: Session, principal: Admin) -> ReplayOut:
    return ReplayOut(replayed=await service.replay(session, principal, body.ids, datetime.now(UTC)))
