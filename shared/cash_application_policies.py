"""Cash application policies: YAML or JSON documents checked against a schema. The default ships as
`shared/policies/cash_application.yaml`."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from shared.domain.cash_application import Policy
from shared.domain.errors import InvalidInput
from shared.policy_documents import read, shipped

DEFAULT_VERSION = "default"


class InvalidCashApplicationPolicy(InvalidInput):
    code = "invalid-cash-application-policy"
    title = "Invalid cash application policy"


class PolicyIn(BaseModel):
    """A cash application policy as it is written (`GET /v1/cash-application-policies/default` gives
    the shipped one)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "apply_from": "0.95",
                    "bank_charges_up_to": "15.00",
                    "prefixes": ["INV", "RE"],
                    "max_items": 3,
                    "search_oldest": 20,
                    "group_items": True,
                }
            ]
        },
    )

    apply_from: Annotated[
        Decimal, Field(ge=0, le=1, description="Confidence from which a match applies itself")
    ]
    bank_charges_up_to: Annotated[Decimal, Field(ge=0, le=10_000)] = Decimal(0)
    prefixes: list[Annotated[str, Field(pattern=r"^[A-Z]{1,10}$")]] = Field(default=[], max_length=50)
    max_items: Annotated[StrictInt, Field(ge=1, le=8)] = 4
    search_oldest: Annotated[StrictInt, Field(ge=1, le=60)] = 24
    group_items: StrictBool = False

    def to_domain(self, version: str) -> Policy:
        return Policy(
            version=version,
            apply_from=self.apply_from,
            bank_charges_up_to=self.bank_charges_up_to,
            prefixes=tuple(self.prefixes),
            max_items=self.max_items,
            search_oldest=self.search_oldest,
            group_items=self.group_items,
        )


def parse(document: dict[str, Any], version: str) -> Policy:
    """A document as data (from YAML or JSON), checked in full: every problem with its pointer."""
    return read(PolicyIn, document, InvalidCashApplicationPolicy).to_domain(version)


def default_document() -> dict[str, Any]:
    return shipped("cash_application.yaml")


@cache
def default() -> Policy:
    return parse(default_document(), DEFAULT_VERSION)
