from datetime import date
from decimal import Decimal

from shared.domain.credit import (
    CheckInput,
    CheckPolicy,
    CreditLimit,
    Decision,
    ReasonCode,
    TemporaryIncrease,
    decide,
    effective_limit,
)
from shared.domain.warnings import Level

TODAY = date(2026, 11, 22)


def check(
    amount: str,
    exposure: str,
    limit: str | None,
    *,
    blocked: bool = False,
    valid_until: date | None = None,
    policy: CheckPolicy = CheckPolicy(),
) -> tuple[Decision, list[str]]:
    result = decide(
        CheckInput(
            amount=Decimal(amount),
            currency="EUR",
            exposure=Decimal(exposure),
            limit=None if limit is None else CreditLimit(Decimal(limit), valid_until),
            blocked=blocked,
            today=TODAY,
        ),
        policy,
    )
    return result.decision, [r.code.value for r in result.reasons]


def test_order_within_the_limit_is_approved() -> None:
    assert check("100.00", "500.00", "1000.00") == (Decision.APPROVED, [])


def test_order_beyond_the_limit_is_held_with_the_shortfall() -> None:
    result = decide(
        CheckInput(
            amount=Decimal("600"),
            currency="EUR",
            exposure=Decimal("500"),
            limit=CreditLimit(Decimal("1000")),
            blocked=False,
            today=TODAY,
        )
    )
    assert result.decision is Decision.HELD
    assert result.reasons[0].code is ReasonCode.LIMIT_EXCEEDED
    assert result.reasons[0].details["shortfall"] == Decimal("100")
    assert "100.00 EUR" in result.reasons[0].message
    assert result.available_after == Decimal("-100")


def test_exactly_reaching_the_limit_is_approved_with_a_near_limit_warning() -> None:
    assert check("500.00", "500.00", "1000.00") == (Decision.APPROVED, ["near_limit"])


def test_utilisation_just_under_ninety_percent_carries_no_warning() -> None:
    assert check("399.99", "500.00", "1000.00") == (Decision.APPROVED, [])


def test_blocked_customer_is_held_first_even_within_the_limit() -> None:
    assert check("1.00", "0", "1000.00", blocked=True) == (Decision.HELD, ["customer_blocked"])


def test_no_limit_means_held() -> None:
    assert check("1.00", "0", None) == (Decision.HELD, ["no_valid_limit"])


def test_lapsed_limit_is_no_limit() -> None:
    assert check("1.00", "0", "1000.00", valid_until=date(2026, 11, 21)) == (
        Decision.HELD,
        ["no_valid_limit"],
    )
    assert check("1.00", "0", "1000.00", valid_until=TODAY) == (Decision.APPROVED, [])


def test_tolerance_lets_orders_pass_slightly_above_the_limit() -> None:
    policy = CheckPolicy(limit_tolerance=Decimal("0.05"))
    assert check("540.00", "500.00", "1000.00", policy=policy)[0] is Decision.APPROVED
    assert check("560.00", "500.00", "1000.00", policy=policy)[0] is Decision.HELD


def test_temporary_increases_count_only_inside_their_window() -> None:
    limit = CreditLimit(
        Decimal("1000"),
        temporary=[
            TemporaryIncrease(Decimal("500"), date(2026, 11, 1), date(2026, 11, 30)),
            TemporaryIncrease(Decimal("200"), date(2026, 12, 1), date(2026, 12, 31)),
        ],
    )
    assert effective_limit(limit, TODAY) == Decimal("1500")
    assert effective_limit(limit, date(2026, 11, 30)) == Decimal("1500")
    assert effective_limit(limit, date(2026, 12, 1)) == Decimal("1200")
    assert effective_limit(limit, date(2027, 1, 1)) == Decimal("1000")


def test_a_temporary_increase_without_a_permanent_limit_is_no_limit() -> None:
    lapsed = CreditLimit(
        Decimal("1000"),
        date(2026, 1, 1),
        [TemporaryIncrease(Decimal("500"), date(2026, 11, 1), date(2026, 11, 30))],
    )
    assert effective_limit(lapsed, TODAY) is None


def overdue_check(days: int, share: str) -> tuple[Decision, list[str]]:
    result = decide(
        CheckInput(
            amount=Decimal("1"),
            currency="EUR",
            exposure=Decimal("0"),
            limit=CreditLimit(Decimal("1000")),
            blocked=False,
            today=TODAY,
            max_days_past_due=days,
            overdue_share=Decimal(share),
        )
    )
    return result.decision, [r.code.value for r in result.reasons]


def test_overdue_beyond_tolerance_holds_even_within_the_limit() -> None:
    assert overdue_check(30, "0.10") == (Decision.APPROVED, [])
    assert overdue_check(31, "0.10") == (Decision.HELD, ["overdue"])
    assert overdue_check(5, "0.50") == (Decision.APPROVED, [])
    assert overdue_check(5, "0.51") == (Decision.HELD, ["overdue"])


def test_blocked_and_no_limit_come_before_overdue() -> None:
    result = decide(
        CheckInput(
            amount=Decimal("1"),
            currency="EUR",
            exposure=Decimal("0"),
            limit=None,
            blocked=False,
            today=TODAY,
            max_days_past_due=90,
        )
    )
    assert [r.code for r in result.reasons] == [ReasonCode.NO_VALID_LIMIT]


def warned(level: Level, holds: bool, *, exposure: str = "0", days: int = 0) -> list[str]:
    result = decide(
        CheckInput(
            amount=Decimal("100"),
            currency="EUR",
            exposure=Decimal(exposure),
            limit=CreditLimit(Decimal("1000")),
            blocked=False,
            today=TODAY,
            max_days_past_due=days,
            warning_level=level,
            warning_holds=holds,
        )
    )
    return [r.code.value for r in result.reasons]


def test_a_warning_level_that_holds_orders_comes_after_overdue_and_before_the_limit() -> None:
    assert warned(Level.CRITICAL, True) == ["critical_warning"]
    assert warned(Level.WARNING, False) == []  # the policy holds at critical only
    assert warned(Level.CRITICAL, True, exposure="2000") == ["critical_warning"]
    assert warned(Level.CRITICAL, True, days=60) == ["overdue"]


def _insured_check(amount: str, cover: str, max_uninsured: str | None) -> tuple[Decision, list[str]]:
    result = decide(
        CheckInput(
            amount=Decimal(amount),
            currency="EUR",
            exposure=Decimal("80000"),
            limit=CreditLimit(Decimal("500000")),
            blocked=False,
            today=TODAY,
            cover=Decimal(cover),
            indemnity=Decimal("0.9"),
            max_uninsured=None if max_uninsured is None else Decimal(max_uninsured),
        )
    )
    return result.decision, [r.code.value for r in result.reasons]


def test_an_order_leaving_too_much_uninsured_is_held() -> None:
    # Exposure 80,000 + 20,000 = 100,000 against a 100,000 cover at 90 %: 10,000 uninsured.
    assert _insured_check("20000", "100000", "10000") == (Decision.APPROVED, [])
    # One euro more is above the cover, and all of it uninsured.
    assert _insured_check("20001", "100000", "10000") == (Decision.HELD, ["uninsured_exposure"])
    # Without a cover everything is uninsured; without the switch nobody asks.
    assert _insured_check("1", "0", "50000") == (Decision.HELD, ["uninsured_exposure"])
    assert _insured_check("1", "0", None) == (Decision.APPROVED, [])
