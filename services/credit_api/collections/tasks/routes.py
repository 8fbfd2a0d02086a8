from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.credit_api.collections.tasks import service
from services.credit_api.collections.tasks.schemas import CompletionIn, TaskOut, WorkItem
from services.credit_api.kernel.deps import Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role

router = APIRouter(tags=["collections"])

Staff = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]


@router.get(
    "/v1/worklist",
    summary="The collectors' open tasks, most valuable first",
    description="Calls to make, hand-overs to legal, notices without an address, broken promises and "
    "disputes open too long, ordered by what their invoices owe × the probability of default of "
    "the customer's grade (the riskiest grade's for customers not yet graded).",
    responses=responses(401, 403),
)
async def worklist(session: Session, _: Staff) -> list[WorkItem]:
    return await service.worklist(session, datetime.now(UTC))


@router.post(
    "/v1/tasks/{task_id}/complete",
    summary="Complete a task with its outcome",
    description="With `promise_made` and a `promise`, the promise to pay is recorded too. Audited.",
    responses=responses(401, 403, 404, 409, 422),
)
async def complete_task(
    task_id: uuid.UUID, body: CompletionIn, request: Request, session: Session, principal: Staff
) -> TaskOut:
    return await service.complete(
        session, principal, task_id, body, datetime.now(UTC), request.app.state.settings
    )
