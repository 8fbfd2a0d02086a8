from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from services.credit_api.collections.dunning import repository, service
from services.credit_api.collections.dunning.schemas import (
    CustomerDunningOut,
    NoticeOut,
    RunIn,
    RunOut,
)
from services.credit_api.kernel.deps import CodePath, Session, require
from services.credit_api.kernel.pagination import Cursor, Page, PageSize, after_time_and_id, page_of
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role

router = APIRouter(tags=["collections"])

Staff = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]


@router.post(
    "/v1/dunning-runs",
    summary="Run dunning for a business date",
    description="What the daily run does, for a given date: a day missed during an outage is caught "
    "up, and a day already run changes nothing. One run at a time across replicas: a second waits "
    "for the first.",
    responses=responses(401, 403, 422),
)
async def run_dunning(body: RunIn, request: Request, session: Session, _: Admin) -> RunOut:
    return RunOut.model_validate(await service.run(session, body.as_of, request.app.state.settings))


@router.get(
    "/v1/dunning-notices",
    summary="Dunning notices issued, oldest first",
    responses=responses(401, 403, 422),
)
async def list_notices(
    session: Session,
    _: Staff,
    customer: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Cursor = None,
    limit: PageSize = 50,
) -> Page[NoticeOut]:
    rows = await repository.notices_page(session, customer, after_time_and_id(cursor), limit + 1)
    return page_of(rows, limit, NoticeOut.model_validate, lambda n: (n.created_at, n.id))


@router.get(
    "/v1/customers/{customer_code}/dunning",
    summary="A customer's dunning: every step each item took, and the tasks left for people",
    responses=responses(401, 403, 404, 422),
)
async def customer_dunning(customer_code: CodePath, session: Session, _: Staff) -> CustomerDunningOut:
    return await service.customer_dunning(session, customer_code)
