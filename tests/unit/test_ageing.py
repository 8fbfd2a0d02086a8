from datetime import date, timedelta
from decimal import Decimal

import pytest

from shared.domain.ageing import Buckets, age, reference_date
from shared.domain.errors import InvalidInput

AS_OF = date(2026, 11, 30)


def test_default_buckets_are_not_due_then_thirty_day_steps_to_over_120() -> None:
    assert Buckets().labels == ["not_due", "1-30", "31-60", "61-90", "91-120", ">120"]


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (-5, "not_due"),
        (0, "not_due"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (120, "91-120"),
        (121, ">120"),
    ],
)
def test_bucket_boundaries(days: int, label: str) -> None:
    assert Buckets().label(days) == label


def test_amounts_are_summed_per_bucket_with_every_bucket_present() -> None:
    items = [
        (Decimal("100"), AS_OF),
        (Decimal("50"), AS_OF - timedelta(days=45)),
        (Decimal("25"), AS_OF - timedelta(days=200)),
        (Decimal("5"), AS_OF - timedelta(days=31)),
    ]
    assert age(items, AS_OF, Buckets()) == {
        "not_due": Decimal("100"),
        "1-30": Decimal(0),
        "31-60": Decimal("55"),
        "61-90": Decimal(0),
        "91-120": Decimal(0),
        ">120": Decimal("25"),
    }


def test_custom_buckets_and_their_validation() -> None:
    assert Buckets.parse("15,45").labels == ["not_due", "1-15", "16-45", ">45"]
    for bad in ("30,20", "a,b", "0,30", "30,30"):
        with pytest.raises(InvalidInput):
            Buckets.parse(bad)


def test_basis_picks_the_reference_date() -> None:
    assert reference_date("due_date", date(2026, 1, 1), date(2026, 2, 1)) == date(2026, 2, 1)
    assert reference_date("invoice_date", date(2026, 1, 1), date(2026, 2, 1)) == date(2026, 1, 1)
