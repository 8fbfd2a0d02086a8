"""A customer's statement of account for a period, with no I/O: the balance it owed at the start,
every movement of the period with the balance after it, the balance at the end, and what makes up
that end balance (the items still open, aged by due date, less cash and credit on account, plus late
interest claimed and not yet invoiced).

What the customer owes is its open items less unallocated cash and unapplied credit, plus claimed
interest. The journal (`shared.domain.ledger.Movement`) records each of these separately; a
statement line is one document's lines on one day, netted: a payment of 1,000 that settles two
invoices of 400 and leaves 200 on account is one line of −1,000 naming the two invoices. A payment's
money that reaches an invoice issued after it (an allocation) moves nothing the customer owes: its
line is 0, and says which invoice it paid.

One account per currency: a statement never adds amounts of two currencies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from shared.domain.ageing import Buckets, age
from shared.domain.errors import InvalidInput

ZERO = Decimal(0)

# How a journal account's amount moves what the customer owes.
_OWED = {"item": 1, "cash": -1, "credit": -1, "interest": 1}

# Late interest as a statement reads it (`interest_claims` in credit_api): claimed adds to what
# is owed; invoiced (the ERP's invoice then carries it) and waived take it off again.
INTEREST_CLAIMED, INTEREST_INVOICED, INTEREST_WAIVED = (
    "interest_claimed",
    "interest_invoiced",
    "interest_waived",
)


class Entry(NamedTuple):
    """A journal line, or a step of a late-interest claim (account "interest")."""

    on: date
    currency: str
    account: str  # item, cash, credit or interest
    amount: Decimal  # as journalled: items and claimed interest owed, cash and credit on account
    kind: str | None = None  # None on journal lines written before kinds were recorded
    document_id: str | None = None
    item_id: str | None = None
    due_date: date | None = None  # an item's


@dataclass
class Line:
    on: date
    kind: str  # a ledger Kind, an interest step, or "movement" for a line of unknown kind
    document_id: str | None
    # The invoices it touched other than its own document: those a payment paid, a credit note
    # credited, an allocation reached, or the invoice a claim's interest is for.
    items: list[str]
    amount: Decimal  # positive: the customer owes more
    balance: Decimal = ZERO  # after this line


@dataclass(frozen=True)
class OpenItem:
    item_id: str
    first_on: date  # the first day it moved: its issue date
    due_date: date
    amount: Decimal
    days_overdue: int  # at the statement's end; 0 when not due


@dataclass
class Account:
    currency: str
    opening: Decimal
    lines: list[Line] = field(default_factory=list)
    closing: Decimal = ZERO
    debits: Decimal = ZERO
    credits: Decimal = ZERO
    open_items: list[OpenItem] = field(default_factory=list)
    ageing: dict[str, Decimal] = field(default_factory=dict)
    unallocated_cash: Decimal = ZERO
    unapplied_credit: Decimal = ZERO
    interest_claimed: Decimal = ZERO


@dataclass
class _Open:
    first_on: date
    due_date: date
    amount: Decimal = ZERO


def period(start: date, end: date) -> None:
    """A statement's period: its first day on or before its last."""
    if start > end:
        raise InvalidInput(f"the period starts ({start}) after it ends ({end})")


def statement(
    entries: Iterable[Entry], start: date, end: date, buckets: Buckets | None = None
) -> list[Account]:
    """The accounts (one per currency, in currency order) of a statement from `start` to `end`,
    both included. `entries` come in the order they happened (by day, then as journalled); those
    before `start` only make up the opening balance and the items' open amounts, so they may come
    summed per account, currency and item. Entries after `end` are not the period's: refused."""
    period(start, end)
    buckets = buckets or Buckets()
    accounts: dict[str, Account] = {}
    lines: dict[str, dict[tuple[date, str | None, str], Line]] = {}
    # Per currency: what each item, and cash, credit and interest on account, stand at by the end.
    items: dict[str, dict[str, _Open]] = {}
    held: dict[str, dict[str, Decimal]] = {}
    for entry in entries:
        if entry.on > end:
            raise InvalidInput(f"an entry of {entry.on} is after the statement's end ({end})")
        cur = entry.currency
        account = accounts.setdefault(cur, Account(cur, ZERO))
        owed = _OWED[entry.account] * entry.amount
        if entry.account == "item" and entry.item_id is not None:
            known = items.setdefault(cur, {})
            if entry.item_id not in known:
                known[entry.item_id] = _Open(entry.on, entry.due_date or entry.on)
            known[entry.item_id].amount += entry.amount
        else:
            totals = held.setdefault(cur, {})
            totals[entry.account] = totals.get(entry.account, ZERO) + entry.amount
        if entry.on < start:
            account.opening += owed
            continue
        kind = entry.kind or "movement"
        document = entry.document_id if entry.kind else (entry.item_id or entry.document_id)
        key = (entry.on, kind, document or entry.account)
        line = lines.setdefault(cur, {}).get(key)
        if line is None:
            line = lines[cur][key] = Line(entry.on, kind, document, [], ZERO)
        line.amount += owed
        touched = entry.item_id
        if touched is not None and touched != document and touched not in line.items:
            line.items.append(touched)
    for cur, account in accounts.items():
        balance = account.opening
        for line in lines.get(cur, {}).values():
            balance += line.amount
            line.balance = balance
            if line.amount > 0:
                account.debits += line.amount
            else:
                account.credits -= line.amount
            account.lines.append(line)
        account.closing = balance
        account.open_items = sorted(
            (
                OpenItem(item_id, o.first_on, o.due_date, o.amount, max(0, (end - o.due_date).days))
                for item_id, o in items.get(cur, {}).items()
                if o.amount != 0
            ),
            key=lambda i: (i.due_date, i.item_id),
        )
        account.ageing = age(((i.amount, i.due_date) for i in account.open_items), end, buckets)
        totals = held.get(cur, {})
        account.unallocated_cash = totals.get("cash", ZERO)
        account.unapplied_credit = totals.get("credit", ZERO)
        account.interest_claimed = totals.get("interest", ZERO)
    return [accounts[cur] for cur in sorted(accounts)]


@dataclass(frozen=True)
class Schedule:
    """When statements go out by e-mail (the dunning policy's `statements`): each month on
    `day_of_month`, the month before; with `also_when_moved`, also whenever a customer's ledger
    moved since its last statement, at most every `min_gap_days`, for the days since that one."""

    day_of_month: int = 1
    also_when_moved: bool = False
    min_gap_days: int = 7


def monthly_period(schedule: Schedule, as_of: date) -> tuple[date, date] | None:
    """The month before `as_of`, when `as_of` is the schedule's day; else None."""
    if as_of.day != schedule.day_of_month:
        return None
    end = as_of.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def moved_period(
    schedule: Schedule, as_of: date, last_end: date | None, last_sent: date | None
) -> tuple[date, date] | None:
    """The days since a customer's last statement (the month so far when it never had one) through
    the day before `as_of`, for a customer whose ledger moved since; None when the schedule sends
    only monthly or the last statement is too recent."""
    if not schedule.also_when_moved:
        return None
    if last_sent is not None and (as_of - last_sent).days < schedule.min_gap_days:
        return None
    end = as_of - timedelta(days=1)
    start = end.replace(day=1) if last_end is None else last_end + timedelta(days=1)
    return None if start > end else (start, end)
