from datetime import date
from decimal import Decimal

from shared.credit import CheckInput, CheckPolicy, CreditLimit, Decision, ReasonCode, decide, over_limit

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


def test_over_limit_compares_with_the_limit_in_force() -> None:
    assert over_limit(Decimal("1001"), CreditLimit(Decimal("1000")), TODAY)
    assert not over_limit(Decimal("1000"), CreditLimit(Decimal("1000")), TODAY)
    assert not over_limit(Decimal("5000"), None, TODAY)
    assert not over_limit(Decimal("5000"), CreditLimit(Decimal("1000"), date(2026, 1, 1)), TODAY)
