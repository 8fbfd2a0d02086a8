"""Currency conversion with the rates in force on a date: direct, inverse, or across a common base."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from shared.domain.errors import MissingFxRate

# (base, quote) -> units of quote for one unit of base
Rates = Mapping[tuple[str, str], Decimal]


def rate(rates: Rates, source: str, target: str) -> Decimal:
    if source == target:
        return Decimal(1)
    if (source, target) in rates:
        return rates[(source, target)]
    if (target, source) in rates:
        return 1 / rates[(target, source)]
    for (base, quote), to_source in rates.items():
        if quote == source and (base, target) in rates:
            return rates[(base, target)] / to_source
    raise MissingFxRate(f"no exchange rate from {source} to {target}", currencies=[source], to=target)


def convert(amount: Decimal, source: str, target: str, rates: Rates) -> Decimal:
    """Unrounded: the caller rounds once, at the end, to the target currency."""
    return amount * rate(rates, source, target)


# An amount in a currency → in the target currency, or None when no rate bridges the two.
Convert = Callable[[Decimal, str], Decimal | None]


def converter(rates: Rates, target: str) -> Convert:
    """For rules that leave out what they cannot convert, and say so, rather than fail."""

    def convert_or_none(amount: Decimal, source: str) -> Decimal | None:
        try:
            return convert(amount, source, target, rates)
        except MissingFxRate:
            return None

    return convert_or_none
