"""Field types shared by the HTTP and event contracts."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema


def decimal_string(value: object) -> object:
    # JSON numbers are binary floats in most clients; amounts travel as strings to stay exact.
    if not isinstance(value, str | Decimal):
        raise ValueError('amounts are decimal strings such as "1250.00", not JSON numbers')
    return value


# What the document says is what is validated: a decimal string, never a JSON number.
DECIMAL_STRING = WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?$"})

# At most 16 digits before the point and 4 after: what the database's amount columns hold.
Amount = Annotated[
    Decimal,
    BeforeValidator(decimal_string),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d{1,16}(\.\d{1,4})?$"}),
    Field(
        max_digits=20,
        decimal_places=4,
        examples=["1250.00"],
        description="A decimal string, no more decimals than the currency has",
    ),
]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["EUR"], description="ISO 4217 code")]
CustomerCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9._\-]+$",
        examples=["C-1001"],
        description="The ERP's customer code",
    ),
]
GroupCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9._\-]+$",
        examples=["G-ACME"],
        description="The credit group's code",
    ),
]


class StrictModel(BaseModel):
    """Request bodies: unknown fields are refused so that typos never pass silently."""

    model_config = ConfigDict(extra="forbid")


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$")


def _written(pattern: re.Pattern[str], form: str) -> object:
    def check(value: object) -> object:
        # Without this a number (or a string of digits) would be read as Unix time: `as_of=0`
        # would mean 1970-01-01 instead of being refused.
        if (isinstance(value, str) and not pattern.match(value)) or isinstance(value, int | float | Decimal):
            raise ValueError(f"written {form}")
        return value

    return check


IsoDate = Annotated[date, BeforeValidator(_written(_DATE, "YYYY-MM-DD"))]
"""A calendar date as RFC 3339 writes it (`2026-11-25`), nothing else."""

IsoDateTime = Annotated[
    datetime, BeforeValidator(_written(_DATE_TIME, "as RFC 3339, e.g. 2026-11-25T10:00:00Z"))
]
"""A moment as RFC 3339 writes it, nothing else."""
