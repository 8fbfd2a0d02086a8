"""Money as Decimal with the ISO 4217 minor units of its currency."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from shared.domain.errors import InvalidAmount, UnknownCurrency

# ISO 4217 minor units for the currencies Credence is used with; anything not listed is refused
# rather than rounded by a guessed precision.
MINOR_UNITS: dict[str, int] = {
    "AED": 2,
    "ARS": 2,
    "AUD": 2,
    "BHD": 3,
    "BRL": 2,
    "CAD": 2,
    "CHF": 2,
    "CLP": 0,
    "CNY": 2,
    "COP": 2,
    "CZK": 2,
    "DKK": 2,
    "EGP": 2,
    "EUR": 2,
    "GBP": 2,
    "HKD": 2,
    "HUF": 2,
    "IDR": 2,
    "ILS": 2,
    "INR": 2,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "MXN": 2,
    "MYR": 2,
    "NOK": 2,
    "NZD": 2,
    "OMR": 3,
    "PHP": 2,
    "PLN": 2,
    "QAR": 2,
    "RON": 2,
    "RUB": 2,
    "SAR": 2,
    "SEK": 2,
    "SGD": 2,
    "THB": 2,
    "TND": 3,
    "TRY": 2,
    "TWD": 2,
    "UAH": 2,
    "USD": 2,
    "VND": 0,
    "ZAR": 2,
}


def minor_units(currency: str) -> int:
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise UnknownCurrency(currency) from None


@cache  # on the ledger's path for every event
def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit, half away from zero: the one rule for money everywhere
    (interest, notices, reports, exports), as Council Regulation (EC) No 1103/97, art. 5, has it for
    the euro."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def parse_amount(value: str | Decimal, currency: str, *, positive: bool = True) -> Decimal:
    """Read an amount carried as a string, refusing more decimals than the currency has."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(value)
    except (InvalidOperation, TypeError):
        raise InvalidAmount(f"{value!r} is not a decimal amount") from None
    if not amount.is_finite():
        raise InvalidAmount(f"{value!r} is not a finite amount")
    rounded = round_money(amount, currency)
    if rounded != amount:
        raise InvalidAmount(f"{currency} amounts have at most {minor_units(currency)} decimals")
    if positive and amount <= 0:
        raise InvalidAmount("amount must be greater than zero")
    return rounded


def format_amount(amount: Decimal, currency: str) -> str:
    """The JSON form of an amount: a plain string with the currency's decimals."""
    return f"{round_money(amount, currency):f}"
