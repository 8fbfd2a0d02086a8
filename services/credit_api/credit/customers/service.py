"""The customer credit file: master data from ERPs and credit teams, block state, and its view."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record, record_many
from services.credit_api.credit.customers import repository
from services.credit_api.credit.customers.errors import CreditCurrencyLocked, CustomerExists
from services.credit_api.credit.customers.schemas import (
    CreditLimitOut,
    CustomerCreate,
    CustomerData,
    CustomerOut,
    CustomerPatch,
    ExposureSummary,
)
from services.credit_api.credit.errors import CustomerNotFound, UnknownCreditGroup
from services.credit_api.credit.events import CustomerUnblocked, GroupStandingChanged
from services.credit_api.credit.exposure import service as exposure
from services.credit_api.kernel import messagebus
from services.credit_api.kernel.pagination import Page, decode_cursor, page_of
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from shared.domain.behaviour import add_months
from shared.domain.money import format_amount, minor_units
from shared.models.credit_api import Customer


class Assessed(NamedTuple):
    customer_code: str
    grade: str
    score: Decimal
    previous_grade: str | None
    as_of: date
    review_months: int


AUDITED = (
    "name",
    "country",
    "industry",
    "currency",
    "language",
    "contacts",
    "payment_terms",
    "listed",
    "customer_since",
    "review_date",
    "status",
    "grade",
    "blocked",
    "block_reason",
    "credit_group",
)


def snapshot(customer: Customer) -> dict[str, Any]:
    values = {name: getattr(customer, name) for name in AUDITED}
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}


async def create(session: AsyncSession, principal: Principal, body: CustomerCreate) -> Customer:
    if await repository.get(session, body.customer_code) is not None:
        raise CustomerExists(
            f"customer {body.customer_code} already exists", customer_code=body.customer_code
        )
    return await _insert(session, principal, body.customer_code, body)


async def upsert(
    session: AsyncSession,
    principal: Principal,
    customer_code: str,
    body: CustomerData,
    settings: ApiSettings,
    now: datetime,
) -> tuple[Customer, bool]:
    """Create or replace the master data; True when the customer is new. The same for PUT and events."""
    customer = await repository.get(session, customer_code, for_update=True, joining=body.credit_group)
    if customer is None:
        return await _insert(session, principal, customer_code, body), True
    before = snapshot(customer)
    if (
        body.currency != customer.currency
        and await repository.current_limit(session, customer_code) is not None
    ):
        raise CreditCurrencyLocked(
            f"customer {customer_code} has limits in {customer.currency}; "
            f"set the limit anew after changing its currency",
            currency=customer.currency,
        )
    minor_units(body.currency)
    kept = set() if "credit_group" in body.model_fields_set else {"credit_group"}
    if body.credit_group is not None:
        await _group_exists(session, body.credit_group)
    for name, value in body.model_dump(exclude={"contacts", *kept}).items():
        setattr(customer, name, value)
    customer.contacts = body.contacts.model_dump(exclude_none=True)
    customer.master_data_missing = False
    await _touched(session, principal, customer, "customer.upserted", before)
    await _left_group(session, settings, before, customer, now)
    return customer, False


async def ensure_stubs(session: AsyncSession, stubs: Mapping[str, tuple[str, Principal]]) -> None:
    """Ledger events for customers the credit file does not know (customer code → the currency and
    sender of its first event): stubs, so that their exposure counts from the first event; they
    have no limit until one is set."""
    for code in await repository.add_stubs(
        session, {code: currency for code, (currency, _) in stubs.items()}
    ):
        currency, principal = stubs[code]
        await record(
            session,
            principal,
            "customer.stub_created",
            "customer",
            code,
            before=None,
            after={"currency": currency, "master_data_missing": True},
        )


async def patch(
    session: AsyncSession,
    principal: Principal,
    customer_code: str,
    body: CustomerPatch,
    settings: ApiSettings,
    now: datetime,
) -> Customer:
    customer = await repository.get(session, customer_code, for_update=True, joining=body.credit_group)
    if customer is None:
        raise CustomerNotFound(f"customer {customer_code} does not exist", customer_code=customer_code)
    before = snapshot(customer)
    changes = body.model_dump(exclude_unset=True)
    if body.credit_group is not None:
        await _group_exists(session, body.credit_group)
    for name, value in changes.items():
        if name == "contacts":
            # A contact sent as null is cleared: absent, as upsert stores a contact never given.
            merged = {
                **customer.contacts,
                **(body.contacts.model_dump(exclude_unset=True) if body.contacts else {}),
            }
            value = {key: v for key, v in merged.items() if v is not None}
        elif name in {"name", "language", "status", "listed"} and value is None:
            continue  # required fields cannot be cleared
        setattr(customer, name, value)
    await _touched(session, principal, customer, "customer.updated", before)
    await _left_group(session, settings, before, customer, now)
    return customer


async def _left_group(
    session: AsyncSession, settings: ApiSettings, before: dict[str, Any], customer: Customer, now: datetime
) -> None:
    """A member gone from a group leaves room in it (and its ancestors) at once: held orders of
    the group's tree are decided again. The group it joined counts its exposure from now on."""
    left = before["credit_group"]
    if left is not None and left != customer.credit_group:
        await messagebus.publish(session, settings, GroupStandingChanged(now, left))


async def set_block(
    session: AsyncSession,
    principal: Principal,
    customer_code: str,
    *,
    blocked: bool,
    reason: str,
    settings: ApiSettings,
    now: datetime,
) -> Customer:
    """Block or unblock; an unblock lets held orders be decided again."""
    customer = await get(session, customer_code, for_update=True)
    before = snapshot(customer)
    was_blocked = customer.blocked
    customer.blocked = blocked
    customer.block_reason = reason if blocked else None
    customer.blocked_at = now if blocked else None
    customer.blocked_by = principal.actor if blocked else None
    await _touched(
        session,
        principal,
        customer,
        "customer.blocked" if blocked else "customer.unblocked",
        before,
        reason=reason,
    )
    if was_blocked and not blocked:
        await messagebus.publish(session, settings, CustomerUnblocked(now, customer_code))
    return customer


async def find(session: AsyncSession, customer_code: str, *, for_update: bool = False) -> Customer | None:
    return await repository.get(session, customer_code, for_update=for_update)


async def get(session: AsyncSession, customer_code: str, *, for_update: bool = False) -> Customer:
    customer = await find(session, customer_code, for_update=for_update)
    if customer is None:
        raise CustomerNotFound(f"customer {customer_code} does not exist", customer_code=customer_code)
    return customer


async def page(
    session: AsyncSession, filters: dict[str, Any], cursor: str | None, limit: int, net_unallocated_cash: bool
) -> Page[CustomerOut]:
    after = decode_cursor(cursor, str)[0] if cursor else None
    rows = await repository.page(session, filters, after, limit + 1)
    shown = rows[:limit]
    found = await exposure.standings(
        session,
        [c.customer_code for c in shown],
        datetime.now(UTC),
        net_unallocated_cash=net_unallocated_cash,
    )
    views = {c.customer_code: await view(session, c, found.get(c.customer_code)) for c in shown}
    return page_of(rows, limit, lambda c: views[c.customer_code], lambda c: (c.customer_code,))


async def show(session: AsyncSession, customer_code: str, net_unallocated_cash: bool) -> CustomerOut:
    customer = await get(session, customer_code)
    found = await exposure.standings(
        session, [customer_code], datetime.now(UTC), net_unallocated_cash=net_unallocated_cash
    )
    return await view(session, customer, found.get(customer_code))


async def view(session: AsyncSession, customer: Customer, standing: exposure.Standing | None) -> CustomerOut:
    """The credit file with the figures the credit check uses (`standing`: None when an exchange
    rate is missing)."""
    limit = await repository.current_limit(session, customer.customer_code)
    cur = customer.currency
    shown = None if standing is None else exposure.figures(standing)
    summary = (
        None
        if shown is None
        else ExposureSummary(
            exposure=format_amount(shown.exposure, cur),
            available=None if shown.available is None else format_amount(shown.available, cur),
            utilisation=None if shown.utilisation is None else f"{shown.utilisation:f}",
        )
    )
    fields: dict[str, Any] = {
        c: getattr(customer, c)
        for c in CustomerOut.model_fields
        if c not in {"credit_limit", "effective_limit", "exposure_summary", "score"}
    }
    return CustomerOut(
        score=None if customer.score is None else f"{customer.score:f}",
        **fields,
        credit_limit=None if limit is None else CreditLimitOut.of(limit),
        effective_limit=None if shown is None or shown.limit is None else format_amount(shown.limit, cur),
        exposure_summary=summary,
    )


async def _insert(
    session: AsyncSession, principal: Principal, customer_code: str, body: CustomerData
) -> Customer:
    minor_units(body.currency)
    if body.credit_group is not None:
        await _group_exists(session, body.credit_group)
    customer = Customer(
        customer_code=customer_code,
        **body.model_dump(exclude={"contacts", "customer_code"}),
        contacts=body.contacts.model_dump(exclude_none=True),
    )
    await repository.add(session, customer)
    await record(
        session,
        principal,
        "customer.created",
        "customer",
        customer_code,
        before=None,
        after=snapshot(customer),
    )
    return customer


async def block_many(
    session: AsyncSession, principal: Principal, codes: Sequence[str], reason: str
) -> list[str]:
    """Blocks many customers at once (set-wise), each audited; returns those it blocked."""
    blocked = await repository.block_many(session, codes, reason, principal.actor, datetime.now(UTC))
    await record_many(
        session,
        principal,
        "customer.blocked",
        "customer",
        [(code, {"blocked": False}, {"blocked": True, "block_reason": reason}) for code in blocked],
    )
    return blocked


async def touch(session: AsyncSession, codes: Sequence[str]) -> None:
    """Something outside the credit file changed what the customer is assessed on."""
    await repository.touch(session, codes)


async def _touched(
    session: AsyncSession,
    principal: Principal,
    customer: Customer,
    action: str,
    before: dict[str, Any],
    **extra: Any,
) -> None:
    after = snapshot(customer)
    if after == before and not extra:
        return
    customer.updated_at = datetime.now(UTC)
    await session.flush()
    await record(
        session,
        principal,
        action,
        "customer",
        customer.customer_code,
        before=before,
        after={**after, **extra},
    )


async def apply_assessments(session: AsyncSession, principal: Principal, changes: Sequence[Assessed]) -> None:
    """Grades and scores from the risk worker's assessments. A new grade (or the first) sets the
    next review date by the grade's review period; a score alone does not."""
    latest = {c.customer_code: c for c in changes}  # the last of a customer's changes in a batch wins
    rows = await repository.apply_assessments(
        session,
        [
            (
                c.customer_code,
                c.grade,
                c.score,
                add_months(c.as_of, c.review_months),
                c.grade != c.previous_grade,
            )
            for c in latest.values()
        ],
    )
    await record_many(
        session,
        principal,
        "customer.assessed",
        "customer",
        [
            (
                code,
                {"grade": old_grade, "score": _text(old_score), "review_date": _text(old_review)},
                {"grade": grade, "score": _text(score), "review_date": _text(review)},
            )
            for code, old_grade, old_score, old_review, grade, score, review in rows
        ],
    )


def _text(value: Decimal | date | None) -> str | None:
    return None if value is None else str(value)


async def _group_exists(session: AsyncSession, code: str) -> None:
    if not await repository.group_exists(session, code):
        detail = f"unknown credit group `{code}`"
        raise UnknownCreditGroup.at("/credit_group", detail)
