from __future__ import annotations

from pydantic import BaseModel, Field

from shared.schemas import IsoDate


class Method(BaseModel):
    """How the customer's habit was reached (`shared/domain/prediction.py`)."""

    method: str = Field(description="days late, or month-end runs for a customer paying on them")
    payments: int = Field(description="Payments in the window before the as-of date")
    own_weight: float = Field(description="Its own history's weight against its grade's: n ÷ (n + 5)")
    trend_days: float = Field(description="How far its habit moved for its trend (positive: paying later)")
    average_days_late: float | None = Field(description="Amount-weighted, over the window")
    promise_kept_share: float = Field(description="The chance a promise of its is kept")


class PredictedItem(BaseModel):
    item_id: str
    currency: str
    due_date: IsoDate
    open_amount: str
    days_overdue: int
    disputed: bool = Field(description="Under an open dispute: no prediction until it is resolved")
    promised_date: IsoDate | None = Field(description="The earliest open promise to pay it")
    predicted_date: IsoDate | None = Field(description="The median: paid by then with a chance of one half")
    earliest: IsoDate | None = Field(description="10th percentile")
    latest: IsoDate | None = Field(description="90th percentile")
    paid_by_due_date: float | None = Field(description="Probability of payment by the due date")
    unpaid_in_30_days: float | None = Field(description="Probability it is still unpaid 30 days on")
    promise_at_risk: bool = Field(description="Its habit says it will be paid after the promised date")


class Predictions(BaseModel):
    customer_code: str
    as_of: IsoDate
    method: Method | None = Field(description="None when it has no open invoice and no payment")
    items: list[PredictedItem] = Field(description="Its open invoices, by due date")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "customer_code": "C-1001",
                    "as_of": "2026-06-30",
                    "method": {
                        "method": "days late",
                        "payments": 12,
                        "own_weight": 0.706,
                        "trend_days": 2.5,
                        "average_days_late": 9.4,
                        "promise_kept_share": 0.7,
                    },
                    "items": [
                        {
                            "item_id": "INV-1001",
                            "currency": "EUR",
                            "due_date": "2026-07-15",
                            "open_amount": "1200.00",
                            "days_overdue": 0,
                            "disputed": False,
                            "promised_date": None,
                            "predicted_date": "2026-07-26",
                            "earliest": "2026-07-15",
                            "latest": "2026-08-09",
                            "paid_by_due_date": 0.2841,
                            "unpaid_in_30_days": 0.0412,
                            "promise_at_risk": False,
                        }
                    ],
                }
            ]
        }
    }


class Scores(BaseModel):
    mean_absolute_error_days: float | None = Field(description="Per invoice paid in full within the weeks")
    weekly_error_percent: float | None = Field(description="Σ |forecast − actual| by week ÷ actual cash")


class Backtest(BaseModel):
    as_of: IsoDate
    weeks: int
    invoices: int = Field(description="Open on the as-of date")
    paid_in_full: int = Field(description="Of them, paid in full within the weeks (not disputed)")
    model: Scores
    baselines: dict[str, Scores]

    def lines(self) -> list[str]:
        """As `credence forecast backtest` prints it: a summary, then the model and the baselines."""
        shown = [
            f"backtest as of {self.as_of}, {self.weeks} weeks: {self.invoices} invoices open, "
            f"{self.paid_in_full} paid in full within the weeks",
            f"{'':34} {'MAE (days)':>11} {'weekly error (%)':>17}",
        ]
        for name, scores in [("model", self.model), *self.baselines.items()]:
            mae, weekly = scores.mean_absolute_error_days, scores.weekly_error_percent
            shown.append(
                f"{name:34} {'—' if mae is None else mae:>11} {'—' if weekly is None else weekly:>17}"
            )
        return shown
