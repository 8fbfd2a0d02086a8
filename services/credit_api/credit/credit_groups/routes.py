from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status

from services.credit_api.credit.credit_groups import service
from services.credit_api.credit.credit_groups.schemas import (
    CreditGroupIn,
    CreditGroupNode,
    CreditGroupOut,
    GroupTemporaryLimitOut,
)
from services.credit_api.credit.credit_limits.schemas import CreditLimitSet
from services.credit_api.credit.customers.schemas import CreditLimitOut
from services.credit_api.credit.temporary_limits.schemas import TemporaryLimitCreate
from services.credit_api.kernel.deps import Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role
from shared.schemas import GroupCode

router = APIRouter(prefix="/v1/credit-groups", tags=["credit groups"])

Reader = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]
# The ERP keeps its own hierarchy of customers; credit managers keep the groups that share limits.
Keeper = Annotated[Principal, Depends(require(Role.ERP, Role.CREDIT_MANAGER))]
Manager = Annotated[Principal, Depends(require(Role.CREDIT_MANAGER))]
CodeOf = Annotated[GroupCode, Path(description="The credit group's code")]


@router.put(
    "/{code}",
    summary="Create or change a credit group",
    description="Name, currency (the group's limit and exposure are kept in it) and parent group: a "
    "tree of any depth. Answers 201 when the group is new, 200 when it existed. A parent that does "
    "not exist or a move that would put a group under itself is refused with a pointer to "
    "`/parent`. Credit managers and ERPs; audited.",
    responses={201: {"model": CreditGroupOut, "description": "A new group"}, **responses(401, 403, 422)},
)
async def put_group(
    code: CodeOf,
    body: CreditGroupIn,
    request: Request,
    response: Response,
    session: Session,
    principal: Keeper,
) -> CreditGroupOut:
    now = datetime.now(UTC)
    created = await service.put(session, principal, code, body, now)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return await service.show(
        session, code, now, net_unallocated_cash=request.app.state.settings.net_unallocated_cash
    )


@router.get("", summary="Every credit group, with its members and exposure", responses=responses(401, 403))
async def list_groups(request: Request, session: Session, _: Reader) -> list[CreditGroupOut]:
    return await service.listing(
        session, datetime.now(UTC), net_unallocated_cash=request.app.state.settings.net_unallocated_cash
    )


@router.get("/{code}", summary="A credit group", responses=responses(401, 403, 404, 422))
async def get_group(code: CodeOf, request: Request, session: Session, _: Reader) -> CreditGroupOut:
    return await service.show(
        session, code, datetime.now(UTC), net_unallocated_cash=request.app.state.settings.net_unallocated_cash
    )


@router.get(
    "/{code}/tree",
    summary="A credit group and every group under it, nested",
    responses=responses(401, 403, 404, 422),
)
async def get_tree(code: CodeOf, request: Request, session: Session, _: Reader) -> CreditGroupNode:
    return await service.subtree(
        session, code, datetime.now(UTC), net_unallocated_cash=request.app.state.settings.net_unallocated_cash
    )


@router.delete(
    "/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an empty credit group",
    description="Refused (409) while the group has members or sub-groups. Credit managers and ERPs; audited.",
    responses=responses(401, 403, 404, 409, 422),
)
async def delete_group(code: CodeOf, session: Session, principal: Keeper) -> None:
    await service.delete(session, principal, code)


@router.put(
    "/{code}/credit-limit",
    summary="Set a credit group's permanent limit, within your approval authority",
    description="In the group's currency (another is refused with a pointer to `/currency`). Beyond "
    "the caller's authority the answer is 403 `authority-exceeded`. Credit managers; audited.",
    responses=responses(401, 403, 404, 422),
)
async def set_group_limit(
    code: CodeOf, body: CreditLimitSet, request: Request, session: Session, principal: Manager
) -> CreditLimitOut:
    limit = await service.set_limit(
        session, principal, code, body, request.app.state.settings, datetime.now(UTC)
    )
    return CreditLimitOut.of(limit)


@router.post(
    "/{code}/temporary-limits",
    status_code=status.HTTP_201_CREATED,
    summary="Grant a credit group a temporary limit increase for a window",
    description="In the group's currency, within the caller's authority (the permanent limit plus "
    "every overlapping increase). Held orders of every member of the group's tree are decided again "
    "at once. Credit controllers and managers; audited.",
    responses=responses(401, 403, 404, 422),
)
async def grant_group_temporary_limit(
    code: CodeOf, body: TemporaryLimitCreate, request: Request, session: Session, principal: Reader
) -> GroupTemporaryLimitOut:
    increase = await service.grant_temporary(
        session, principal, code, body, request.app.state.settings, datetime.now(UTC)
    )
    return service.temporary_view(increase)


@router.get(
    "/{code}/temporary-limits",
    summary="A credit group's temporary increases, latest first",
    responses=responses(401, 403, 404, 422),
)
async def list_group_temporary_limits(
    code: CodeOf, session: Session, _: Reader
) -> list[GroupTemporaryLimitOut]:
    return await service.temporary_listing(session, code)


@router.get(
    "/{code}/credit-limit/history",
    summary="Every limit a credit group has had, newest first",
    responses=responses(401, 403, 404, 422),
)
async def group_limit_history(code: CodeOf, session: Session, _: Reader) -> list[CreditLimitOut]:
    return await service.limit_history(session, code)
