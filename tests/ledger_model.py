"""A plain recomputation of the ledger from events, for checking the risk worker against: dicts
and Decimals, no database, the semantics written out once more in the simplest way. Every change
is also kept with the date it takes effect, so that ageing as of any date can be recomputed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from shared.domain import behaviour

ZERO = Decimal(0)
# Days past due: not due, 1–30, 31–60, 61–90, 91–120, beyond.
BUCKETS = (
    ("not_due", -(10**6), 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91-120", 91, 120),
)


def empty_buckets() -> dict[str, Decimal]:
    return {label: ZERO for label, _, _ in BUCKETS} | {">120": ZERO}


def bucket_of(days_past_due: int) -> str:
    return next((name for name, low, high in BUCKETS if low <= days_past_due <= high), ">120")


@dataclass
class Invoice:
    amount: Decimal
    open: Decimal
    currency: str
    issue_date: date
    due_date: date
    cancelled: bool = False
    written_off: bool = False


@dataclass
class Customer:
    invoices: dict[str, Invoice] = field(default_factory=dict)
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    cash: defaultdict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    credit: defaultdict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    parked: list[tuple[str, str, Decimal]] = field(default_factory=list)  # invoice, payment, amount
    credited: list[list[Any]] = field(default_factory=list)  # [invoice, credit note amount applied]
    notes: list[tuple[date, Decimal]] = field(default_factory=list)  # credit notes: issue date, amount
    # (effective date, invoice id or "cash"/"credit", amount)
    effects: list[tuple[date, str, Decimal]] = field(default_factory=list)

    def open_by_currency(self) -> dict[str, Decimal]:
        totals: defaultdict[str, Decimal] = defaultdict(Decimal)
        for invoice in self.invoices.values():
            totals[invoice.currency] += invoice.open
        return dict(totals)

    def ageing(self, as_of: date) -> tuple[dict[str, Decimal], Decimal, Decimal]:
        """(bucket → open amount, unallocated cash, unapplied credit) as of a date, by due date;
        single-currency customers only."""
        at: defaultdict[str, Decimal] = defaultdict(Decimal)
        for on, what, amount in self.effects:
            if on <= as_of:
                at[what] += amount
        buckets = empty_buckets()
        for invoice_id, invoice in self.invoices.items():
            if invoice.issue_date <= as_of:
                buckets[bucket_of((as_of - invoice.due_date).days)] += at[invoice_id]
        return buckets, at["cash"], at["credit"]

    def move(self, invoice_id: str, amount: Decimal, on: date) -> None:
        invoice = self.invoices[invoice_id]
        invoice.open += amount
        if invoice.open > 0:
            invoice.written_off = False  # owed again
        self.effects.append((on, invoice_id, amount))

    def payment_experience(self) -> list[behaviour.Invoice]:
        """Invoices as payment behaviour reads them: neither cancelled nor written off; settled on
        the date of the last movement that changed their balance, once it is zero."""
        last: dict[str, date] = {}
        for on, what, amount in self.effects:
            if amount and what in self.invoices:
                last[what] = on
        return [
            behaviour.Invoice(
                i.amount, i.open, i.issue_date, i.due_date, last[invoice_id] if i.open == 0 else None
            )
            for invoice_id, i in self.invoices.items()
            if not i.cancelled and not i.written_off
        ]

    def credit_sales(self, first: date, last: date) -> Decimal:
        """Invoices issued in the period (as they stand, unless cancelled) less credit notes issued."""
        invoiced = sum(
            (i.amount for i in self.invoices.values() if not i.cancelled and first <= i.issue_date <= last),
            ZERO,
        )
        return invoiced - sum((amount for on, amount in self.notes if first <= on <= last), ZERO)

    def receivables(self, as_of: date) -> Decimal:
        """What the invoices' movements up to the date add up to."""
        return sum((a for on, what, a in self.effects if on <= as_of and what in self.invoices), ZERO)

    def written_off(self) -> list[tuple[date, Decimal]]:
        """(day, amount) of each invoice written off to nothing: what came off it on the day of the
        movement that brought it to zero."""
        last: dict[str, date] = {}
        for on, what, amount in self.effects:
            if amount and what in self.invoices:
                last[what] = on
        found = []
        for invoice_id, i in self.invoices.items():
            if i.written_off and i.open == 0 and not i.cancelled:
                day = last[invoice_id]
                came_off = -sum(
                    (a for on, what, a in self.effects if what == invoice_id and on == day and a < 0), ZERO
                )
                found.append((day, came_off))
        return found

    def bounced(self) -> list[date]:
        return [p["reversed_on"] for p in self.payments.values() if p["reversed"]]

    def account(self, kind: str, currency: str, amount: Decimal, on: date) -> None:
        (self.cash if kind == "cash" else self.credit)[currency] += amount
        self.effects.append((on, kind, amount))


def _date(text: str) -> date:
    return date.fromisoformat(text)


class Ledger:
    def __init__(self) -> None:
        self.customers: defaultdict[str, Customer] = defaultdict(Customer)
        self.seen: set[tuple[str, str]] = set()
        self.rejected: list[str] = []

    def apply(self, event: dict[str, Any]) -> None:
        key = (event["source"], event["id"])
        if key in self.seen:
            return
        data = event["data"]
        customer = self.customers[event["subject"]]
        # Events without a date of their own (adjustments, cancellations) take effect on their time.
        self._on = date.fromisoformat(event["time"][:10]) if event.get("time") else date.today()
        handler = getattr(self, "_" + event["type"].replace(".", "_"))
        if handler(customer, data) is False:
            self.rejected.append(event["id"])
            return
        self.seen.add(key)

    def _invoice_issued(self, c: Customer, d: dict[str, Any]) -> bool:
        if d["invoice_id"] in c.invoices:
            return False
        issued = _date(d["issue_date"])
        c.invoices[d["invoice_id"]] = invoice = Invoice(
            ZERO, ZERO, d["currency"], issued, _date(d["due_date"])
        )
        invoice.amount = Decimal(d["amount"])
        c.move(d["invoice_id"], invoice.amount, issued)
        waiting = [p for p in c.parked if p[0] == d["invoice_id"]]
        for parked in sorted(waiting, key=lambda p: (c.payments[p[1]]["received"], p[1])):
            c.parked.remove(parked)
            share = min(parked[2], invoice.open)
            # Applied when both the payment and the invoice exist.
            on = max(c.payments[parked[1]]["received"], issued)
            c.move(d["invoice_id"], -share, on)
            c.account("cash", invoice.currency, -share, on)
            c.payments[parked[1]]["allocations"].append((d["invoice_id"], share, ZERO))
        return True

    def _payment_received(self, c: Customer, d: dict[str, Any]) -> bool:
        if d["payment_id"] in c.payments:
            return False
        allocations = [(a["invoice_id"], Decimal(a["amount"])) for a in d.get("allocations", [])]
        for invoice_id, amount in allocations:
            invoice = c.invoices.get(invoice_id)
            if invoice is not None and (
                invoice.cancelled or amount > invoice.open or invoice.currency != d["currency"]
            ):
                return False
        received = _date(d["received_date"])
        applied = []
        for invoice_id, amount in allocations:
            if invoice_id not in c.invoices:
                c.parked.append((invoice_id, d["payment_id"], amount))
                continue
            c.move(invoice_id, -amount, received)
            applied.append((invoice_id, amount, ZERO))
        c.payments[d["payment_id"]] = {
            "currency": d["currency"],
            "received": received,
            "amount": Decimal(d["amount"]),
            "allocations": applied,
            "reversed": False,
        }
        c.account(
            "cash", d["currency"], Decimal(d["amount"]) - sum((a for _, a, _ in applied), ZERO), received
        )
        return True

    @staticmethod
    def _applied(
        c: Customer, d: dict[str, Any]
    ) -> tuple[dict[str, Any], list[tuple[str, Decimal, Decimal]]] | None:
        """A cash application's payment (None: unknown, bounced or in another currency) and lines."""
        payment = c.payments.get(d["payment_id"])
        if payment is None or payment["reversed"] or payment["currency"] != d["currency"]:
            return None
        return payment, [
            (a["invoice_id"], Decimal(a["amount"]), Decimal(a.get("deduction") or 0))
            for a in d["allocations"]
        ]

    def _payment_allocated(self, c: Customer, d: dict[str, Any]) -> bool:
        """Cash application: unallocated cash not waiting for an invoice reaches invoices from the
        payment's date; a deduction settles the rest of an invoice."""
        found = self._applied(c, d)
        if found is None:
            return False
        payment, lines = found
        for invoice_id, amount, deduction in lines:
            invoice = c.invoices.get(invoice_id)
            if invoice is None or invoice.cancelled or invoice.currency != d["currency"]:
                return False
            if amount + deduction > invoice.open:
                return False
        free = (
            payment["amount"]
            - sum((a for _, a, _ in payment["allocations"]), ZERO)
            - sum((p[2] for p in c.parked if p[1] == d["payment_id"]), ZERO)
        )
        cash = sum((a for _, a, _ in lines), ZERO)
        if cash > free:
            return False
        for invoice_id, amount, deduction in lines:
            c.move(invoice_id, -(amount + deduction), payment["received"])
            payment["allocations"].append((invoice_id, amount, deduction))
        c.account("cash", d["currency"], -cash, payment["received"])
        return True

    def _payment_allocation_reversed(self, c: Customer, d: dict[str, Any]) -> bool:
        found = self._applied(c, d)
        if found is None:
            return False
        payment, lines = found
        left = list(payment["allocations"])
        for line in lines:
            invoice = c.invoices.get(line[0])
            if invoice is None or invoice.cancelled or line not in left:
                return False
            left.remove(line)
        on = _date(d["reversed_date"])
        for invoice_id, amount, deduction in lines:
            c.move(invoice_id, amount + deduction, on)
        payment["allocations"] = left
        c.account("cash", d["currency"], sum((a for _, a, _ in lines), ZERO), on)
        return True

    def _payment_reversed(self, c: Customer, d: dict[str, Any]) -> bool:
        payment = c.payments.get(d["payment_id"])
        if payment is None or payment["reversed"]:
            return False
        reversed_on = _date(d["reversed_date"])
        for invoice_id, amount, deduction in payment["allocations"]:
            c.move(invoice_id, amount + deduction, reversed_on)
        on_account = payment["amount"] - sum((a for _, a, _ in payment["allocations"]), ZERO)
        c.account("cash", payment["currency"], -on_account, reversed_on)
        c.parked = [p for p in c.parked if p[1] != d["payment_id"]]
        payment["allocations"] = []  # undone
        payment["reversed"] = True
        payment["reversed_on"] = reversed_on
        return True

    def _credit_note_issued(self, c: Customer, d: dict[str, Any]) -> bool:
        amount = Decimal(d["amount"])
        issued = _date(d["issue_date"])
        applied = ZERO
        if d.get("invoice_id"):
            invoice = c.invoices.get(d["invoice_id"])
            if invoice is None or invoice.cancelled or invoice.currency != d["currency"]:
                return False
            applied = min(amount, invoice.open)
            c.move(d["invoice_id"], -applied, issued)
            c.credited.append([d["invoice_id"], applied])
        c.account("credit", d["currency"], amount - applied, issued)
        c.notes.append((issued, amount))
        return True

    def _invoice_written_off(self, c: Customer, d: dict[str, Any]) -> bool:
        invoice = c.invoices.get(d["invoice_id"])
        if invoice is None or invoice.cancelled:
            return False
        amount = invoice.open if d.get("amount") is None else Decimal(d["amount"])
        if amount > invoice.open:
            return False
        c.move(d["invoice_id"], -amount, _date(d["date"]))
        invoice.written_off = invoice.open == 0
        return True

    def _invoice_adjusted(self, c: Customer, d: dict[str, Any]) -> bool:
        invoice = c.invoices.get(d["invoice_id"])
        total = Decimal(d["amount"])
        if invoice is None or invoice.cancelled or total < invoice.amount - invoice.open:
            return False
        c.move(d["invoice_id"], total - invoice.amount, self._on)
        invoice.amount = total
        return True

    def _invoice_cancelled(self, c: Customer, d: dict[str, Any]) -> bool:
        """Its payments go back on account, its credit notes become unapplied credit."""
        invoice = c.invoices.get(d["invoice_id"])
        if invoice is None or invoice.cancelled:
            return False
        for payment in c.payments.values():
            for invoice_id, amount, _ in payment["allocations"]:
                if invoice_id == d["invoice_id"]:
                    c.account("cash", invoice.currency, amount, self._on)
            payment["allocations"] = [a for a in payment["allocations"] if a[0] != d["invoice_id"]]
        for note in c.credited:
            if note[0] == d["invoice_id"]:
                c.account("credit", invoice.currency, note[1], self._on)
                note[1] = ZERO
        c.move(d["invoice_id"], -invoice.open, self._on)
        invoice.cancelled = True
        return True

    def _customer_upserted(self, c: Customer, d: dict[str, Any]) -> bool:
        return True  # master data: no money moves
