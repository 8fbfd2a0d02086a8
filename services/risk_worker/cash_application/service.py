"""Cash application in the risk worker: a payment the ledger applied that leaves cash unallocated is
matched to open invoices (`shared.domain.cash_application`) by the handler of the ledger's
`BatchApplied`, in the batch's transaction, so once per payment whatever Kafka redelivers. A match
sure enough is applied: its `payment.allocated` leaves through the outbox onto the ERP topic, where
the ledger applies it like any ledger event (exactly once, by its inbox) and the ERP books it. The
others wait for a person in credit_api's queue.

What the ledger then does with a match (applied, refused, undone, or gone with its bounced payment)
is written back to the match in the transaction that does it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.risk_worker.cash_application import repository
from services.risk_worker.ledger.events import BatchApplied
from services.risk_worker.settings import WorkerSettings
from shared import cash_application_policies
from shared.domain.cash_application import Line, Match, OpenItem, Policy, Remittance, match, references
from shared.domain.errors import InvalidEvent
from shared.domain.ledger import Key, Outcome
from shared.events import (
    PAYMENT_ALLOCATED,
    AppliedLine,
    InvoiceIssued,
    PaymentAllocated,
    PaymentAllocationReversed,
    PaymentReceived,
    PaymentReversed,
    new_event,
)
from shared.models.risk_worker import Outbox
from shared.outbox import add_to_outbox
from shared.policy_documents import Parsed

AUTOMATIC = "cash-application"
NOTHING_FITS = "nothing open fits the amount or the remittance"


@cache
def _policies() -> Parsed[Policy]:
    """The cash application policy of each version, parsed once in the process."""
    return Parsed(cash_application_policies.default(), cash_application_policies.parse)


async def on_batch_applied(session: AsyncSession, settings: WorkerSettings, event: BatchApplied) -> None:
    """The ledger applied a batch: what it did with matches' events is written back to them; the
    payments it applied are matched; and payments that nothing fitted, matched again for the
    customers that have new invoices."""
    applied = [data for data, outcome in event.events if not isinstance(outcome, InvalidEvent)]
    await settle(
        session,
        [
            (data, outcome)
            for data, outcome in event.events
            if isinstance(data, PaymentAllocated | PaymentAllocationReversed | PaymentReversed)
        ],
        event.at,
    )
    await propose(session, settings, [d for d in applied if isinstance(d, PaymentReceived)], event.at)
    invoiced = sorted({d.customer_code for d in applied if isinstance(d, InvoiceIssued)})
    await rematch(session, settings, invoiced, event.at)


def _remittance(data: PaymentReceived, free: Decimal) -> Remittance:
    return Remittance(
        data.customer_code,
        data.payment_id,
        data.currency,
        free,
        data.received_date,
        data.remittance_text or "",
        data.bank_reference or "",
    )


def _claims(lines: Sequence[Line]) -> dict[Key, Decimal]:
    """What lines take from each item: cash and deduction."""
    taken: dict[Key, Decimal] = {}
    for line in lines:
        key = (line.customer_code, line.item_id)
        taken[key] = taken.get(key, Decimal(0)) + line.amount + line.deduction
    return taken


def _taken(items: list[OpenItem], taken: dict[Key, Decimal]) -> list[OpenItem]:
    """The items less what matches already take from them."""
    return [
        replace(i, open_amount=i.open_amount - taken.get((i.customer_code, i.item_id), Decimal(0)))
        for i in items
    ]


async def propose(
    session: AsyncSession,
    settings: WorkerSettings,
    payments: Sequence[PaymentReceived],
    now: datetime,
    *,
    found_only: bool = False,
) -> set[Key]:
    """Match the cash these payments left unallocated; apply what the policy is sure of. With
    `found_only`, a payment that nothing fits gets no match. Returns the payments matched."""
    if not payments:
        return set()
    free = await repository.free_cash(session, [(p.customer_code, p.payment_id) for p in payments])
    waiting = [p for p in payments if free.get((p.customer_code, p.payment_id), Decimal(0)) > 0]
    if not waiting:
        return set()
    policy = _policies().active(await repository.active_policy(session))
    codes = sorted({p.customer_code for p in waiting})
    members = await repository.group_members(session, codes) if policy.group_items else {}
    everyone = sorted({*codes, *(m for others in members.values() for m in others)})
    items = _taken(
        await repository.open_items(session, everyone), await repository.in_flight(session, everyone)
    )
    numbers = sorted(
        {
            n
            for p in waiting
            for n in references(f"{p.bank_reference or ''} {p.remittance_text or ''}", policy.prefixes)
        }
    )
    named = await repository.named_items(session, numbers)
    matches: list[tuple[uuid.UUID, dict[str, Any], Match, str, str]] = []
    events = []
    for p in waiting:
        mine = {p.customer_code, *members.get(p.customer_code, ())}
        candidates = [i for i in items if i.customer_code in mine]
        elsewhere = [i for i in named if i.customer_code not in mine]
        found = match(_remittance(p, free[p.customer_code, p.payment_id]), candidates, policy, elsewhere)
        if found is None and found_only:
            continue
        found = found or Match(Decimal(0), (), (NOTHING_FITS,))
        match_id = uuid.uuid4()
        status = "pending"
        if found.automatic(policy):
            status = "applying"
            # Later payments of the batch find these items as this match leaves them.
            items = _taken(items, _claims(found.lines))
            events.append(
                (
                    settings.ar_events_topic,
                    new_event(
                        source=settings.source,
                        type_=PAYMENT_ALLOCATED,
                        subject=p.customer_code,
                        data=allocated(p, match_id, found, AUTOMATIC, policy.version),
                    ),
                )
            )
        columns = p.model_dump(
            include={
                "customer_code",
                "payment_id",
                "currency",
                "received_date",
                "remittance_text",
                "bank_reference",
                "payer_name",
                "payer_account",
            }
        )
        columns["amount"] = free[p.customer_code, p.payment_id]
        matches.append((match_id, columns, found, status, policy.version))
    await repository.add(session, matches, now)
    await add_to_outbox(session, Outbox, events)
    return {(columns["customer_code"], columns["payment_id"]) for _, columns, _, _, _ in matches}


async def rematch(
    session: AsyncSession, settings: WorkerSettings, codes: Sequence[str], now: datetime
) -> None:
    """Payments that nothing fitted when they came (a prepayment before its invoice), that nobody
    has decided on yet, matched again now that these customers have new invoices; a match found
    replaces the old one."""
    if not codes:
        return
    old = await repository.unmatched(session, codes)
    payments = [
        PaymentReceived.model_validate(
            {
                "payment_id": r["payment_id"],
                "customer_code": r["customer_code"],
                "currency": r["currency"],
                "amount": str(r["amount"]),
                "received_date": r["received_date"],
                "remittance_text": r["remittance_text"],
                "bank_reference": r["bank_reference"],
                "payer_name": r["payer_name"],
                "payer_account": r["payer_account"],
            }
        )
        for r in old
    ]
    matched = await propose(session, settings, payments, now, found_only=True)
    replaced = [r["match_id"] for r in old if (r["customer_code"], r["payment_id"]) in matched]
    await repository.void(session, replaced, "matched again when invoices arrived", now)


def allocated(
    payment: PaymentReceived, match_id: uuid.UUID, found: Match, applied_by: str, version: str
) -> PaymentAllocated:
    return PaymentAllocated(
        payment_id=payment.payment_id,
        customer_code=payment.customer_code,
        currency=payment.currency,
        match_id=match_id,
        allocations=[
            AppliedLine.of(line.item_id, line.amount, line.deduction, line.deduction_reason)
            for line in found.lines
        ],
        applied_by=applied_by,
        confidence=str(found.confidence),
        reasons=list(found.reasons),
        policy_version=version,
    )


def _applied_lines(data: PaymentAllocated) -> str:
    return repository.lines_json(
        Line(data.customer_code, a.invoice_id, a.amount, a.deduction or Decimal(0), a.deduction_reason)
        for a in data.allocations
    )


async def settle(
    session: AsyncSession,
    outcomes: Sequence[tuple[PaymentAllocated | PaymentAllocationReversed | PaymentReversed, Outcome]],
    now: datetime,
) -> None:
    """What the ledger did with matches' events in this batch, written back to the matches."""
    changes: list[tuple[uuid.UUID, str, str | None, str | None, str | None]] = []
    bounced: list[Key] = []
    for data, outcome in outcomes:
        refused = outcome.detail if isinstance(outcome, InvalidEvent) else None
        match data:
            case PaymentAllocated():
                if refused is None:
                    changes.append((data.match_id, "applied", None, _applied_lines(data), data.applied_by))
                else:
                    changes.append((data.match_id, "refused", refused, None, None))
            case PaymentAllocationReversed():
                if refused is None:
                    reason = f"undone by {data.reversed_by}" + (f": {data.reason}" if data.reason else "")
                    changes.append((data.match_id, "reversed", reason, None, None))
            case PaymentReversed():
                if refused is None:
                    bounced.append((data.customer_code, data.payment_id))
    await repository.settle(session, changes, now)
    await repository.reverse_with_payments(session, bounced, now)
