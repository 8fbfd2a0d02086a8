"""Credit insurance: the policies a firm holds and the cover limits insurers grant per customer.
A customer is covered by its newest named cover in force, or else up to the discretionary limit
of the (first) policy in force; without a policy, nothing is insured."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.credit.customers import service as customers
from services.credit_api.credit.events import CoverGranted
from services.credit_api.credit.insurance import repository
from services.credit_api.credit.insurance.errors import InvalidCover, UnknownPolicy
from services.credit_api.credit.insurance.schemas import CoverIn, CoverOut, PolicyIn, PolicyOut
from services.credit_api.kernel import messagebus
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from shared.domain.money import format_amount, parse_amount
from shared.models.credit_api import InsuranceCover, InsurancePolicy


async def put_policy(
    session: AsyncSession, principal: Principal, number: str, body: PolicyIn, now: datetime
) -> PolicyOut:
    if body.valid_to is not None and body.valid_to < body.valid_from:
        raise InvalidCover(
            "valid_to is before valid_from", errors=[{"pointer": "#/valid_to", "detail": "before valid_from"}]
        )
    found = await repository.policy(session, number)
    before = None if found is None else policy_view(found).model_dump(mode="json")
    values = {
        "insurer": body.insurer,
        "indemnity": body.indemnity,
        "currency": body.currency,
        "valid_from": body.valid_from,
        "valid_to": body.valid_to,
        "discretionary_limit": parse_amount(body.discretionary_limit, body.currency, positive=False),
    }
    if found is None:
        found = InsurancePolicy(policy_number=number, created_by=principal.actor, created_at=now, **values)
        await repository.add(session, found)
    else:
        for key, value in values.items():
            setattr(found, key, value)
    after = policy_view(found).model_dump(mode="json")
    await record(
        session, principal, "insurance.policy_set", "insurance_policy", number, before=before, after=after
    )
    return policy_view(found)


async def policies(session: AsyncSession) -> list[PolicyOut]:
    return [policy_view(p) for p in await repository.policies(session)]


async def grant(
    session: AsyncSession,
    principal: Principal,
    customer_code: str,
    body: CoverIn,
    settings: ApiSettings,
    now: datetime,
) -> CoverOut:
    """An insurer's decision on a customer; where uninsured exposure is limited, a larger cover
    lets held orders be decided again."""
    await customers.get(session, customer_code)
    policy = await repository.policy(session, body.policy_number)
    if policy is None:
        raise UnknownPolicy(f"no insurance policy {body.policy_number}")
    if body.valid_to is not None and body.valid_to < body.valid_from:
        raise InvalidCover(
            "valid_to is before valid_from", errors=[{"pointer": "#/valid_to", "detail": "before valid_from"}]
        )
    cover = InsuranceCover(
        id=uuid.uuid4(),
        policy_number=policy.policy_number,
        customer_code=customer_code,
        amount=parse_amount(body.amount, policy.currency, positive=False),
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        decision_ref=body.decision_ref,
        created_by=principal.actor,
        created_at=now,
    )
    await repository.add(session, cover)
    view = cover_view(cover, policy.currency)
    await record(
        session,
        principal,
        "insurance.cover_granted",
        "customer",
        customer_code,
        before=None,
        after=view.model_dump(mode="json"),
    )
    await messagebus.publish(session, settings, CoverGranted(now, customer_code))
    return view


async def covers_of(session: AsyncSession, customer_code: str) -> list[CoverOut]:
    await customers.get(session, customer_code)
    policies = {p.policy_number: p.currency for p in await repository.policies(session)}
    return [
        cover_view(c, policies[c.policy_number]) for c in await repository.covers_of(session, customer_code)
    ]


def policy_view(p: InsurancePolicy) -> PolicyOut:
    return PolicyOut(
        policy_number=p.policy_number,
        insurer=p.insurer,
        indemnity=f"{p.indemnity:f}",
        currency=p.currency,
        valid_from=p.valid_from,
        valid_to=p.valid_to,
        discretionary_limit=format_amount(p.discretionary_limit, p.currency),
        created_by=p.created_by,
        created_at=p.created_at,
    )


def cover_view(c: InsuranceCover, currency: str) -> CoverOut:
    return CoverOut(
        id=str(c.id),
        policy_number=c.policy_number,
        customer_code=c.customer_code,
        amount=format_amount(c.amount, currency),
        currency=currency,
        valid_from=c.valid_from,
        valid_to=c.valid_to,
        decision_ref=c.decision_ref,
        created_by=c.created_by,
        created_at=c.created_at,
    )
