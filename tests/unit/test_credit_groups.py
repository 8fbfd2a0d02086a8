"""Credit groups, against a hand-worked group of four companies in three currencies.

HOLD (EUR, limit 1,000,000) owns DE (EUR) and US (USD, limit 600,000) and holds C-CH1 directly.
At 1 EUR = 1.10 USD and 1 EUR = 0.95 CHF:

    DE    C-DE1 300,000 EUR + C-DE2 150,000 EUR                       = 450,000 EUR
    US    C-US1 220,000 USD                                            = 220,000 USD
    HOLD  450,000 + 220,000 / 1.10 (200,000) + C-CH1 95,000 CHF / 0.95 (100,000)
                                                                       = 750,000 EUR

An order of C-US1 for 330,000 USD leaves US at 550,000 USD (within 600,000) and HOLD at
750,000 + 300,000 = 1,050,000 EUR: over its limit by 50,000 EUR.
"""

from datetime import date
from decimal import Decimal

import pytest

from shared.domain.credit import (
    CheckInput,
    CreditLimit,
    Decision,
    GroupStanding,
    ReasonCode,
    TemporaryIncrease,
    decide,
)
from shared.domain.credit_groups import (
    Group,
    InvalidGroupTree,
    Invoiced,
    Part,
    chain,
    contributions,
    exposures,
    lock_order,
    under,
    validate,
    weighted_scores,
    worst_levels,
)

TODAY = date(2026, 12, 5)
RATES = {("EUR", "USD"): Decimal("1.10"), ("EUR", "CHF"): Decimal("0.95")}
TREE = {
    "HOLD": Group("HOLD", "EUR"),
    "DE": Group("DE", "EUR", "HOLD"),
    "US": Group("US", "USD", "HOLD"),
}
MEMBERS = [
    ("DE", Decimal(300_000), "EUR"),
    ("DE", Decimal(150_000), "EUR"),
    ("US", Decimal(220_000), "USD"),
    ("HOLD", Decimal(95_000), "CHF"),
]


def test_a_groups_exposure_is_its_members_and_its_sub_groups_in_its_own_currency() -> None:
    found = exposures(TREE, MEMBERS, RATES)
    assert {code: round(amount or 0, 2) for code, amount in found.items()} == {
        "HOLD": Decimal("750000.00"),
        "DE": Decimal("450000.00"),
        "US": Decimal("220000.00"),
    }


def test_a_member_no_rate_reaches_leaves_its_groups_exposure_unknown_not_counted_as_nothing() -> None:
    found = exposures(
        TREE, [("DE", Decimal(10), "JPY"), ("US", Decimal(5), "USD"), ("US", None, "USD")], RATES
    )
    assert found == {"HOLD": None, "DE": None, "US": None}
    assert exposures(TREE, [("DE", Decimal(10), "JPY"), ("US", Decimal(5), "USD")], RATES)["US"] == 5


def test_the_chain_runs_nearest_first_and_locks_take_ancestors_first() -> None:
    deep = {**TREE, "US-W": Group("US-W", "USD", "US")}
    assert chain(deep, "US-W") == ["US-W", "US", "HOLD"]
    assert lock_order(deep, ["US-W", "DE"]) == ["HOLD", "DE", "US", "US-W"]
    assert lock_order(deep, ["DE", "US-W"]) == ["HOLD", "DE", "US", "US-W"]


@pytest.mark.parametrize(
    ("changed", "detail"),
    [
        (Group("DE", "EUR", "DE"), "a group cannot be its own parent: DE"),
        (Group("DE", "EUR", "NOBODY"), "unknown parent group `NOBODY`"),
        (Group("HOLD", "EUR", "DE"), "a cycle of parent groups: HOLD → DE → HOLD"),
    ],
)
def test_a_tree_refuses_a_cycle_and_an_unknown_parent_with_a_pointer(changed: Group, detail: str) -> None:
    with pytest.raises(InvalidGroupTree) as refused:
        validate(TREE, changed)
    assert refused.value.extra["errors"] == [{"pointer": "#/parent", "detail": detail}]


def test_a_group_may_move_under_another_branch() -> None:
    validate(TREE, Group("US", "USD", "DE"))


HOLD_LIMIT = CreditLimit(Decimal(1_000_000))


def order(amount: str, *, own_limit: str = "1000000", hold: CreditLimit | None = HOLD_LIMIT) -> CheckInput:
    found = {code: amount or Decimal(0) for code, amount in exposures(TREE, MEMBERS, RATES).items()}
    usd_per_usd, eur_per_usd = Decimal(1), 1 / RATES["EUR", "USD"]
    return CheckInput(
        amount=Decimal(amount),
        currency="USD",
        exposure=Decimal(220_000),
        limit=CreditLimit(Decimal(own_limit)),
        blocked=False,
        today=TODAY,
        groups=(
            GroupStanding("US", "USD", CreditLimit(Decimal(600_000)), found["US"], usd_per_usd),
            GroupStanding("HOLD", "EUR", hold, found["HOLD"], eur_per_usd),
        ),
    )


def test_an_order_within_its_own_limit_is_held_when_an_ancestor_group_would_go_over() -> None:
    result = decide(order("330000"))
    assert result.decision is Decision.HELD
    assert [r.code for r in result.reasons] == [ReasonCode.GROUP_LIMIT_EXCEEDED]
    assert result.reasons[0].details == {
        "group": "HOLD",
        "currency": "EUR",
        "limit": Decimal("1000000.00"),
        "exposure_before": Decimal("750000.00"),
        "exposure_after": Decimal("1050000.00"),
        "shortfall": Decimal("50000.00"),
    }
    assert "credit group HOLD" in result.reasons[0].message


def test_every_group_over_its_limit_is_named_nearest_first() -> None:
    result = decide(order("440000"))  # US 660,000 USD over 600,000; HOLD 1,150,000 EUR
    assert [r.details["group"] for r in result.reasons] == ["US", "HOLD"]
    assert result.reasons[0].details["shortfall"] == Decimal("60000.00")


def test_the_customers_own_limit_is_checked_before_its_groups() -> None:
    result = decide(order("330000", own_limit="500000"))
    assert [r.code for r in result.reasons] == [ReasonCode.LIMIT_EXCEEDED]


def test_an_order_that_fits_every_group_passes_and_a_group_without_a_limit_sets_none() -> None:
    assert decide(order("200000")).decision is Decision.APPROVED  # HOLD 931,818.18 EUR
    assert decide(order("330000", hold=None)).decision is Decision.APPROVED


def test_a_lapsed_group_limit_allows_nothing_more_as_a_customers_would() -> None:
    lapsed = CreditLimit(Decimal(2_000_000), valid_until=date(2026, 11, 30))
    result = decide(order("1", hold=lapsed))
    assert result.decision is Decision.HELD
    assert result.reasons[0].message == "The limit of credit group HOLD lapsed on 2026-11-30"
    assert result.reasons[0].details["limit"] == Decimal("0.00")


def test_a_groups_temporary_increase_counts_while_it_runs() -> None:
    raised = CreditLimit(
        Decimal(1_000_000),
        temporary=(TemporaryIncrease(Decimal(60_000), date(2026, 12, 1), date(2026, 12, 31)),),
    )
    assert decide(order("330000", hold=raised)).decision is Decision.APPROVED


def test_a_group_counts_the_members_of_every_group_below_it() -> None:
    deep = {**TREE, "US-W": Group("US-W", "USD", "US")}
    assert under(deep, "HOLD") == {"HOLD", "DE", "US", "US-W"}
    assert under(deep, "US") == {"US", "US-W"}
    assert under(deep, "DE") == {"DE"}


def test_the_parts_of_a_groups_exposure_count_as_a_customers_exposure_does() -> None:
    """DE's members owe 450,000 EUR, hold 20,000 EUR on account and have reserved 30,000 EUR; an
    order of C-DE1 reserved at 10,000 EUR has been invoiced 4,000 EUR and 2,200 USD (2,000 EUR at
    1.10): 4,000 EUR of it remains. Netting cash: 450,000 - 20,000 + 30,000 + 4,000 = 464,000 EUR."""
    parts = [
        Part("DE", "open", "EUR", Decimal(450_000)),
        Part("DE", "cash", "EUR", Decimal(20_000)),
        Part("DE", "reserved", "EUR", Decimal(30_000)),
    ]
    billed = [Invoiced("DE", Decimal(10_000), "EUR", [("EUR", Decimal(4_000)), ("USD", Decimal(2_200))])]
    netted = contributions(parts, billed, RATES, net_unallocated_cash=True)
    assert exposures(TREE, netted, RATES)["DE"] == Decimal(464_000)
    gross = contributions(parts, billed, RATES, net_unallocated_cash=False)
    assert exposures(TREE, gross, RATES)["DE"] == Decimal(484_000)
    # An invoice in a currency without a rate leaves the group's exposure unknown, never smaller.
    unknown = [Invoiced("DE", Decimal(10_000), "EUR", [("JPY", Decimal(1))])]
    assert exposures(TREE, contributions([], unknown, RATES, net_unallocated_cash=True), RATES)["DE"] is None


def test_a_groups_score_weighs_its_members_by_exposure_in_its_currency() -> None:
    """C-DE1 (score 700, 300,000 EUR) and C-DE2 (400, 150,000 EUR): DE = (700 x 300,000 + 400 x
    150,000) / 450,000 = 600. C-US1 (500, 220,000 USD = 200,000 EUR) joins them in HOLD:
    (210,000,000 + 60,000,000 + 100,000,000) / 650,000 = 569.23..."""
    members = [
        ("DE", Decimal(700), Decimal(300_000), "EUR"),
        ("DE", Decimal(400), Decimal(150_000), "EUR"),
        ("US", Decimal(500), Decimal(220_000), "USD"),
    ]
    found = weighted_scores(TREE, members, RATES)
    assert found["DE"] == Decimal(600)
    assert found["US"] == Decimal(500)
    assert round(found["HOLD"] or Decimal(0), 2) == Decimal("569.23")
    # Members that owe nothing weigh alike: their plain mean. No scored member: no score.
    idle = weighted_scores(
        TREE, [("DE", Decimal(700), Decimal(0), "EUR"), ("DE", Decimal(400), Decimal(-5), "EUR")], RATES
    )
    assert (idle["DE"], idle["US"]) == (Decimal(550), None)


def test_a_groups_warning_level_is_the_worst_below_it() -> None:
    assert worst_levels(TREE, [("DE", 1), ("US", 3), ("DE", 2)]) == {"HOLD": 3, "DE": 2, "US": 3}
    assert worst_levels(TREE, []) == {"HOLD": 0, "DE": 0, "US": 0}
