"""A plain recomputation of the ledger from events, for checking the risk worker against: dicts
and Decimals, no database, the semantics written out once more in the simplest way."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

ZERO = Decimal(0)


@dataclass
class Invoice:
    amount: Decimal
    open: Decimal
    currency: str
    cancelled: bool = False


@dataclass
class Customer:
    invoices: dict[str, Invoice] = field(default_factory=dict)
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    cash: defaultdict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    credit: defaultdict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    parked: list[tuple[str, str, Decimal]] = field(default_factory=list)  # invoice, payment, amount

    def open_by_currency(self) -> dict[str, Decimal]:
        totals: defaultdict[str, Decimal] = defaultdict(Decimal)
        for invoice in self.invoices.values():
            totals[invoice.currency] += invoice.open
        return dict(totals)


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
        handler = getattr(self, "_" + event["type"].replace(".", "_"))
        if handler(customer, data) is False:
            self.rejected.append(event["id"])
            return
        self.seen.add(key)

    def _invoice_issued(self, c: Customer, d: dict[str, Any]) -> bool:
        if d["invoice_id"] in c.invoices:
            return False
        amount = Decimal(d["amount"])
        invoice = c.invoices[d["invoice_id"]] = Invoice(amount, amount, d["currency"])
        waiting = [p for p in c.parked if p[0] == d["invoice_id"]]
        for parked in sorted(waiting, key=lambda p: (c.payments[p[1]]["received"], p[1])):
            c.parked.remove(parked)
            share = min(parked[2], invoice.open)
            invoice.open -= share
            c.cash[invoice.currency] -= share
            c.payments[parked[1]]["allocations"].append((d["invoice_id"], share))
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
        applied = []
        for invoice_id, amount in allocations:
            invoice = c.invoices.get(invoice_id)
            if invoice is None:
                c.parked.append((invoice_id, d["payment_id"], amount))
                continue
            invoice.open -= amount
            applied.append((invoice_id, amount))
        c.payments[d["payment_id"]] = {
            "currency": d["currency"],
            "received": d["received_date"],
            "amount": Decimal(d["amount"]),
            "allocations": applied,
            "reversed": False,
        }
        c.cash[d["currency"]] += Decimal(d["amount"]) - sum((a for _, a in applied), ZERO)
        return True

    def _payment_reversed(self, c: Customer, d: dict[str, Any]) -> bool:
        payment = c.payments.get(d["payment_id"])
        if payment is None or payment["reversed"]:
            return False
        for invoice_id, amount in payment["allocations"]:
            c.invoices[invoice_id].open += amount
        c.cash[payment["currency"]] -= payment["amount"] - sum((a for _, a in payment["allocations"]), ZERO)
        c.parked = [p for p in c.parked if p[1] != d["payment_id"]]
        payment["reversed"] = True
        return True

    def _credit_note_issued(self, c: Customer, d: dict[str, Any]) -> bool:
        amount = Decimal(d["amount"])
        applied = ZERO
        if d.get("invoice_id"):
            invoice = c.invoices.get(d["invoice_id"])
            if invoice is None or invoice.cancelled or invoice.currency != d["currency"]:
                return False
            applied = min(amount, invoice.open)
            invoice.open -= applied
        c.credit[d["currency"]] += amount - applied
        return True

    def _invoice_written_off(self, c: Customer, d: dict[str, Any]) -> bool:
        invoice = c.invoices.get(d["invoice_id"])
        if invoice is None or invoice.cancelled:
            return False
        amount = invoice.open if d.get("amount") is None else Decimal(d["amount"])
        if amount > invoice.open:
            return False
        invoice.open -= amount
        return True
