"""ABC classification by credit sales: customers in decreasing order of sales; A while the share of
the total reached before a customer is below the first cut-off (80 % by default), B below the
second (95 %), C after. The customer that crosses a cut-off still belongs to the class it started
in, so the few that make most of the revenue are all A. Customers without sales are C."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from shared.domain.errors import InvalidInput

ZERO = Decimal(0)


@dataclass(frozen=True)
class Ranked:
    customer_code: str
    sales: Decimal
    share: Decimal  # of the total
    cumulative: Decimal  # share up to and including this customer
    abc_class: str


def classify(
    sales: Mapping[str, Decimal], a: Decimal = Decimal("0.80"), b: Decimal = Decimal("0.95")
) -> list[Ranked]:
    if not ZERO < a < b <= 1:
        raise InvalidInput("cut-offs are 0 < a < b ≤ 1")
    total = sum((s for s in sales.values() if s > 0), ZERO)
    ranked, before = [], ZERO
    for code, amount in sorted(sales.items(), key=lambda kv: (-kv[1], kv[0])):
        share = amount / total if total > 0 and amount > 0 else ZERO
        cls = "C" if share == 0 else "A" if before < a else "B" if before < b else "C"
        before += share
        ranked.append(Ranked(code, amount, share, before, cls))
    return ranked
