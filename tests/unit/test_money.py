from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.errors import InvalidAmount, UnknownCurrency
from shared.domain.money import format_amount, parse_amount, round_money


def test_amounts_keep_the_decimals_of_their_currency() -> None:
    assert format_amount(Decimal("1250"), "EUR") == "1250.00"
    assert format_amount(Decimal("1250"), "JPY") == "1250"
    assert format_amount(Decimal("1.5"), "KWD") == "1.500"


def test_money_rounds_half_up_to_the_minor_unit() -> None:
    # Council Regulation (EC) No 1103/97, art. 5: "sums ... shall be rounded up or down to the
    # nearest cent. If ... a result exactly half-way, the sum shall be rounded up."
    assert round_money(Decimal("0.125"), "EUR") == Decimal("0.13")
    assert round_money(Decimal("0.135"), "EUR") == Decimal("0.14")
    assert round_money(Decimal("-0.125"), "EUR") == Decimal("-0.13")  # away from zero, as a debit
    assert round_money(Decimal("0.5"), "JPY") == Decimal(1)
    assert round_money(Decimal("0.0005"), "KWD") == Decimal("0.001")


@pytest.mark.parametrize(("value", "currency"), [("10.001", "EUR"), ("1.5", "JPY"), ("1.2345", "KWD")])
def test_more_decimals_than_the_currency_has_are_refused(value: str, currency: str) -> None:
    with pytest.raises(InvalidAmount, match="decimals"):
        parse_amount(value, currency)


@pytest.mark.parametrize("value", ["0", "-5.00", "abc", "NaN", "Infinity"])
def test_non_positive_or_non_numeric_amounts_are_refused(value: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_amount(value, "EUR")


def test_trailing_zeros_beyond_the_minor_unit_are_accepted() -> None:
    assert parse_amount("100.0000", "EUR") == Decimal("100.00")
    assert parse_amount("100.00", "JPY") == Decimal("100")


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(UnknownCurrency):
        parse_amount("1.00", "XXQ")


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e12"), places=2))
def test_formatting_round_trips(amount: Decimal) -> None:
    assert parse_amount(format_amount(amount, "USD"), "USD") == amount
