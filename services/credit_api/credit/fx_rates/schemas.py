from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, field_validator

from shared.schemas import DECIMAL_STRING, CurrencyCode, IsoDate, IsoDateTime, StrictModel, decimal_string

Rate = Annotated[Decimal, BeforeValidator(decimal_string), DECIMAL_STRING, Field(gt=0, examples=["1.0842"])]


class FxRatesSet(StrictModel):
    base: CurrencyCode = Field(
        description="Each rate is the price of one unit of base, in the quote currency"
    )
    rates: dict[str, Rate] = Field(min_length=1, description="Quote currency -> rate")

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [{"base": "EUR", "rates": {"USD": "1.0842", "CNY": "7.7915", "JPY": "162.35"}}]
        },
    }

    @field_validator("rates")
    @classmethod
    def _quotes_are_currencies(cls, rates: dict[str, Decimal]) -> dict[str, Decimal]:
        for quote in rates:
            if len(quote) != 3 or not quote.isupper() or not quote.isalpha():
                raise ValueError(f"{quote!r} is not an ISO 4217 code")
        return rates


class FxRatesOut(BaseModel):
    date: IsoDate
    base: str
    rates: dict[str, str]
    set_by: str | None = None
    set_at: IsoDateTime | None = None

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "date": "2026-11-20",
                    "base": "EUR",
                    "rates": {"USD": "1.0842000000", "CNY": "7.7915000000"},
                    "set_by": "key:erp-sap",
                    "set_at": "2026-11-20T06:00:00Z",
                }
            ]
        }
    }


class FxPairOut(BaseModel):
    base: str
    quote: str
    rate: str
    rate_date: IsoDate = Field(description="The day this rate was set for")


class FxRatesInForce(BaseModel):
    """Every rate in force on a date: per currency pair, the latest one set on or before it."""

    date: IsoDate
    rates: list[FxPairOut]

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "date": "2026-11-22",
                    "rates": [
                        {"base": "EUR", "quote": "USD", "rate": "1.0842000000", "rate_date": "2026-11-20"}
                    ],
                }
            ]
        }
    }
