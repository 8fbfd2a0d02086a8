"""Limit change requests with four-eyes approval, of a customer's limit or a credit group's: a request
within the requester's authority applies at once; above it, someone else with enough authority
approves or rejects it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.credit.credit_groups import service as credit_groups
from services.credit_api.credit.credit_limits import service as limits
from services.credit_api.credit.credit_limits.errors import AuthorityExceeded
from services.credit_api.credit.customers import service as customers
from services.credit_api.credit.limit_requests import repository
from services.credit_api.credit.limit_requests.errors import (
    FourEyesViolation,
    LimitRequestDecided,
    LimitRequestNotFound,
)
from services.credit_api.credit.limit_requests.schemas import LimitRequestCreate, LimitRequestOut
from services.credit_api.kernel.pagination import Page, after_time_and_id, page_of
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from shared.domain.money import format_amount
from shared.models.credit_api import Customer, LimitRequest


async def submit(
    session: AsyncSession,
    principal: Principal,
    body: LimitRequestCreate,
    settings: ApiSettings,
    now: datetime,
) -> LimitRequest:
    if body.credit_group is not None:
        group = await credit_groups.locked(session, body.credit_group)
        amount = limits.limit_in(body.amount, group.currency)
        request = await _file(
            session,
            principal,
            Subject(None, group.code, group.currency),
            amount,
            body.valid_until,
            body.reason,
            now,
        )
    else:
        assert body.customer_code is not None
        customer = await customers.get(session, body.customer_code, for_update=True)
        amount = limits.limit_amount(customer, body.amount, None)
        request = await _file(
            session, principal, Subject.of(customer), amount, body.valid_until, body.reason, now
        )
    if await limits.within_authority(session, settings, principal.role, request.currency, amount, now.date()):
        await _apply(session, principal, request, settings, now, set_by=None)
        _decide(request, "applied", principal, "within the requester's authority", now)
        await session.flush()
    return request


class Subject(NamedTuple):
    """Whose limit a request is for: a customer's or a credit group's, in its currency."""

    customer_code: str | None
    group_code: str | None
    currency: str

    @classmethod
    def of(cls, customer: Customer) -> Subject:
        return cls(customer.customer_code, None, customer.currency)


async def _apply(
    session: AsyncSession,
    principal: Principal,
    request: LimitRequest,
    settings: ApiSettings,
    now: datetime,
    *,
    set_by: str | None,
) -> None:
    """The requested limit made the customer's or the group's permanent one (authority checked)."""
    if request.group_code is not None:
        group = await credit_groups.locked(session, request.group_code)
        await credit_groups.apply_limit(
            session,
            principal,
            group,
            request.amount,
            request.valid_until,
            request.reason,
            settings,
            now,
            set_by=set_by,
        )
        return
    assert request.customer_code is not None
    customer = await customers.get(session, request.customer_code, for_update=True)
    await limits.apply(
        session,
        principal,
        customer,
        request.amount,
        request.valid_until,
        request.reason,
        settings,
        now,
        set_by=set_by,
    )


async def suggest(
    session: AsyncSession,
    principal: Principal,
    customer: Customer,
    amount: Decimal,
    reason: str,
    now: datetime,
) -> LimitRequest:
    """A request the platform files itself: always left to a person's approval."""
    return await _file(session, principal, Subject.of(customer), amount, None, reason, now)


async def _file(
    session: AsyncSession,
    principal: Principal,
    subject: Subject,
    amount: Decimal,
    valid_until: date | None,
    reason: str,
    now: datetime,
) -> LimitRequest:
    request = LimitRequest(
        id=uuid.uuid4(),
        customer_code=subject.customer_code,
        group_code=subject.group_code,
        amount=amount,
        currency=subject.currency,
        valid_until=valid_until,
        reason=reason,
        status="pending",
        requested_by=principal.actor,
        requester_key_id=uuid.UUID(principal.key_id),
        requested_at=now,
    )
    await repository.add(session, request)
    await record(
        session,
        principal,
        "limit_request.submitted",
        "limit_request",
        str(request.id),
        before=None,
        after=_snapshot(request),
    )
    return request


async def approve(
    session: AsyncSession,
    principal: Principal,
    request_id: uuid.UUID,
    note: str | None,
    settings: ApiSettings,
    now: datetime,
) -> LimitRequest:
    request = await _pending(session, principal, request_id)
    if not await limits.within_authority(
        session, settings, principal.role, request.currency, request.amount, now.date()
    ):
        raise AuthorityExceeded(
            f"approving {format_amount(request.amount, request.currency)} {request.currency} "
            f"is beyond the authority of {principal.role.value}"
        )
    await _apply(
        session,
        principal,
        request,
        settings,
        now,
        set_by=f"{request.requested_by}, approved by {principal.actor}",
    )
    await _conclude(session, request, "approved", principal, note, now)
    return request


async def reject(
    session: AsyncSession, principal: Principal, request_id: uuid.UUID, note: str | None, now: datetime
) -> LimitRequest:
    request = await _pending(session, principal, request_id)
    await _conclude(session, request, "rejected", principal, note, now)
    return request


async def get(session: AsyncSession, request_id: uuid.UUID) -> LimitRequest:
    request = await repository.get(session, request_id)
    if request is None:
        raise LimitRequestNotFound(f"limit request {request_id} does not exist")
    return request


async def page(
    session: AsyncSession,
    *,
    status: str | None,
    customer_code: str | None,
    credit_group: str | None = None,
    cursor: str | None,
    limit: int,
) -> Page[LimitRequestOut]:
    rows = await repository.page(
        session,
        status=status,
        customer_code=customer_code,
        group_code=credit_group,
        after=after_time_and_id(cursor),
        limit=limit + 1,
    )
    return page_of(rows, limit, view, lambda r: (r.requested_at, r.id))


async def _pending(session: AsyncSession, principal: Principal, request_id: uuid.UUID) -> LimitRequest:
    request = await repository.get(session, request_id, for_update=True)
    if request is None:
        raise LimitRequestNotFound(f"limit request {request_id} does not exist")
    if request.status != "pending":
        raise LimitRequestDecided(f"limit request {request_id} is already {request.status}")
    if str(request.requester_key_id) == principal.key_id or request.requested_by == principal.actor:
        raise FourEyesViolation("a limit request is decided by someone other than its requester")
    return request


def _decide(
    request: LimitRequest, status: str, principal: Principal, note: str | None, now: datetime
) -> None:
    request.status = status
    request.decided_by = principal.actor
    request.decided_at = now
    request.decision_note = note


async def _conclude(
    session: AsyncSession,
    request: LimitRequest,
    status: str,
    principal: Principal,
    note: str | None,
    now: datetime,
) -> None:
    """A pending request decided by an approver, and the decision audited."""
    _decide(request, status, principal, note, now)
    await session.flush()
    await record(
        session,
        principal,
        f"limit_request.{status}",
        "limit_request",
        str(request.id),
        before={"status": "pending"},
        after=_snapshot(request),
    )


def _snapshot(request: LimitRequest) -> dict[str, str | None]:
    return {
        "customer_code": request.customer_code,
        "credit_group": request.group_code,
        "amount": format_amount(request.amount, request.currency),
        "currency": request.currency,
        "status": request.status,
        "reason": request.reason,
    }


def view(request: LimitRequest) -> LimitRequestOut:
    return LimitRequestOut(
        id=request.id,
        customer_code=request.customer_code,
        credit_group=request.group_code,
        amount=format_amount(request.amount, request.currency),
        currency=request.currency,
        valid_until=request.valid_until,
        reason=request.reason,
        status=request.status,
        requested_by=request.requested_by,
        requested_at=request.requested_at,
        decided_by=request.decided_by,
        decided_at=request.decided_at,
        decision_note=request.decision_note,
    )
