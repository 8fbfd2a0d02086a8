"""The receivables ledger's rules, with no I/O: open items, payments and their allocations, credit
notes, write-offs, and the balances that make up exposure. An item's open balance is its amount
less allocated payments, applied credit notes and write-offs.

A whole batch of events is applied at once: the caller loads every row the batch can touch (see
`wanted`), `Ledger.apply_all` runs the events in order in memory, and `Ledger.changes` says what to
write back, so a batch costs a handful of set-based statements rather than several per event. Each
event is checked in full before it changes anything, so an invalid one leaves no trace and the
events around it still apply.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum, StrEnum
from typing import NamedTuple, TypeVar

from shared.domain.errors import InvalidAmount, InvalidEvent
from shared.domain.money import format_amount, parse_amount, round_money
from shared.events import (
    CreditNoteIssued,
    CustomerUpserted,
    InvoiceAdjusted,
    InvoiceCancelled,
    InvoiceIssued,
    InvoiceWrittenOff,
    PaymentAllocated,
    PaymentAllocationReversed,
    PaymentReceived,
    PaymentReversed,
)

ZERO = Decimal(0)

LedgerEvent = (
    CustomerUpserted
    | InvoiceIssued
    | InvoiceAdjusted
    | InvoiceCancelled
    | InvoiceWrittenOff
    | CreditNoteIssued
    | PaymentReceived
    | PaymentReversed
    | PaymentAllocated
    | PaymentAllocationReversed
)
LEDGER_EVENTS: tuple[type[LedgerEvent], ...] = (
    CustomerUpserted,
    InvoiceIssued,
    InvoiceAdjusted,
    InvoiceCancelled,
    InvoiceWrittenOff,
    CreditNoteIssued,
    PaymentReceived,
    PaymentReversed,
    PaymentAllocated,
    PaymentAllocationReversed,
)

Key = tuple[str, str]  # a customer code and a document's id, or an event's source and id
_Row = TypeVar("_Row")


@dataclass(eq=False, slots=True)
class Item:
    customer_code: str
    item_id: str
    currency: str
    amount: Decimal
    open_amount: Decimal
    issue_date: date
    due_date: date
    order_ref: str | None = None
    status: str = "open"
    item_type: str = "invoice"
    # The business date of the movement that brought the open balance to zero; None while open.
    settled_on: date | None = None

    @property
    def key(self) -> Key:
        return self.customer_code, self.item_id

    def state(self) -> tuple[Decimal, Decimal, str, date | None]:
        return self.amount, self.open_amount, self.status, self.settled_on


@dataclass(eq=False, slots=True)
class Payment:
    customer_code: str
    payment_id: str
    currency: str
    amount: Decimal
    unallocated: Decimal
    received_date: date
    status: str = "received"

    @property
    def key(self) -> Key:
        return self.customer_code, self.payment_id

    def state(self) -> tuple[Decimal, str]:
        return self.unallocated, self.status


@dataclass(eq=False, slots=True)
class Allocation:
    """Part of a payment applied to one open item; `id` is None until stored. `deduction` is what
    cash application let settle the item besides the cash (a discount, bank charges): it reopens
    with the allocation."""

    customer_code: str
    payment_id: str
    item_id: str
    amount: Decimal
    allocated_on: date
    id: int | None = None
    deduction: Decimal = ZERO


@dataclass(eq=False, slots=True)
class CreditNote:
    customer_code: str
    credit_note_id: str
    currency: str
    amount: Decimal
    issue_date: date
    invoice_id: str | None
    applied: Decimal
    corrects: bool = False  # a correction of its invoice, not a settlement (late interest)

    @property
    def key(self) -> Key:
        return self.customer_code, self.credit_note_id


@dataclass(eq=False, slots=True)
class Parked:
    """An allocation to an invoice not yet known; applied when the invoice arrives."""

    customer_code: str
    invoice_id: str
    payment_id: str
    amount: Decimal
    allocated_on: date

    @property
    def key(self) -> tuple[str, str, str]:
        return self.customer_code, self.invoice_id, self.payment_id


class Movement(NamedTuple):
    """A line of the journal: ageing as of a past date sums them up to that date. A tuple, as a
    batch makes thousands of them."""

    customer_code: str
    account: str  # item, cash or credit
    item_id: str | None
    currency: str
    amount: Decimal
    effective_date: date
    # An item's line carries the item's due date (which never changes), so the roll rates follow each
    # due date's debts from month-end to month-end in a scan of the journal alone.
    due_date: date | None = None
    # What moved it (a Kind) and the document that did (the invoice, credit note or payment): the
    # lines of one document on one day are one line of the customer's statement of account.
    kind: str | None = None
    document_id: str | None = None


class Kind(StrEnum):
    """What moved a journal line: the ledger event, or a payment's money reaching an invoice that
    arrived after it (an allocation, which changes what the customer owes by nothing)."""

    INVOICE = "invoice"
    ADJUSTMENT = "adjustment"
    CANCELLATION = "cancellation"
    WRITE_OFF = "write_off"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"
    ALLOCATION = "allocation"
    REVERSAL = "reversal"
    # Cash application: what settled an item besides the cash, and an application undone.
    DEDUCTION = "deduction"
    UNALLOCATION = "unallocation"


_Match = Callable[["Allocation"], bool]


@dataclass
class Wanted:
    """The rows a batch can touch, for the caller to load before applying it."""

    items: set[Key] = field(default_factory=set)
    payments: set[Key] = field(default_factory=set)
    credit_notes: set[Key] = field(default_factory=set)
    # Invoices about to be issued: their parked allocations.
    parked_for_items: set[Key] = field(default_factory=set)
    # Invoices to cancel: their allocations and the credit notes applied to them.
    item_links: set[Key] = field(default_factory=set)
    # Payments to reverse: their allocations and parked allocations.
    payment_links: set[Key] = field(default_factory=set)


def wanted(events: Iterable[LedgerEvent]) -> Wanted:
    want = Wanted()
    for data in events:
        code = data.customer_code
        match data:
            case InvoiceIssued():
                want.items.add((code, data.invoice_id))
                want.parked_for_items.add((code, data.invoice_id))
            case InvoiceCancelled():
                want.items.add((code, data.invoice_id))
                want.item_links.add((code, data.invoice_id))
            case InvoiceAdjusted() | InvoiceWrittenOff():
                want.items.add((code, data.invoice_id))
            case CreditNoteIssued():
                want.credit_notes.add((code, data.credit_note_id))
                if data.invoice_id is not None:
                    want.items.add((code, data.invoice_id))
            case PaymentReceived():
                want.payments.add((code, data.payment_id))
                want.items.update((code, a.invoice_id) for a in data.allocations)
            case PaymentReversed():
                want.payments.add((code, data.payment_id))
                want.payment_links.add((code, data.payment_id))
            case PaymentAllocated():
                want.payments.add((code, data.payment_id))
                # Its parked allocations: cash waiting for an invoice is not free to apply.
                want.payment_links.add((code, data.payment_id))
                want.items.update((code, a.invoice_id) for a in data.allocations)
            case PaymentAllocationReversed():
                want.payments.add((code, data.payment_id))
                want.payment_links.add((code, data.payment_id))
                want.items.update((code, a.invoice_id) for a in data.allocations)
    return want


class Redelivered(Enum):
    """An event applied earlier in the same batch, sent again."""

    REDELIVERED = "redelivered"


REDELIVERED = Redelivered.REDELIVERED

# Per event: whether the customer's receivables went down (None for master data), why it was
# refused, or that it was a redelivery.
Outcome = bool | None | InvalidEvent | Redelivered


@dataclass
class Changes:
    """What a batch did, to be written back: rows to insert, update and delete, and deltas."""

    new_items: list[Item]
    changed_items: list[Item]
    new_payments: list[Payment]
    changed_payments: list[Payment]
    new_allocations: list[Allocation]
    removed_allocations: list[int]
    new_credit_notes: list[CreditNote]
    changed_credit_notes: list[CreditNote]
    new_parked: list[Parked]
    removed_parked: list[tuple[str, str, str]]
    movements: list[Movement]
    # customer, currency → open receivables, unallocated cash, unapplied credit
    balances: dict[Key, list[Decimal]]
    # customer, order, currency → amount invoiced
    invoiced: dict[tuple[str, str, str], Decimal]
    # customer → whether its master data arrived
    customers: dict[str, bool]


def _amount(value: Decimal, item: Item, *, positive: bool = True) -> Decimal:
    """An amount for an item, in the item's currency: which decimals are allowed is known only now."""
    try:
        return parse_amount(value, item.currency, positive=positive)
    except InvalidAmount as exc:
        raise InvalidEvent(f"invoice {item.item_id}: {exc.detail}") from None


class Ledger:
    """The rows a batch loaded, and the rules that change them."""

    def __init__(
        self,
        items: Iterable[Item] = (),
        payments: Iterable[Payment] = (),
        allocations: Iterable[Allocation] = (),
        credit_notes: Iterable[CreditNote] = (),
        parked: Iterable[Parked] = (),
    ) -> None:
        self._items = {i.key: i for i in items}
        self._payments = {p.key: p for p in payments}
        self._notes = {n.key: n for n in credit_notes}
        self._allocations: defaultdict[str, list[Allocation]] = defaultdict(list)
        for allocation in allocations:
            self._allocations[allocation.customer_code].append(allocation)
        self._parked: defaultdict[str, list[Parked]] = defaultdict(list)
        for p in parked:
            self._parked[p.customer_code].append(p)
        # As loaded, to tell inserts from updates at the end.
        self._loaded_items = {k: i.state() for k, i in self._items.items()}
        self._loaded_payments = {k: p.state() for k, p in self._payments.items()}
        self._loaded_notes = {k: n.applied for k, n in self._notes.items()}
        self._loaded_allocations = {a.id for a in self._all(self._allocations) if a.id is not None}
        self._loaded_parked = {p.key for p in self._all(self._parked)}
        self._movements: list[Movement] = []
        self._balances: dict[Key, list[Decimal]] = {}
        self._invoiced: defaultdict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
        self._customers: dict[str, bool] = {}

    def apply(self, data: LedgerEvent, on: date) -> bool | None:
        """Apply one event. Returns whether the customer's receivables went down (held orders may
        pass now), None for master data. `on` is the business date of events that carry none of
        their own (adjustments, cancellations). Raises InvalidEvent, having changed nothing."""
        code = data.customer_code
        match data:
            case CustomerUpserted():
                self._customers[code] = True
                return None
            case InvoiceIssued():
                decreased = self._issue_invoice(data)
            case InvoiceAdjusted():
                decreased = self._adjust_invoice(data, on)
            case InvoiceCancelled():
                decreased = self._cancel_invoice(data, on)
            case InvoiceWrittenOff():
                decreased = self._write_off(data)
            case CreditNoteIssued():
                decreased = self._issue_credit_note(data)
            case PaymentReceived():
                decreased = self._receive_payment(data)
            case PaymentReversed():
                decreased = self._reverse_payment(data)
            case PaymentAllocated():
                decreased = self._apply_cash(data)
            case PaymentAllocationReversed():
                decreased = self._unapply_cash(data)
        # A customer first seen in a ledger event is a stub until its master data arrives.
        self._customers.setdefault(code, False)
        return decreased

    def apply_all(self, events: Sequence[tuple[Key, LedgerEvent, date]]) -> list[Outcome]:
        """Apply a batch in order, each event keyed by its `(source, id)` and on its business date. A
        copy of an event applied earlier in the batch is a redelivery; a copy of a refused one is
        tried again, as it may apply by then."""
        outcomes: list[Outcome] = []
        applied: set[Key] = set()
        for key, data, on in events:
            if key in applied:
                outcomes.append(REDELIVERED)
                continue
            try:
                outcomes.append(self.apply(data, on))
            except InvalidEvent as exc:
                outcomes.append(exc)
            else:
                applied.add(key)
        return outcomes

    def changes(self) -> Changes:
        items = list(self._items.values())
        payments = list(self._payments.values())
        notes = list(self._notes.values())
        allocations = list(self._all(self._allocations))
        parked = list(self._all(self._parked))
        kept_allocations = {a.id for a in allocations}
        kept_parked = {p.key for p in parked}
        return Changes(
            new_items=[i for i in items if i.key not in self._loaded_items],
            changed_items=[
                i for i in items if i.key in self._loaded_items and self._loaded_items[i.key] != i.state()
            ],
            new_payments=[p for p in payments if p.key not in self._loaded_payments],
            changed_payments=[
                p
                for p in payments
                if p.key in self._loaded_payments and self._loaded_payments[p.key] != p.state()
            ],
            new_allocations=[a for a in allocations if a.id is None],
            removed_allocations=sorted(self._loaded_allocations - kept_allocations),
            new_credit_notes=[n for n in notes if n.key not in self._loaded_notes],
            changed_credit_notes=[
                n for n in notes if n.key in self._loaded_notes and self._loaded_notes[n.key] != n.applied
            ],
            new_parked=[p for p in parked if p.key not in self._loaded_parked],
            removed_parked=sorted(self._loaded_parked - kept_parked),
            movements=self._movements,
            balances=self._balances,
            invoiced=dict(self._invoiced),
            customers=self._customers,
        )

    # --- the rules, one per event type ---

    def _issue_invoice(self, invoice: InvoiceIssued) -> bool:
        code, cur = invoice.customer_code, invoice.currency
        if (code, invoice.invoice_id) in self._items:
            raise InvalidEvent(f"invoice {invoice.invoice_id} was already issued by another event")
        if invoice.due_date is None:
            raise InvalidEvent(
                f"invoice {invoice.invoice_id} has no due_date and customer {code} has no payment terms"
            )
        amount = round_money(invoice.amount, cur)
        item = Item(
            customer_code=code,
            item_id=invoice.invoice_id,
            currency=cur,
            amount=amount,
            open_amount=ZERO,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            order_ref=invoice.order_ref,
        )
        self._items[item.key] = item
        self._move(item, amount, invoice.issue_date, Kind.INVOICE, item.item_id)
        self._balance(code, cur, open_=amount)
        if invoice.order_ref:
            # Consumes the order's reservation in credit_api in this same commit: never counted twice.
            self._invoiced[code, invoice.order_ref, cur] += amount
        parked = [p for p in self._parked[code] if p.invoice_id == invoice.invoice_id]
        if not parked:
            return False
        # Payments that named this invoice before it arrived: their money moves from on account to it.
        self._parked[code] = [p for p in self._parked[code] if p.invoice_id != invoice.invoice_id]
        applied = ZERO
        # Oldest payment first, so that which payment an invoice consumed never depends on row order.
        for allocation in sorted(parked, key=lambda p: (p.allocated_on, p.payment_id)):
            share = min(allocation.amount, item.open_amount)
            if share > 0:
                # On account from the payment's date; applied once the invoice exists.
                on = max(allocation.allocated_on, invoice.issue_date)
                self._allocate(item, allocation.payment_id, share, on, Kind.ALLOCATION)
                self._payments[code, allocation.payment_id].unallocated -= share
                self._journal(code, "cash", cur, -share, on, Kind.ALLOCATION, allocation.payment_id)
                applied += share
        self._balance(code, cur, open_=-applied, cash=-applied)
        return applied > 0

    def _adjust_invoice(self, event: InvoiceAdjusted, on: date) -> bool:
        item = self._open_invoice(event.customer_code, event.invoice_id)
        total = _amount(event.amount, item, positive=False)
        settled = item.amount - item.open_amount
        if total < settled:
            raise InvalidEvent(
                f"invoice {item.item_id} cannot be adjusted to {format_amount(total, item.currency)}: "
                f"{format_amount(settled, item.currency)} is already paid, credited or written off"
            )
        delta = total - item.amount
        item.amount = total
        self._move(item, delta, on, Kind.ADJUSTMENT, item.item_id)
        if item.open_amount > 0:
            item.status = "open"  # a written-off invoice raised again is owed again
        self._balance(item.customer_code, item.currency, open_=delta)
        if item.order_ref:
            self._invoiced[item.customer_code, item.order_ref, item.currency] += delta
        return delta < 0

    def _cancel_invoice(self, event: InvoiceCancelled, on: date) -> bool:
        """Payments allocated to it go back on account; credit notes applied to it become unapplied."""
        code = event.customer_code
        item = self._open_invoice(code, event.invoice_id)
        returned = ZERO
        for allocation in self._take_allocations(code, lambda a: a.item_id == item.item_id):
            self._payments[code, allocation.payment_id].unallocated += allocation.amount
            returned += allocation.amount
        credited = ZERO
        for note in self._notes.values():
            if note.customer_code == code and note.invoice_id == item.item_id and note.applied > 0:
                credited += note.applied
                note.applied = ZERO
        self._journal(code, "cash", item.currency, returned, on, Kind.CANCELLATION, item.item_id)
        self._journal(code, "credit", item.currency, credited, on, Kind.CANCELLATION, item.item_id)
        self._balance(code, item.currency, open_=-item.open_amount, cash=returned, credit=credited)
        if item.order_ref:
            self._invoiced[code, item.order_ref, item.currency] -= item.amount
        self._move(item, -item.open_amount, on, Kind.CANCELLATION, item.item_id)
        item.status = "cancelled"
        return True

    def _write_off(self, event: InvoiceWrittenOff) -> bool:
        item = self._open_invoice(event.customer_code, event.invoice_id)
        amount = item.open_amount if event.amount is None else _amount(event.amount, item)
        if amount > item.open_amount:
            raise InvalidEvent(
                f"write-off {format_amount(amount, item.currency)} exceeds the open balance "
                f"{format_amount(item.open_amount, item.currency)} of invoice {item.item_id}"
            )
        self._move(item, -amount, event.date, Kind.WRITE_OFF, item.item_id)
        if item.open_amount == 0:
            item.status = "written_off"
        self._balance(item.customer_code, item.currency, open_=-amount)
        return amount > 0

    def _issue_credit_note(self, note: CreditNoteIssued) -> bool:
        """Applied to its invoice up to the open balance; the rest, or all without an invoice, stays
        on account as unapplied credit."""
        code, cur = note.customer_code, note.currency
        item = None
        if note.invoice_id is not None:
            item = self._open_invoice(code, note.invoice_id)
            if item.currency != cur:
                raise InvalidEvent(f"credit note in {cur} for invoice {item.item_id} in {item.currency}")
        if (code, note.credit_note_id) in self._notes:
            raise InvalidEvent(f"credit note {note.credit_note_id} was already issued by another event")
        applied = ZERO if item is None else min(note.amount, item.open_amount)
        if item is not None:
            self._move(item, -applied, note.issue_date, Kind.CREDIT_NOTE, note.credit_note_id)
        credit = CreditNote(
            customer_code=code,
            credit_note_id=note.credit_note_id,
            currency=cur,
            amount=note.amount,
            issue_date=note.issue_date,
            invoice_id=note.invoice_id,
            applied=applied,
            corrects=note.corrects,
        )
        self._notes[credit.key] = credit
        self._journal(
            code, "credit", cur, note.amount - applied, note.issue_date, Kind.CREDIT_NOTE, note.credit_note_id
        )
        self._balance(code, cur, open_=-applied, credit=note.amount - applied)
        return True

    def _receive_payment(self, payment: PaymentReceived) -> bool:
        """Allocate to the invoices named; an invoice not yet known gets its share when it arrives;
        the rest stays on account as unallocated cash."""
        code, cur = payment.customer_code, payment.currency
        if (code, payment.payment_id) in self._payments:
            raise InvalidEvent(f"payment {payment.payment_id} was already received by another event")
        known = [(a, self._items.get((code, a.invoice_id))) for a in payment.allocations]
        for allocation, item in known:
            if item is None:
                continue
            if item.status == "cancelled":
                raise InvalidEvent(f"allocation to cancelled invoice {item.item_id}")
            if item.currency != cur:
                raise InvalidEvent(f"payment in {cur} allocated to invoice {item.item_id} in {item.currency}")
            self._check_allocation(item, allocation.amount)
        on = payment.received_date
        record = Payment(
            customer_code=code,
            payment_id=payment.payment_id,
            currency=cur,
            amount=payment.amount,
            unallocated=payment.amount,
            received_date=on,
        )
        self._payments[record.key] = record
        allocated = ZERO
        for allocation, item in known:
            if item is None:
                self._parked[code].append(
                    Parked(code, allocation.invoice_id, payment.payment_id, allocation.amount, on)
                )
            else:
                self._allocate(item, payment.payment_id, allocation.amount, on, Kind.PAYMENT)
                allocated += allocation.amount
        record.unallocated -= allocated
        self._journal(code, "cash", cur, payment.amount - allocated, on, Kind.PAYMENT, payment.payment_id)
        self._balance(code, cur, open_=-allocated, cash=payment.amount - allocated)
        return True

    def _reverse_payment(self, event: PaymentReversed) -> bool:
        """A bounced payment: its allocations are undone and the items reopen with their due dates."""
        code, on = event.customer_code, event.reversed_date
        payment = self._payments.get((code, event.payment_id))
        if payment is None:
            raise InvalidEvent(f"unknown payment {event.payment_id}")
        if payment.status == "reversed":
            raise InvalidEvent(f"payment {event.payment_id} is already reversed")
        reopened = ZERO
        for allocation in self._take_allocations(code, lambda a: a.payment_id == payment.payment_id):
            item = self._items[code, allocation.item_id]
            # A discount or bank charges granted with the payment fall with it.
            back = allocation.amount + allocation.deduction
            self._move(item, back, on, Kind.REVERSAL, payment.payment_id)
            item.status = "open"
            reopened += back
        self._parked[code] = [p for p in self._parked[code] if p.payment_id != payment.payment_id]
        self._journal(
            code, "cash", payment.currency, -payment.unallocated, on, Kind.REVERSAL, payment.payment_id
        )
        self._balance(code, payment.currency, open_=reopened, cash=-payment.unallocated)
        payment.unallocated = ZERO
        payment.status = "reversed"
        return False

    def _applied_lines(
        self, event: PaymentAllocated | PaymentAllocationReversed
    ) -> tuple[Payment, list[tuple[Item, Decimal, Decimal]]]:
        """The payment and, per line, the invoice, the cash and the deduction; checked in full."""
        code = event.customer_code
        payment = self._payments.get((code, event.payment_id))
        if payment is None:
            raise InvalidEvent(f"unknown payment {event.payment_id}")
        if payment.status == "reversed":
            raise InvalidEvent(f"payment {event.payment_id} is reversed")
        if payment.currency != event.currency:
            raise InvalidEvent(f"payment {event.payment_id} is in {payment.currency}, not {event.currency}")
        lines = []
        for line in event.allocations:
            item = self._open_invoice(code, line.invoice_id)
            if item.currency != payment.currency:
                raise InvalidEvent(
                    f"payment in {payment.currency} applied to invoice {item.item_id} in {item.currency}"
                )
            lines.append((item, line.amount, line.deduction or ZERO))
        return payment, lines

    def _apply_cash(self, event: PaymentAllocated) -> bool:
        """Cash application: part of a payment's unallocated cash reaches invoices, from the
        payment's date (so late interest stops then); a deduction settles the rest of an item."""
        payment, lines = self._applied_lines(event)
        code, cur = payment.customer_code, payment.currency
        cash = sum((amount for _, amount, _ in lines), ZERO)
        waiting = sum((p.amount for p in self._parked[code] if p.payment_id == payment.payment_id), ZERO)
        free = payment.unallocated - waiting
        if cash > free:
            raise InvalidEvent(
                f"{format_amount(cash, cur)} applied but payment {payment.payment_id} has "
                f"{format_amount(free, cur)} unallocated and not waiting for an invoice"
            )
        for item, amount, deduction in lines:
            self._check_allocation(item, amount + deduction)
        on = payment.received_date
        for item, amount, deduction in lines:
            self._move(item, -deduction, on, Kind.DEDUCTION, payment.payment_id)
            self._allocate(item, payment.payment_id, amount, on, Kind.ALLOCATION)
            self._allocations[code][-1].deduction = deduction
        payment.unallocated -= cash
        self._journal(code, "cash", cur, -cash, on, Kind.ALLOCATION, payment.payment_id)
        self._balance(code, cur, open_=-sum((a + d for _, a, d in lines), ZERO), cash=-cash)
        return True

    def _unapply_cash(self, event: PaymentAllocationReversed) -> bool:
        """A cash application undone: each line's allocation (cash and deduction alike) goes back on
        account from the reversal's date, and the invoices reopen."""
        payment, lines = self._applied_lines(event)
        code, cur, on = payment.customer_code, payment.currency, event.reversed_date
        mine = self._allocations[code]
        taken: list[Allocation] = []
        for item, amount, deduction in lines:
            found = next(
                (
                    a
                    for a in mine
                    if a.payment_id == payment.payment_id
                    and a.item_id == item.item_id
                    and a.amount == amount
                    and a.deduction == deduction
                    and a not in taken
                ),
                None,
            )
            if found is None:
                raise InvalidEvent(
                    f"payment {payment.payment_id} has no allocation of {format_amount(amount, cur)} "
                    f"to invoice {item.item_id} to undo"
                )
            taken.append(found)
        self._allocations[code] = [a for a in mine if a not in taken]
        cash = ZERO
        for item, amount, deduction in lines:
            self._move(item, amount + deduction, on, Kind.UNALLOCATION, payment.payment_id)
            item.status = "open"
            cash += amount
        payment.unallocated += cash
        self._journal(code, "cash", cur, cash, on, Kind.UNALLOCATION, payment.payment_id)
        self._balance(code, cur, open_=sum((a + d for _, a, d in lines), ZERO), cash=cash)
        return False

    # --- helpers ---

    def _open_invoice(self, customer_code: str, invoice_id: str) -> Item:
        item = self._items.get((customer_code, invoice_id))
        if item is None:
            raise InvalidEvent(f"unknown invoice {invoice_id}")
        if item.status == "cancelled":
            raise InvalidEvent(f"invoice {invoice_id} is cancelled")
        return item

    @staticmethod
    def _check_allocation(item: Item, amount: Decimal) -> None:
        if amount > item.open_amount:
            raise InvalidEvent(
                f"allocation {format_amount(amount, item.currency)} exceeds the open balance "
                f"{format_amount(item.open_amount, item.currency)} of invoice {item.item_id}"
            )

    def _allocate(self, item: Item, payment_id: str, amount: Decimal, on: date, kind: Kind) -> None:
        self._move(item, -amount, on, kind, payment_id)
        self._allocations[item.customer_code].append(
            Allocation(item.customer_code, payment_id, item.item_id, amount, on)
        )

    def _take_allocations(self, customer_code: str, matches: _Match) -> list[Allocation]:
        mine = self._allocations[customer_code]
        taken = [a for a in mine if matches(a)]
        self._allocations[customer_code] = [a for a in mine if not matches(a)]
        return taken

    def _move(self, item: Item, delta: Decimal, on: date, kind: Kind, document_id: str) -> None:
        """Change an item's open balance, and journal it for ageing as of any date."""
        if delta:
            item.open_amount += delta
            item.settled_on = on if item.open_amount == 0 else None
            self._movements.append(
                Movement(
                    item.customer_code,
                    "item",
                    item.item_id,
                    item.currency,
                    delta,
                    on,
                    item.due_date,
                    kind.value,
                    document_id,
                )
            )

    def _journal(
        self, code: str, account: str, currency: str, amount: Decimal, on: date, kind: Kind, document_id: str
    ) -> None:
        if amount:
            self._movements.append(
                Movement(code, account, None, currency, amount, on, None, kind.value, document_id)
            )

    def _balance(
        self, code: str, currency: str, *, open_: Decimal = ZERO, cash: Decimal = ZERO, credit: Decimal = ZERO
    ) -> None:
        total = self._balances.setdefault((code, currency), [ZERO, ZERO, ZERO])
        total[0] += open_
        total[1] += cash
        total[2] += credit

    @staticmethod
    def _all(rows: dict[str, list[_Row]]) -> Iterable[_Row]:
        return (row for group in rows.values() for row in group)
