from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shared.schemas import Amount, CurrencyCode, IsoDate, StrictModel

Reason = Annotated[str, Field(min_length=3, max_length=500, examples=["annual review 2026"])]


class CreditLimitSet(StrictModel):
    amount: Amount = Field(description="The permanent limit, in the customer's credit currency (0 allowed)")
    currency: CurrencyCode | None = Field(
        None, description="If given, must be the customer's credit currency"
    )
    valid_until: IsoDate | None = Field(None, description="Last day the limit is in force; none: open-ended")
    reason: Reason

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [{"amount": "50000.00", "valid_until": "2027-06-30", "reason": "annual review 2026"}]
        },
    }
