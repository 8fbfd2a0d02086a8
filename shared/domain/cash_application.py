"""Cash application with no I/O: which open items a payment that came without allocations pays,
how sure that is, and why.

A payment is matched by what its remittance names first, by its amount second:

- invoice numbers found in the remittance text or reference, normalised (case, separators, the
  ERP's prefixes, leading zeros) and allowed one typo when only one open item is that close;
- the exact open amount of one item, the customer's whole open balance, or a combination of its
  oldest open items that adds up to the amount (a bounded search);
- an amount a little short of what was named: an early-payment discount the terms grant, bank
  charges up to the policy's amount (both settle the item: the ERP books the difference), or a
  short payment (the rest stays open on the item).

Each way of matching has a confidence; at or above the policy's `apply_from` the match is applied
without a person, below it the match waits for one. A match that takes another customer's item (a
credit group's) or a remittance that names another customer's invoice never applies by itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from shared.domain.money import format_amount, round_money

ZERO = Decimal(0)

DISCOUNT, BANK_CHARGES = "discount", "bank_charges"

# Confidence of each way of matching: what a reference says outweighs what an amount suggests.
NAMED_EXACT = Decimal("0.99")
NAMED_TYPO = Decimal("0.97")
NAMED_DISCOUNT = Decimal("0.96")
NAMED_CHARGES = Decimal("0.95")
NAMED_OVERPAID = Decimal("0.93")
NAMED_SHORT = Decimal("0.92")
WHOLE_BALANCE = Decimal("0.95")
ONE_AMOUNT = Decimal("0.92")
DISCOUNTED_AMOUNT = Decimal("0.90")
TWO_ITEMS = Decimal("0.90")
MORE_ITEMS = Decimal("0.85")
CHARGED_AMOUNT = Decimal("0.80")
# The number named is an open invoice's, the amount another's one character away: either may be
# the mistake (a typo, or a short payment of a round amount).
TYPO_OF_NAMED = Decimal("0.85")
CONFLICT = Decimal("0.70")
OLDEST_OF_MANY = Decimal("0.60")

# Amounts (1,250.00 and 1.250,00) and dates in a remittance, taken out before numbers are read.
_AMOUNTS_AND_DATES = re.compile(
    r"(?<![\w.,/-])(?:\d{1,3}(?:[.,']\d{3})*[.,]\d{2}|\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})(?![\w.,/-])"
)
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-/._#:][A-Za-z0-9]+)*")
# Shorter normalised numbers are too easily a typo of each other to be told apart.
MIN_TYPO_LENGTH = 4


@dataclass(frozen=True)
class Policy:
    version: str
    apply_from: Decimal = Decimal("0.90")
    bank_charges_up_to: Decimal = Decimal("25")
    prefixes: tuple[str, ...] = ("INVOICE", "INV", "RE", "RG", "FA", "NO", "NR")
    max_items: int = 4
    search_oldest: int = 24
    # Up to how many item subsets the combination search visits before it gives up.
    search_budget: int = 20_000
    group_items: bool = False


@dataclass(frozen=True)
class OpenItem:
    customer_code: str
    item_id: str
    currency: str
    open_amount: Decimal
    due_date: date
    # The share off for early payment, and the last day it is granted.
    discount: Decimal = ZERO
    discount_until: date | None = None

    def discounted(self, on: date) -> Decimal | None:
        """What settles the item when paid on `on` within its discount period; None outside it."""
        if not self.discount or self.discount_until is None or on > self.discount_until:
            return None
        return self.open_amount - round_money(self.open_amount * self.discount, self.currency)


@dataclass(frozen=True)
class Remittance:
    """A payment's unallocated cash and what the bank said of it."""

    customer_code: str
    payment_id: str
    currency: str
    amount: Decimal
    received_date: date
    text: str = ""
    reference: str = ""


@dataclass(frozen=True)
class Line:
    customer_code: str
    item_id: str
    amount: Decimal  # cash applied
    deduction: Decimal = ZERO  # settled without cash: a discount or bank charges
    deduction_reason: str | None = None


@dataclass(frozen=True)
class Match:
    confidence: Decimal
    lines: tuple[Line, ...]
    reasons: tuple[str, ...]
    # Why it may not apply by itself, whatever its confidence.
    held: tuple[str, ...] = ()

    def automatic(self, policy: Policy) -> bool:
        return bool(self.lines) and not self.held and self.confidence >= policy.apply_from

    @property
    def applied(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


def normalise(reference: str, prefixes: Sequence[str]) -> str:
    """`inv-00123`, `INV 123`, `Inv.0123` and `123` are the same number."""
    key = re.sub(r"[^A-Z0-9]", "", reference.upper())
    for prefix in sorted(prefixes, key=len, reverse=True):
        if key.startswith(prefix) and any(c.isdigit() for c in key[len(prefix) :]):
            key = key[len(prefix) :]
            break
    return key.lstrip("0")


def references(text: str, prefixes: Sequence[str]) -> list[str]:
    """The normalised numbers a remittance text mentions, in order, without amounts and dates."""
    found: list[str] = []
    for token in _TOKEN.findall(_AMOUNTS_AND_DATES.sub(" ", text)):
        if not any(c.isdigit() for c in token):
            continue
        key = normalise(token, prefixes)
        if len(key) >= 3 and key not in found:
            found.append(key)
    return found


def one_edit_apart(a: str, b: str) -> bool:
    """One character replaced, inserted, deleted, or two neighbours swapped (Damerau)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((i for i, (x, y) in enumerate(zip(short, long_, strict=False)) if x != y), len(short))
    return short[i:] == long_[i + 1 :]


@dataclass
class _Named:
    items: list[OpenItem] = field(default_factory=list)
    typos: list[str] = field(default_factory=list)
    # Numbers one character from several items: those items.
    ambiguous: dict[str, list[OpenItem]] = field(default_factory=dict)
    # The numbers that are not exactly one of the items'.
    inexact: list[str] = field(default_factory=list)


def _named(
    keys: Sequence[str], items: Sequence[OpenItem], prefixes: Sequence[str], *, typos: bool = True
) -> _Named:
    by_key: dict[str, list[OpenItem]] = {}
    for item in items:
        by_key.setdefault(normalise(item.item_id, prefixes), []).append(item)
    named = _Named()
    for key in keys:
        exact = by_key.get(key)
        if exact is None:
            named.inexact.append(key)
        if exact is None and typos and len(key) >= MIN_TYPO_LENGTH:
            close = [k for k in by_key if len(k) >= MIN_TYPO_LENGTH and one_edit_apart(key, k)]
            if len(close) == 1:
                exact = by_key[close[0]]
                named.typos.extend(i.item_id for i in exact)
            elif close:
                named.ambiguous[key] = [i for k in close for i in by_key[k]]
        if exact is None:
            continue
        named.items.extend(i for i in exact if i not in named.items)
    return named


def _oldest_first(items: Iterable[OpenItem]) -> list[OpenItem]:
    return sorted(items, key=lambda i: (i.due_date, i.item_id))


def _full(items: Iterable[OpenItem]) -> tuple[Line, ...]:
    return tuple(Line(i.customer_code, i.item_id, i.open_amount) for i in items)


def _ids(items: Iterable[OpenItem]) -> str:
    return ", ".join(i.item_id for i in items)


def spread(amount: Decimal, items: Sequence[OpenItem]) -> tuple[Line, ...]:
    """`amount` over the items in their order (oldest first); what it does not reach stays open,
    what is left of it on account."""
    lines = []
    for item in items:
        share = min(amount, item.open_amount)
        if share <= 0:
            break
        lines.append(Line(item.customer_code, item.item_id, share))
        amount -= share
    return tuple(lines)


def combinations(
    amount: Decimal, items: Sequence[OpenItem], max_items: int, budget: int, wanted: int = 2
) -> list[tuple[OpenItem, ...]]:
    """Up to `wanted` sets of 2 to `max_items` items whose open amounts add up to `amount`, the
    oldest items tried first; the search stops after visiting `budget` subsets."""
    found: list[tuple[OpenItem, ...]] = []
    visited = 0
    # Suffix sums prune branches that can no longer reach the amount.
    rest = [ZERO] * (len(items) + 1)
    for i in range(len(items) - 1, -1, -1):
        rest[i] = rest[i + 1] + items[i].open_amount

    def walk(start: int, chosen: list[OpenItem], left: Decimal) -> bool:
        nonlocal visited
        for i in range(start, len(items)):
            visited += 1
            if visited > budget:
                return False
            item = items[i]
            if item.open_amount > left or rest[i] < left:
                if rest[i] < left:
                    return True
                continue
            chosen.append(item)
            if item.open_amount == left:
                if len(chosen) >= 2:
                    found.append(tuple(chosen))
                    if len(found) >= wanted:
                        return False
            elif len(chosen) < max_items and not walk(i + 1, chosen, left - item.open_amount):
                return False
            chosen.pop()
        return True

    walk(0, [], amount)
    return found


def match(
    payment: Remittance,
    items: Sequence[OpenItem],
    policy: Policy,
    elsewhere: Sequence[OpenItem] = (),
) -> Match | None:
    """The best match of a payment's unallocated cash to open items: `items` are the customer's (and,
    when the policy allows, its credit group's) open items; `elsewhere` are other customers' open
    items the remittance may name. None when nothing fits."""
    usable = [i for i in items if i.currency == payment.currency and i.open_amount > 0]
    own = _oldest_first(i for i in usable if i.customer_code == payment.customer_code)
    group = (
        _oldest_first(i for i in usable if i.customer_code != payment.customer_code)
        if policy.group_items
        else []
    )
    keys = references(f"{payment.reference} {payment.text}", policy.prefixes)
    named = _named(keys, own + group, policy.prefixes)
    found = _by_reference(payment, named, own, policy) if named.items else _by_amount(payment, own, policy)
    held: list[str] = []
    if found is not None:
        others = sorted({line.customer_code for line in found.lines} - {payment.customer_code})
        if others:
            held.append(f"pays invoices of {', '.join(others)}, of the same credit group")
    # A number that is not exactly one of the customer's own may be exactly another customer's.
    strangers = _named(
        named.inexact,
        [i for i in elsewhere if i.customer_code != payment.customer_code],
        policy.prefixes,
        typos=False,
    )
    if strangers.items:
        held.append(
            "the remittance names "
            + ", ".join(f"invoice {i.item_id} of customer {i.customer_code}" for i in strangers.items)
        )
    for key, close in named.ambiguous.items():
        taken = {line.item_id for line in found.lines} if found else set()
        if found is not None and taken & {i.item_id for i in close}:
            # The amount picks one of the invoices the number is one character from.
            found = replace(found, reasons=(*found.reasons, f"{key} is one character from {_ids(close)}"))
        else:
            held.append(f"{key} is one character from several open invoices ({_ids(close)})")
    if found is None:
        return Match(ZERO, (), (), tuple(held)) if held else None
    return replace(found, held=tuple(held))


def _by_reference(payment: Remittance, named: _Named, own: Sequence[OpenItem], policy: Policy) -> Match:
    amount, on = payment.amount, payment.received_date
    items = _oldest_first(named.items)
    total = sum((i.open_amount for i in items), ZERO)
    said = f"the remittance names {_ids(items)}"
    reasons = [said]
    if named.typos:
        reasons.append(f"{', '.join(named.typos)} with one character different")
    exact = NAMED_TYPO if named.typos else NAMED_EXACT
    if amount == total:
        return Match(exact, _full(items), (*reasons, "the amount is what they leave open"))
    corrected = _typo_of_named(payment, named, own)
    if corrected is not None and amount != total:
        return corrected
    if amount > total:
        rest = amount - total
        more = _by_amount(replace(payment, amount=rest), [i for i in own if i not in items], policy)
        if more is not None and more.confidence >= policy.apply_from and not more.held:
            return Match(
                min(exact, more.confidence),
                _full(items) + more.lines,
                (
                    *reasons,
                    f"the other {_money(rest, payment)} is {_ids_of(more)}: {more.reasons[0]}",
                ),
            )
        return Match(
            min(exact, NAMED_OVERPAID),
            _full(items),
            (*reasons, f"{_money(rest, payment)} more than they leave open stays on account"),
        )
    discounted = [i.discounted(on) for i in items]
    if all(d is not None for d in discounted) and sum((d or ZERO for d in discounted), ZERO) == amount:
        lines = tuple(
            Line(i.customer_code, i.item_id, d or ZERO, i.open_amount - (d or ZERO), DISCOUNT)
            for i, d in zip(items, discounted, strict=True)
        )
        return Match(
            min(exact, NAMED_DISCOUNT),
            lines,
            (*reasons, "paid within the discount period, less the discount"),
        )
    # The amount fits another invoice exactly: the reference may be the mistake.
    elsewhere = [i for i in own if i not in items and i.open_amount == amount]
    if elsewhere:
        return Match(
            CONFLICT,
            spread(amount, items),
            (*reasons, f"the amount is what {_ids(elsewhere)} leaves open, not what they do"),
        )
    short = total - amount
    if short <= policy.bank_charges_up_to:
        *before, last = _full(items)
        if last.amount > short:
            charged = replace(
                last, amount=last.amount - short, deduction=short, deduction_reason=BANK_CHARGES
            )
            return Match(
                min(exact, NAMED_CHARGES),
                (*before, charged),
                (*reasons, f"{_money(short, payment)} short: bank charges within the policy"),
            )
    return Match(
        min(exact, NAMED_SHORT),
        spread(amount, items),
        (
            *reasons,
            f"{_money(short, payment)} short of what they leave open: a short payment, the rest stays open",
        ),
    )


def _typo_of_named(payment: Remittance, named: _Named, own: Sequence[OpenItem]) -> Match | None:
    """The number named is an open invoice's, but the amount is exactly that of another one character
    away: the typo hit a real number."""
    keys = {normalise(i.item_id, ()) for i in named.items}
    fits = [
        i
        for i in own
        if i not in named.items
        and i.open_amount == payment.amount
        and any(one_edit_apart(normalise(i.item_id, ()), k) for k in keys)
    ]
    if len(fits) != 1:
        return None
    return Match(
        TYPO_OF_NAMED,
        _full(fits),
        (
            f"the remittance names {_ids(named.items)}, one character from {fits[0].item_id}",
            f"the amount is what {fits[0].item_id} leaves open",
        ),
    )


def _money(amount: Decimal, payment: Remittance) -> str:
    return f"{format_amount(amount, payment.currency)} {payment.currency}"


def _ids_of(found: Match) -> str:
    return ", ".join(line.item_id for line in found.lines)


def _by_amount(payment: Remittance, own: Sequence[OpenItem], policy: Policy) -> Match | None:
    amount, on = payment.amount, payment.received_date
    same = [i for i in own if i.open_amount == amount]
    if len(same) == 1:
        return Match(ONE_AMOUNT, _full(same), (f"the amount is what {same[0].item_id} leaves open",))
    if len(own) >= 2 and sum((i.open_amount for i in own), ZERO) == amount:
        return Match(WHOLE_BALANCE, _full(own), ("the amount is the customer's whole open balance",))
    if same:
        return Match(
            OLDEST_OF_MANY,
            _full(same[:1]),
            (f"{len(same)} invoices leave this amount open ({_ids(same)}): the oldest proposed",),
        )
    discounted = [i for i in own if i.discounted(on) == amount]
    if len(discounted) == 1:
        item = discounted[0]
        return Match(
            DISCOUNTED_AMOUNT,
            (Line(item.customer_code, item.item_id, amount, item.open_amount - amount, DISCOUNT),),
            (f"the amount is {item.item_id} less its early-payment discount, paid within the period",),
        )
    oldest = list(own[: policy.search_oldest])
    sets = combinations(amount, oldest, policy.max_items, policy.search_budget)
    if len(sets) == 1:
        chosen = sets[0]
        confidence = TWO_ITEMS if len(chosen) == 2 else MORE_ITEMS
        return Match(confidence, _full(chosen), (f"{_ids(chosen)} together leave the amount open",))
    if len(sets) > 1:
        return Match(
            OLDEST_OF_MANY,
            _full(sets[0]),
            (f"several sets of invoices add up to the amount: the oldest proposed ({_ids(sets[0])})",),
        )
    charged = [i for i in own if ZERO < i.open_amount - amount <= policy.bank_charges_up_to]
    if len(charged) == 1:
        item = charged[0]
        short = item.open_amount - amount
        return Match(
            CHARGED_AMOUNT,
            (Line(item.customer_code, item.item_id, amount, short, BANK_CHARGES),),
            (f"the amount is {item.item_id} less {_money(short, payment)}: bank charges within the policy",),
        )
    return None
