from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from shared.schemas import IsoDate


class AbcApplyIn(BaseModel):
    as_of: IsoDate
    period_days: Annotated[StrictInt, Field(ge=1, le=3660)] = 365
    a: Annotated[Decimal, Field(gt=0, lt=1)] = Decimal("0.80")
    b: Annotated[Decimal, Field(gt=0, le=1)] = Decimal("0.95")

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"as_of": "2026-10-31"}]}}


class AbcApplied(BaseModel):
    as_of: IsoDate
    changed: int = Field(description="Customers whose class in the credit file changed")

    model_config = {"json_schema_extra": {"examples": [{"as_of": "2026-10-31", "changed": 312}]}}


class Period(BaseModel):
    first: IsoDate
    last: IsoDate
    days: int | None = None


def _example(value: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [value]})


class DsoRow(BaseModel):
    group: str
    currency: str
    receivables: str
    not_due: str
    credit_sales: str
    period_days: int
    dso: str | None = Field(description="Standard DSO; null without credit sales in the period")
    countback_dso: str | None
    countback_complete: bool = Field(description="False: the periods ran out first (a floor)")
    best_possible_dso: str | None
    average_days_delinquent: str | None
    beginning_receivables: str
    cei_percent: str | None = Field(description="Collection effectiveness index")


class DsoReport(BaseModel):
    as_of: IsoDate
    period: Period
    countback: str
    group_by: str
    rows: list[DsoRow]
    missing_rates: list[str]

    model_config = _example(
        {
            "as_of": "2026-10-31",
            "period": {"first": "2026-08-03", "last": "2026-10-31", "days": 90},
            "countback": "30-day periods",
            "group_by": "customer",
            "rows": [
                {
                    "group": "R1",
                    "currency": "EUR",
                    "receivables": "212000.00",
                    "not_due": "100000.00",
                    "credit_sales": "250000.00",
                    "period_days": 90,
                    "dso": "76.3",
                    "countback_dso": "73.7",
                    "countback_complete": True,
                    "best_possible_dso": "36.0",
                    "average_days_delinquent": "40.3",
                    "beginning_receivables": "0.00",
                    "cei_percent": "25.33",
                }
            ],
            "missing_rates": [],
        }
    )


class MonthEnd(BaseModel):
    day: IsoDate
    receivables: str


class TurnoverRow(BaseModel):
    group: str
    currency: str
    credit_sales: str
    average_receivables: str
    month_ends: list[MonthEnd]
    turnover: str | None
    days: str | None


class TurnoverReport(BaseModel):
    as_of: IsoDate
    period: Period
    group_by: str
    rows: list[TurnoverRow]
    missing_rates: list[str]

    model_config = _example(
        {
            "as_of": "2026-10-31",
            "period": {"first": "2026-08-01", "last": "2026-10-31", "days": 92},
            "group_by": "portfolio",
            "rows": [
                {
                    "group": "portfolio",
                    "currency": "EUR",
                    "credit_sales": "250000.00",
                    "average_receivables": "108500.00",
                    "month_ends": [
                        {"day": "2026-07-31", "receivables": "10000.00"},
                        {"day": "2026-08-31", "receivables": "80000.00"},
                        {"day": "2026-09-30", "receivables": "122000.00"},
                        {"day": "2026-10-31", "receivables": "222000.00"},
                    ],
                    "turnover": "2.30",
                    "days": "39.9",
                }
            ],
            "missing_rates": [],
        }
    )


class BucketLine(BaseModel):
    bucket: str
    balance: str
    rate: str | None
    loss: str


class RolledMonth(BaseModel):
    balance: str
    rolled_on: str = Field(description="Found in the next bucket a month later (last bucket: written off)")


class RollRateOut(BaseModel):
    bucket: str
    average: str | None
    months: list[RolledMonth]


class SegmentMinimum(BaseModel):
    months: int
    balance: str


class Rates(BaseModel):
    buckets: dict[str, str | None] = Field(description="The portfolio's loss rates by bucket")
    method: Literal["matrix", "roll_rate"]
    source: str | None = None
    weighting: Literal["amount", "mean"] | None = None
    history_months: int | None = None
    forward_looking_factor: str | None = None
    roll_rates: list[RollRateOut] | None = Field(
        None, description="The portfolio's, with the data behind them"
    )
    segment_by: str | None = None
    segment_minimum: SegmentMinimum | None = None
    segments: dict[str, dict[str, str | None]] | None = Field(
        None, description="Each segment's loss rates by bucket (the portfolio's where it fell back)"
    )
    fallbacks: dict[str, str] | None = Field(
        None, description="Segments with too little history for rates of their own, and why"
    )


class PreviousRates(BaseModel):
    buckets: dict[str, str | None]


class ProvisionRow(BaseModel):
    group: str
    currency: str
    buckets: list[BucketLine]
    matrix_provision: str
    specific_receivables: str
    specific_provision: str
    provision: str
    previous_month_end: str = Field(description="The provision as it stood then, at that day's own rates")
    movement: str
    movement_by_balances: str = Field(
        description="Σ (balance now − then) × the rate then, and the change of specific provisions"
    )
    movement_by_rates: str = Field(description="The rest of the movement: what the change of rates did")


class ProvisionsReport(BaseModel):
    as_of: IsoDate
    previous_month_end: IsoDate
    group_by: str
    rates: Rates
    previous_rates: PreviousRates
    rows: list[ProvisionRow]
    missing_rates: list[str]

    model_config = _example(
        {
            "as_of": "2026-10-31",
            "previous_month_end": "2026-09-30",
            "group_by": "portfolio",
            "rates": {
                "buckets": {
                    "not_due": "0.003000",
                    "1-30": "0.016000",
                    "31-60": "0.036000",
                    "61-90": "0.066000",
                    ">90": "0.106000",
                },
                "method": "matrix",
                "source": "shared/policies/provisions.yaml",
            },
            "previous_rates": {
                "buckets": {
                    "not_due": "0.003000",
                    "1-30": "0.016000",
                    "31-60": "0.036000",
                    "61-90": "0.066000",
                    ">90": "0.106000",
                }
            },
            "rows": [
                {
                    "group": "portfolio",
                    "currency": "EUR",
                    "buckets": [
                        {"bucket": "not_due", "balance": "100000.00", "rate": "0.003000", "loss": "300.00"},
                        {"bucket": "1-30", "balance": "80000.00", "rate": "0.016000", "loss": "1280.00"},
                        {"bucket": "31-60", "balance": "32000.00", "rate": "0.036000", "loss": "1152.00"},
                        {"bucket": "61-90", "balance": "0.00", "rate": "0.066000", "loss": "0.00"},
                        {"bucket": ">90", "balance": "0.00", "rate": "0.106000", "loss": "0.00"},
                    ],
                    "matrix_provision": "2732.00",
                    "specific_receivables": "10000.00",
                    "specific_provision": "5000.00",
                    "provision": "7732.00",
                    "previous_month_end": "5752.00",
                    "movement": "1980.00",
                    "movement_by_balances": "1980.00",
                    "movement_by_rates": "0.00",
                }
            ],
            "missing_rates": [],
        }
    )


class AbcRow(BaseModel):
    customer_code: str
    currency: str
    credit_sales: str
    share: str | None
    cumulative: str | None
    abc_class: str
    previous_class: str | None
    class_in_file: str | None
    changed: bool


class AbcReport(BaseModel):
    as_of: IsoDate
    period: Period
    previous_period: Period
    cut_offs: dict[str, str]
    rows: list[AbcRow]
    missing_rates: list[str]

    model_config = _example(
        {
            "as_of": "2026-10-31",
            "period": {"first": "2025-11-01", "last": "2026-10-31", "days": 365},
            "previous_period": {"first": "2024-11-01", "last": "2025-10-31"},
            "cut_offs": {"a": "0.80", "b": "0.95"},
            "rows": [
                {
                    "customer_code": "R1",
                    "currency": "EUR",
                    "credit_sales": "250000.00",
                    "share": "0.961538",
                    "cumulative": "0.961538",
                    "abc_class": "A",
                    "previous_class": "C",
                    "class_in_file": None,
                    "changed": True,
                }
            ],
            "missing_rates": [],
        }
    )


class InsuranceRow(BaseModel):
    group: str
    currency: str
    exposure: str
    cover: str
    insured: str
    uninsured: str
    over_cover: str


class OverCover(BaseModel):
    customer_code: str
    currency: str
    exposure: str
    cover: str
    over_cover: str
    cover_source: str | None = Field(description="named, discretionary, or null without a policy")


class Expiring(BaseModel):
    customer_code: str
    policy_number: str
    cover: str
    currency: str
    valid_to: IsoDate


class InsuranceReport(BaseModel):
    as_of: IsoDate
    group_by: str
    rows: list[InsuranceRow]
    over_cover: list[OverCover]
    expiring: list[Expiring]
    missing_rates: list[str]

    model_config = _example(
        {
            "as_of": "2026-10-31",
            "group_by": "customer",
            "rows": [
                {
                    "group": "R1",
                    "currency": "EUR",
                    "exposure": "212000.00",
                    "cover": "150000.00",
                    "insured": "135000.00",
                    "uninsured": "77000.00",
                    "over_cover": "62000.00",
                }
            ],
            "over_cover": [
                {
                    "customer_code": "R1",
                    "currency": "EUR",
                    "exposure": "212000.00",
                    "cover": "150000.00",
                    "over_cover": "62000.00",
                    "cover_source": "named",
                }
            ],
            "expiring": [],
            "missing_rates": [],
        }
    )


class TopRisk(BaseModel):
    customer_code: str | None = Field(description="The customer; null on a row of a group")
    group: str | None = Field(
        None, description="With `group_by` (a credit group, an industry…): the group the row sums"
    )
    customers: int = Field(1, description="How many customers the row sums")
    currency: str
    exposure: str
    uninsured: str
    grade: str | None
    probability_of_default: str
    loss_given_default: str
    expected_loss: str
    warning_level: str
    dunning_step: str | None


class TopRisksReport(BaseModel):
    as_of: IsoDate
    currency: str
    total_expected_loss: str
    rows: list[TopRisk]
    missing_rates: list[str]

    model_config = _example(
        {
            "as_of": "2026-10-31",
            "currency": "EUR",
            "total_expected_loss": "8977.50",
            "rows": [
                {
                    "customer_code": "R1",
                    "currency": "EUR",
                    "exposure": "212000.00",
                    "uninsured": "77000.00",
                    "grade": None,
                    "probability_of_default": "0.25",
                    "loss_given_default": "0.45",
                    "expected_loss": "8662.50",
                    "warning_level": "warning",
                    "dunning_step": "notice_2",
                }
            ],
            "missing_rates": [],
        }
    )


class CashWeek(BaseModel):
    week: int = Field(description="1: the seven days after the as-of date")
    first: IsoDate
    last: IsoDate
    expected: str = Field(description="Σ open amount × probability of payment in the week")
    low: str = Field(description="10th percentile of the week's cash (80 % band)")
    high: str = Field(description="90th percentile")


class CashForecastRow(BaseModel):
    group: str
    currency: str
    weeks: list[CashWeek]
    within: str = Field(description="Expected over all the weeks")
    later: str = Field(description="Expected after the last week, or never")
    disputed: str = Field(description="Open under dispute: left out until resolved")


class CashForecastReport(BaseModel):
    as_of: IsoDate
    weeks: int
    group_by: str
    rows: list[CashForecastRow]
    missing_rates: list[str]

    model_config = _example(
        {
            "as_of": "2026-06-30",
            "weeks": 2,
            "group_by": "portfolio",
            "rows": [
                {
                    "group": "portfolio",
                    "currency": "EUR",
                    "weeks": [
                        {"week": 1, "first": "2026-07-01", "last": "2026-07-07", "expected": "41250.00",
                         "low": "35110.20", "high": "47389.80"},
                        {"week": 2, "first": "2026-07-08", "last": "2026-07-14", "expected": "38900.00",
                         "low": "32204.75", "high": "45595.25"},
                    ],
                    "within": "80150.00",
                    "later": "112300.00",
                    "disputed": "4200.00",
                }
            ],
            "missing_rates": [],
        }
    )  # fmt: skip
