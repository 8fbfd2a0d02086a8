"""Cash application's queue: the matches the risk worker was not sure enough of to apply, for a
credit controller to confirm (as proposed, or with other allocations) or reject; and applied matches
to reverse. Each is one command that decides, audits and publishes: a confirmation is a
`payment.allocated` and a reversal a `payment.allocation_reversed` on the ERP topic, which the
ledger applies exactly once and the ERP books."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.collections.cash_application import repository
from services.credit_api.collections.cash_application.errors import (
    CashMatchNotFound,
    CashMatchSettled,
    InvalidCashAllocation,
)
from services.credit_api.collections.cash_application.schemas import (
    CashMatchOut,
    ConfirmIn,
    LineIn,
    MatchLineOut,
    RejectIn,
    Status,
)
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from shared.domain.cash_application import OpenItem, spread
from shared.domain.errors import Conflict, InvalidAmount
from shared.domain.money import format_amount, parse_amount
from shared.events import (
    PAYMENT_ALLOCATED,
    PAYMENT_ALLOCATION_REVERSED,
    AppliedLine,
    PaymentAllocated,
    PaymentAllocationReversed,
    new_event,
)
from shared.models.credit_api import CashMatchDecision, Outbox
from shared.outbox import outbox_row

# What a person may still decide, and what the queue shows by default.
UNDECIDED: tuple[Status, ...] = ("pending", "refused")


async def queue(
    session: AsyncSession,
    statuses: Sequence[Status],
    customer_code: str | None,
    limit: int,
    *,
    newest_first: bool = False,
) -> list[CashMatchOut]:
    found = await repository.listing(
        session, statuses or UNDECIDED, customer_code, limit, newest_first=newest_first
    )
    return [view(r) for r in found]


async def current(session: AsyncSession, payment_id: str, customer_code: str | None) -> CashMatchOut:
    return view(await _current(session, payment_id, customer_code))


async def _current(session: AsyncSession, payment_id: str, customer_code: str | None) -> Row[Any]:
    rows = await repository.of_payment(session, payment_id, customer_code)
    if not rows:
        raise CashMatchNotFound(f"no cash application match for payment {payment_id}", payment_id=payment_id)
    if len({r.customer_code for r in rows}) > 1:
        raise Conflict(
            f"payment {payment_id} is known for several customers: name one with ?customer_code=",
            payment_id=payment_id,
        )
    return rows[0]


async def confirm(
    session: AsyncSession,
    principal: Principal,
    payment_id: str,
    customer_code: str | None,
    body: ConfirmIn,
    now: datetime,
    settings: ApiSettings,
) -> CashMatchOut:
    """Apply the match as proposed, or the allocations given instead."""
    row = await _current(session, payment_id, customer_code)
    if row.status not in UNDECIDED:
        raise CashMatchSettled(f"the match of payment {payment_id} is {row.status}", match_status=row.status)
    lines = await _checked(session, row, body.allocations)
    decision = _decision(row, "confirmed", lines, body.note, principal, now)
    await repository.decide(session, decision)
    data = PaymentAllocated(
        payment_id=row.payment_id,
        customer_code=row.customer_code,
        currency=row.currency,
        match_id=row.match_id,
        allocations=lines,
        applied_by=principal.actor,
        confidence=str(row.confidence),
        reasons=[*row.reasons, f"confirmed by {principal.actor}"],
        policy_version=row.policy_version,
    )
    await _publish(session, settings, PAYMENT_ALLOCATED, data)
    return await _decided(session, principal, row, "confirmed", "applying", data.model_dump(mode="json"))


async def confirm_picked(
    session: AsyncSession,
    principal: Principal,
    payment_id: str,
    customer_code: str | None,
    invoice_ids: Sequence[str],
    note: str | None,
    now: datetime,
    settings: ApiSettings,
) -> CashMatchOut:
    """Apply the payment to the invoices a person picked: its cash spread over them oldest first,
    the rest on account."""
    row = await _current(session, payment_id, customer_code)
    picked = [
        OpenItem(r.customer_code, r.item_id, r.currency, r.open_amount, r.due_date)
        for r in (await open_items_of(session, [row.customer_code])).get(row.customer_code, [])
        if r.item_id in invoice_ids and r.currency == row.currency
    ]
    missing = sorted(set(invoice_ids) - {i.item_id for i in picked})
    if missing:
        raise InvalidCashAllocation.at(
            "/allocations",
            f"not open invoices of {row.customer_code} in {row.currency}: {', '.join(missing)}",
        )
    lines = [LineIn(invoice_id=line.item_id, amount=line.amount) for line in spread(row.amount, picked)]
    return await confirm(
        session,
        principal,
        payment_id,
        row.customer_code,
        ConfirmIn(allocations=lines, note=note),
        now,
        settings,
    )


async def open_items_of(session: AsyncSession, codes: Sequence[str]) -> dict[str, list[Row[Any]]]:
    """Per customer, its open invoices oldest due first."""
    found: dict[str, list[Row[Any]]] = {}
    for row in await repository.open_items_of(session, codes):
        if row.open_amount > 0:
            found.setdefault(row.customer_code, []).append(row)
    return found


async def reject(
    session: AsyncSession,
    principal: Principal,
    payment_id: str,
    customer_code: str | None,
    body: RejectIn,
    now: datetime,
    settings: ApiSettings,
) -> CashMatchOut:
    """A waiting match is set aside (the cash stays on account); an applied one is undone."""
    row = await _current(session, payment_id, customer_code)
    if row.status in UNDECIDED:
        await repository.decide(session, _decision(row, "rejected", [], body.note, principal, now))
        return await _decided(session, principal, row, "rejected", "rejected", {"note": body.note})
    if row.status == "applied":
        lines = [_applied(line) for line in repository.lines_of(row)]
        await repository.decide(session, _decision(row, "reversed", lines, body.note, principal, now))
        data = PaymentAllocationReversed(
            payment_id=row.payment_id,
            customer_code=row.customer_code,
            currency=row.currency,
            match_id=row.match_id,
            allocations=lines,
            reversed_date=now.date(),
            reversed_by=principal.actor,
            reason=body.note,
        )
        await _publish(session, settings, PAYMENT_ALLOCATION_REVERSED, data)
        return await _decided(session, principal, row, "reversed", "reversing", data.model_dump(mode="json"))
    raise CashMatchSettled(f"the match of payment {payment_id} is {row.status}", match_status=row.status)


async def _decided(
    session: AsyncSession,
    principal: Principal,
    row: Row[Any],
    action: str,
    status: Status,
    after: dict[str, Any],
) -> CashMatchOut:
    """Audited (`cash_match.<action>`), and the match as it now stands to the person."""
    before = view(row)
    await record(
        session,
        principal,
        f"cash_match.{action}",
        "cash_match",
        str(row.match_id),
        before=before.model_dump(mode="json"),
        after=after,
    )
    return before.model_copy(update={"status": status, "decided_by": principal.actor})


async def paused(session: AsyncSession, codes: Sequence[str]) -> dict[str, set[str]]:
    """Per customer, its invoices that a payment waiting for a person (or on its way to the ledger)
    may pay: not dunned meanwhile."""
    found: dict[str, set[str]] = {}
    for code, item_id in await repository.matched_items(session, codes):
        found.setdefault(code, set()).add(item_id)
    return found


def _applied(line: dict[str, Any]) -> AppliedLine:
    deduction = line.get("deduction")
    return AppliedLine.of(
        line["invoice_id"],
        Decimal(line["amount"]),
        Decimal(deduction) if deduction else None,
        line.get("deduction_reason"),
    )


async def _checked(session: AsyncSession, row: Row[Any], given: Sequence[LineIn] | None) -> list[AppliedLine]:
    """The allocations to apply: the proposal's or the person's, each to an open invoice of the
    payer for no more than it leaves open, together no more than the cash."""
    proposed = repository.lines_of(row)
    if given is None:
        foreign = sorted({line["customer_code"] for line in proposed} - {row.customer_code})
        if foreign:
            raise InvalidCashAllocation.at(
                "/allocations",
                f"the proposal pays invoices of {', '.join(foreign)}: move the payment to that customer "
                "in the ERP, or confirm allocations to this customer's own invoices",
            )
        lines = [_applied(line) for line in proposed]
    else:
        lines = [
            AppliedLine.of(line.invoice_id, line.amount, line.deduction, line.deduction_reason)
            for line in given
        ]
    if not lines:
        raise InvalidCashAllocation.at(
            "/allocations", "nothing was proposed: name the invoices this payment pays"
        )
    errors: list[dict[str, str]] = []
    named = {line.invoice_id for line in lines}
    open_items = {
        r.item_id: (r.currency, r.open_amount)
        for r in await repository.open_items_of(session, [row.customer_code])
        if r.item_id in named
    }
    seen: set[str] = set()
    for n, line in enumerate(lines):
        where = f"#/allocations/{n}"
        try:
            parse_amount(line.amount, row.currency)
            if line.deduction is not None:
                parse_amount(line.deduction, row.currency)
        except InvalidAmount as exc:
            errors.append({"pointer": where, "detail": exc.detail})
            continue
        if (line.deduction is None) != (line.deduction_reason is None):
            errors.append({"pointer": where, "detail": "a deduction comes with its reason"})
        found = open_items.get(line.invoice_id)
        if line.invoice_id in seen:
            errors.append({"pointer": where, "detail": f"invoice {line.invoice_id} appears twice"})
        seen.add(line.invoice_id)
        if found is None:
            errors.append(
                {"pointer": where, "detail": f"{line.invoice_id} is not an invoice of {row.customer_code}"}
            )
        elif found[0] != row.currency:
            errors.append({"pointer": where, "detail": f"{line.invoice_id} is in {found[0]}"})
        elif line.amount + (line.deduction or 0) > found[1]:
            errors.append(
                {
                    "pointer": where,
                    "detail": f"{line.invoice_id} leaves {format_amount(found[1], row.currency)} open",
                }
            )
    cash = sum((line.amount for line in lines), Decimal(0))
    if cash > row.amount:
        errors.append(
            {
                "pointer": "#/allocations",
                "detail": f"{format_amount(cash, row.currency)} is more than the payment's "
                f"{format_amount(row.amount, row.currency)} unallocated",
            }
        )
    if errors:
        raise InvalidCashAllocation(
            "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors), errors=errors
        )
    return lines


def _decision(
    row: Row[Any],
    decision: str,
    lines: Sequence[AppliedLine],
    note: str | None,
    principal: Principal,
    now: datetime,
) -> CashMatchDecision:
    return CashMatchDecision(
        match_id=row.match_id,
        decision=decision,
        customer_code=row.customer_code,
        payment_id=row.payment_id,
        lines=[line.model_dump(mode="json") for line in lines],
        note=note,
        decided_by=principal.actor,
        decided_at=now,
    )


async def _publish(
    session: AsyncSession,
    settings: ApiSettings,
    type_: str,
    data: PaymentAllocated | PaymentAllocationReversed,
) -> None:
    event = new_event(source=settings.source, type_=type_, subject=data.customer_code, data=data)
    session.add(outbox_row(Outbox, settings.ar_events_topic, event))


def view(row: Row[Any]) -> CashMatchOut:
    currency = row.currency
    return CashMatchOut(
        match_id=row.match_id,
        customer_code=row.customer_code,
        payment_id=row.payment_id,
        currency=currency,
        amount=format_amount(row.amount, currency),
        received_date=row.received_date,
        remittance_text=row.remittance_text,
        bank_reference=row.bank_reference,
        payer_name=row.payer_name,
        payer_account=row.payer_account,
        confidence=f"{row.confidence:.2f}",
        lines=[
            MatchLineOut(
                customer_code=line["customer_code"],
                invoice_id=line["invoice_id"],
                amount=format_amount(Decimal(line["amount"]), currency),
                deduction=format_amount(Decimal(line["deduction"]), currency)
                if line.get("deduction")
                else None,
                deduction_reason=line.get("deduction_reason"),
            )
            for line in repository.lines_of(row)
        ],
        reasons=list(row.reasons),
        held=list(row.held),
        status=row.status,
        status_reason=row.status_reason,
        applied_by=row.applied_by,
        decided_by=row.decided_by,
        policy_version=row.policy_version,
        proposed_at=row.proposed_at,
        changed_at=row.changed_at,
    )
