"""Field types shared by the HTTP and event contracts."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def decimal_string(value: object) -> object:
    # JSON numbers are binary floats in most clients; amounts travel as strings to stay exact.
    if isinstance(value, float):
        raise ValueError('amounts are decimal strings such as "1250.00", not JSON numbers')
    return value


Amount = Annotated[Decimal, BeforeValidator(decimal_string), Field(examples=["1250.00"])]
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


class StrictModel(BaseModel):
    """Request bodies: unknown fields are refused so that typos never pass silently."""

    model_config = ConfigDict(extra="forbid")
