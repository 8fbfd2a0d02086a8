from datetime import date
from decimal import Decimal

import pytest

from shared.domain.errors import MissingFxRate
from shared.domain.exposure import Exposure, reservation_remaining
from shared.domain.fx import convert, rate

RATES = {("EUR", "USD"): Decimal("1.0800"), ("EUR", "CNY"): Decimal("7.8000")}


def test_direct_inverse_and_cross_rates() -> None:
    assert convert(Decimal("100"), "EUR", "USD", RATES) == Decimal("108.0000")
    assert convert(Decimal("108"), "USD", "EUR", RATES).quantize(Decimal("0.01")) == Decimal("100.00")
    assert rate(RATES, "USD", "CNY").quantize(Decimal("0.0001")) == Decimal("7.2222")
    assert rate(RATES, "JPY", "JPY") == 1


def test_a_missing_rate_is_an_error_never_a_guess() -> None:
    with pytest.raises(MissingFxRate):
        rate(RATES, "EUR", "GBP")


def test_exposure_nets_unallocated_cash_only_by_policy() -> None:
    exposure = Exposure(Decimal("1000"), Decimal("400"), Decimal("300"), Decimal("100"), date(2026, 10, 1))
    assert exposure.total == Decimal("1200")
    assert Exposure(
        Decimal("1000"), Decimal("0"), Decimal("300"), Decimal("100"), None, net_unallocated_cash=False
    ).total == Decimal("1300")
    assert exposure.max_days_past_due(date(2026, 11, 22)) == 52
    assert exposure.overdue_share == Decimal("0.4")


def test_invoices_consume_a_reservation_down_to_zero_never_below() -> None:
    assert reservation_remaining(Decimal("500"), Decimal("0")) == Decimal("500")
    assert reservation_remaining(Decimal("500"), Decimal("200")) == Decimal("300")
    assert reservation_remaining(Decimal("500"), Decimal("700")) == Decimal("0")
