from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, JsonValue

from shared.schemas import CurrencyCode, IsoDateTime, StrictModel

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

EXAMPLE: dict[str, JsonValue] = {"name": "Acme Holding AG", "currency": "EUR", "parent": None}


class CreditGroupIn(StrictModel):
    name: Annotated[str, Field(min_length=1, max_length=200, examples=["Acme Holding AG"])]
    currency: CurrencyCode = Field(description="The group's limit and exposure are kept in it")
    parent: GroupCode | None = Field(None, description="The group this one belongs to; null: a top group")

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [EXAMPLE]}}


class CreditGroupOut(BaseModel):
    code: str
    name: str
    currency: str
    parent: str | None
    ancestors: list[str] = Field(description="The parent, its parent and so on up to the top group")
    sub_groups: list[str] = Field(description="The groups directly under this one")
    members: list[str] = Field(description="The customers directly in this group")
    exposure: str | None = Field(
        description="Of the members and of every sub-group's, in the group's currency (open "
        "receivables + live reservations − cash on account, as the credit check counts a customer's); "
        "null when an exchange rate it needs is missing"
    )
    created_at: IsoDateTime
    updated_at: IsoDateTime

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "code": "G-ACME-DE",
                    "name": "Acme Deutschland",
                    "currency": "EUR",
                    "parent": "G-ACME",
                    "ancestors": ["G-ACME"],
                    "sub_groups": [],
                    "members": ["C-1001", "C-1002"],
                    "exposure": "450000.00",
                    "created_at": "2026-12-05T09:00:00Z",
                    "updated_at": "2026-12-05T09:00:00Z",
                }
            ]
        }
    }


class CreditGroupNode(BaseModel):
    """A group with its members and, nested, its sub-groups."""

    code: str
    name: str
    currency: str
    exposure: str | None
    members: list[str]
    sub_groups: list[CreditGroupNode]

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "code": "G-ACME",
                    "name": "Acme Holding AG",
                    "currency": "EUR",
                    "exposure": "750000.00",
                    "members": ["C-1009"],
                    "sub_groups": [
                        {
                            "code": "G-ACME-DE",
                            "name": "Acme Deutschland",
                            "currency": "EUR",
                            "exposure": "450000.00",
                            "members": ["C-1001", "C-1002"],
                            "sub_groups": [],
                        }
                    ],
                }
            ]
        }
    }
