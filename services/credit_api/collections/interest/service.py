"""Late interest as a claim of its own. While an invoice is open its interest accrues and is
computed when asked; once the invoice is settled late, the daily dunning run freezes what it owes
into a claim (`interest.claimed`, for the ERP to invoice), which stays claimable until the ERP says
it invoiced it or a credit manager waives it. Both are audited and published."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.collections.interest import repository
from services.credit_api.collections.interest.errors import (
    InterestClaimClosed,
    InterestStillRunning,
    NoInterestClaim,
)
from services.credit_api.collections.interest.schemas import InterestClaimOut, InvoicedIn, WaiverIn
from services.credit_api.collections.receivables import repository as ledger
from services.credit_api.credit.customers import service as customers
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from services.credit_api.policies.dunning_policies import service as dunning_policies
from shared.domain import interest
from shared.domain.dunning import Policy
from shared.domain.money import format_amount
from shared.events import (
    INTEREST_CLAIMED,
    INTEREST_INVOICED,
    INTEREST_WAIVED,
    InterestClaimChanged,
    new_event,
)
from shared.models.credit_api import InterestClaim, Outbox
from shared.outbox import outbox_row


def owed(
    invoice: Any,
    paid: Sequence[tuple[date, Decimal]],
    as_of: date,
    policy: Policy,
    corrected: Sequence[tuple[date, Decimal]] = (),
) -> interest.LateInterest | None:
    """What an invoice (amount, currency, due date) owes by `as_of` for being late, by the policy;
    None when the policy claims no interest. `corrected`: what correcting credit notes took off it
    (also among `paid`), which counts from the due date."""
    if policy.interest is None or invoice.due_date >= as_of:
        return None
    try:
        return interest.late_interest(
            amount=invoice.amount,
            currency=invoice.currency,
            due_date=invoice.due_date,
            payments=[interest.Payment(day, amount) for day, amount in paid],
            corrections=[interest.Payment(day, amount) for day, amount in corrected],
            as_of=as_of,
            rate=policy.interest,
            compensation=interest.compensation_for(
                policy.compensation.get(invoice.currency, ()), invoice.amount
            ),
        )
    except interest.MissingReferenceRate:
        return None  # a policy without the reference rate for those days claims none


async def waived_open(session: AsyncSession) -> set[tuple[str, str]]:
    return await repository.waived_open(session)


async def claim_settled(
    session: AsyncSession,
    since: date,
    as_of: date,
    policy: Policy,
    principal: Principal,
    settings: ApiSettings,
) -> list[InterestClaim]:
    """Claims for the invoices settled late from `since` through `as_of` (set-wise)."""
    settled = await repository.settled_late(session, since, as_of)
    keys = [(r.customer_code, r.item_id) for r in settled]
    paid, corrected = await ledger.reductions(session, keys), await ledger.corrections(session, keys)
    claims = []
    for r in settled:
        key = (r.customer_code, r.item_id)
        late = owed(r, paid.get(key, []), r.settled_on, policy, corrected.get(key, []))
        if late is None or not (late.interest or late.compensation):
            continue
        claims.append(_claim(r, late, r.settled_on, "claimable", policy.version))
    await repository.add_all(session, claims)
    for claim in claims:
        _publish(session, claim, INTEREST_CLAIMED, principal, settings)
    return claims


async def of_customer(session: AsyncSession, customer_code: str, as_of: date) -> list[InterestClaimOut]:
    """The customer's claims, settled ones as frozen and open invoices' as they accrue by `as_of`."""
    await customers.get(session, customer_code)
    stored = await repository.of_customer(session, customer_code)
    frozen = {c.item_id for c in stored}
    policy = await dunning_policies.active(session)
    open_ = [
        r for r in await repository.overdue_open(session, customer_code, as_of) if r.item_id not in frozen
    ]
    keys = [(r.customer_code, r.item_id) for r in open_]
    paid, corrected = await ledger.reductions(session, keys), await ledger.corrections(session, keys)
    accruing = []
    for r in open_:
        key = (r.customer_code, r.item_id)
        late = owed(r, [p for p in paid.get(key, []) if p[0] <= as_of], as_of, policy, corrected.get(key, []))
        if late is not None and (late.interest or late.compensation):
            accruing.append(view(_claim(r, late, None, "accruing", policy.version), as_of))
    return sorted([*(view(c) for c in stored), *accruing], key=lambda c: (c.due_date, c.item_id))


async def waive(
    session: AsyncSession,
    principal: Principal,
    customer_code: str,
    item_id: str,
    body: WaiverIn,
    now: datetime,
    settings: ApiSettings,
) -> InterestClaimOut:
    """Waives a settled invoice's claim, or an open invoice's interest from now on: the notices
    that follow claim none for it."""
    claim = await repository.get(session, customer_code, item_id)
    before = None
    if claim is None:
        claim = await _accrued(session, customer_code, item_id, now.date())
        await repository.add_all(session, [claim])
    elif claim.status != "claimable":
        raise InterestClaimClosed(f"the interest of {item_id} is {claim.status} already")
    else:
        before = _event(claim, principal).model_dump(mode="json")
    claim.status, claim.note, claim.closed_by, claim.closed_at = "waived", body.note, principal.actor, now
    await _changed(session, principal, claim, INTEREST_WAIVED, before, settings)
    return view(claim)


async def invoiced(
    session: AsyncSession,
    principal: Principal,
    customer_code: str,
    item_id: str,
    body: InvoicedIn,
    now: datetime,
    settings: ApiSettings,
) -> InterestClaimOut:
    claim = await repository.get(session, customer_code, item_id)
    if claim is None:
        await _accrued(session, customer_code, item_id, now.date())  # why there is nothing to invoice
        raise InterestStillRunning(f"invoice {item_id} is still open: its interest is not final yet")
    if claim.status != "claimable":
        raise InterestClaimClosed(f"the interest of {item_id} is {claim.status} already")
    before = _event(claim, principal).model_dump(mode="json")
    claim.status, claim.invoice_ref = "invoiced", body.invoice_ref
    claim.closed_by, claim.closed_at = principal.actor, now
    await _changed(session, principal, claim, INTEREST_INVOICED, before, settings)
    return view(claim)


async def _accrued(session: AsyncSession, customer_code: str, item_id: str, today: date) -> InterestClaim:
    """An open invoice's interest as it stands today, or why it has none."""
    await customers.get(session, customer_code)
    row = await repository.invoice(session, customer_code, item_id)
    if row is None or row.status != "open" or row.open_amount <= 0:
        raise NoInterestClaim(f"invoice {item_id} of {customer_code} has no late interest to claim")
    policy = await dunning_policies.active(session)
    key = (customer_code, item_id)
    paid, corrected = await ledger.reductions(session, [key]), await ledger.corrections(session, [key])
    late = owed(row, paid.get(key, []), today, policy, corrected.get(key, []))
    if late is None or not (late.interest or late.compensation):
        raise NoInterestClaim(f"invoice {item_id} of {customer_code} owes no late interest")
    return _claim(row, late, None, "accruing", policy.version)


def _claim(
    row: Any, late: interest.LateInterest, settled_on: date | None, status: str, policy_version: str
) -> InterestClaim:
    return InterestClaim(
        customer_code=row.customer_code,
        item_id=row.item_id,
        currency=row.currency,
        due_date=row.due_date,
        settled_on=settled_on,
        interest=late.interest,
        compensation=late.compensation,
        days_late=late.days_late,
        periods=[
            {
                "first": p.first.isoformat(),
                "last": p.last.isoformat(),
                "days": p.days,
                "balance": format_amount(p.balance, row.currency),
                "annual_rate": f"{p.rate.normalize():f}",
            }
            for p in late.periods
        ],
        policy_version=policy_version,
        status=status,
    )


def view(claim: InterestClaim, as_of: date | None = None) -> InterestClaimOut:
    return InterestClaimOut.model_validate(
        {
            **{k: getattr(claim, k) for k in InterestClaimOut.model_fields if hasattr(claim, k)},
            "interest": format_amount(claim.interest, claim.currency),
            "compensation": format_amount(claim.compensation, claim.currency),
            "as_of": as_of,
        }
    )


def _event(claim: InterestClaim, principal: Principal) -> InterestClaimChanged:
    return InterestClaimChanged.model_validate(
        {
            **{k: getattr(claim, k) for k in InterestClaimChanged.model_fields if hasattr(claim, k)},
            "interest": format_amount(claim.interest, claim.currency),
            "compensation": format_amount(claim.compensation, claim.currency),
            "changed_by": principal.actor,
        }
    )


def _publish(
    session: AsyncSession, claim: InterestClaim, type_: str, principal: Principal, settings: ApiSettings
) -> InterestClaimChanged:
    data = _event(claim, principal)
    event = new_event(source=settings.source, type_=type_, subject=claim.customer_code, data=data)
    session.add(outbox_row(Outbox, settings.credit_events_topic, event))
    return data


async def _changed(
    session: AsyncSession,
    principal: Principal,
    claim: InterestClaim,
    action: str,
    before: dict[str, Any] | None,
    settings: ApiSettings,
) -> None:
    """A person's change: published and audited."""
    after = _publish(session, claim, action, principal, settings).model_dump(mode="json")
    key = f"{claim.customer_code}/{claim.item_id}"
    await record(session, principal, action, "interest_claim", key, before=before, after=after)
