from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from services.credit_api.credit.customers import service
from services.credit_api.credit.customers.schemas import (
    BlockRequest,
    CustomerCreate,
    CustomerData,
    CustomerOut,
    CustomerPatch,
    Status,
)
from services.credit_api.kernel.deps import CodePath, Session, require
from services.credit_api.kernel.pagination import Cursor, Page, PageSize
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role

router = APIRouter(prefix="/v1/customers", tags=["customers"])

# ERPs keep master data; credit staff read and amend it. Order systems only ask for decisions.
Staff = Annotated[Principal, Depends(require(Role.ERP, Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]
Controller = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]


async def _view(request: Request, session: Session, customer_code: str) -> CustomerOut:
    return await service.show(session, customer_code, request.app.state.settings.net_unallocated_cash)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Open a customer credit file",
    responses=responses(401, 403, 409, 422),
)
async def create_customer(
    body: CustomerCreate, request: Request, session: Session, principal: Staff
) -> CustomerOut:
    customer = await service.create(session, principal, body)
    return await _view(request, session, customer.customer_code)


@router.put(
    "/{customer_code}",
    summary="Create or replace a customer's master data (ERP upsert)",
    description="Answers 201 when the customer is new, 200 when it existed. The same effect as a "
    "`customer.upserted` event.",
    responses={
        201: {"model": CustomerOut, "description": "A new customer"},
        **responses(401, 403, 422),
    },
)
async def upsert_customer(
    customer_code: CodePath,
    body: CustomerData,
    request: Request,
    response: Response,
    session: Session,
    principal: Staff,
) -> CustomerOut:
    _, created = await service.upsert(
        session, principal, customer_code, body, request.app.state.settings, datetime.now(UTC)
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return await _view(request, session, customer_code)


@router.patch(
    "/{customer_code}",
    summary="Change some fields of a customer credit file",
    responses=responses(401, 403, 404, 422),
)
async def patch_customer(
    customer_code: CodePath, body: CustomerPatch, request: Request, session: Session, principal: Staff
) -> CustomerOut:
    await service.patch(
        session, principal, customer_code, body, request.app.state.settings, datetime.now(UTC)
    )
    return await _view(request, session, customer_code)


@router.get(
    "/{customer_code}",
    summary="Read a customer credit file with its limit and exposure",
    responses=responses(401, 403, 404, 422),
)
async def get_customer(customer_code: CodePath, request: Request, session: Session, _: Staff) -> CustomerOut:
    return await _view(request, session, customer_code)


@router.get("", summary="List customers, filtered, by customer code", responses=responses(401, 403, 422))
async def list_customers(
    request: Request,
    session: Session,
    _: Staff,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    grade: Annotated[str | None, Query(max_length=10)] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    industry: Annotated[str | None, Query(max_length=100)] = None,
    blocked: bool | None = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[CustomerOut]:
    filters = {
        "status": status_,
        "grade": grade,
        "country": country,
        "industry": industry,
        "blocked": blocked,
    }
    return await service.page(
        session, filters, cursor, limit, request.app.state.settings.net_unallocated_cash
    )


async def _blocked(
    request: Request,
    session: Session,
    principal: Principal,
    customer_code: str,
    body: BlockRequest,
    *,
    blocked: bool,
) -> CustomerOut:
    settings = request.app.state.settings
    await service.set_block(
        session,
        principal,
        customer_code,
        blocked=blocked,
        reason=body.reason,
        settings=settings,
        now=datetime.now(UTC),
    )
    return await _view(request, session, customer_code)


@router.post(
    "/{customer_code}/block",
    summary="Block a customer for credit, with a reason",
    description="Every credit check is held with `customer_blocked` until unblocked.",
    responses=responses(401, 403, 404, 422),
)
async def block_customer(
    customer_code: CodePath, body: BlockRequest, request: Request, session: Session, principal: Controller
) -> CustomerOut:
    return await _blocked(request, session, principal, customer_code, body, blocked=True)


@router.post(
    "/{customer_code}/unblock",
    summary="Lift a customer's credit block, with a reason",
    description="Held orders of the customer are re-evaluated at once.",
    responses=responses(401, 403, 404, 422),
)
async def unblock_customer(
    customer_code: CodePath, body: BlockRequest, request: Request, session: Session, principal: Controller
) -> CustomerOut:
    return await _blocked(request, session, principal, customer_code, body, blocked=False)
