from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, JsonValue

from services.credit_api.credit.customers.schemas import CreditLimitOut
from services.credit_api.credit.temporary_limits.schemas import IncreaseOut
from shared.schemas import CurrencyCode, CustomerCode, GroupCode, IsoDateTime, StrictModel

EXAMPLE: dict[str, JsonValue] = {"name": "Acme Holding AG", "currency": "EUR", "parent": None}


class CreditGroupIn(StrictModel):
    name: Annotated[str, Field(min_length=1, max_length=200, examples=["Acme Holding AG"])]
    currency: CurrencyCode = Field(description="The group's limit and exposure are kept in it")
    parent: GroupCode | None = Field(None, description="The group this one belongs to; null: a top group")
    parent_customer: CustomerCode | None = Field(
        None,
        description="The customer at the head of the group (the parent company): once its financial "
        "statements are filed, its assessment is the group's. Absent: unchanged; null: none",
    )

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
    credit_limit: CreditLimitOut | None = Field(description="The group's permanent limit, if one is set")
    effective_limit: str | None = Field(description="The limit in force today; null if none")
    available: str | None = Field(description="The effective limit less the exposure")
    utilisation: str | None = Field(description="The exposure as a share of the effective limit")
    parent_customer: str | None = Field(None, description="The customer at the head of the group")
    score: str | None = Field(
        None,
        description="The group's assessment: the parent customer's score once its financial statements "
        "are filed; otherwise the members' scores (of the group and of every sub-group) weighted by "
        "their exposure in the group's currency, their plain mean when none owes anything; null "
        "without either",
    )
    grade: str | None = Field(None, description="The grade of that assessment")
    assessment_basis: Literal["parent_statements", "members"] | None = Field(
        None, description="Where the score comes from"
    )
    warning_level: str = Field(
        "normal",
        description="The worst early-warning level among the members of the group and of every "
        "sub-group: normal, watch, warning or critical",
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
                    "credit_limit": {
                        "amount": "600000.00",
                        "currency": "EUR",
                        "valid_until": None,
                        "reason": "group review 2026",
                        "set_by": "key:maria",
                        "set_at": "2026-12-05T09:00:00Z",
                        "superseded_at": None,
                    },
                    "effective_limit": "600000.00",
                    "available": "150000.00",
                    "utilisation": "0.7500",
                    "parent_customer": None,
                    "score": "62.5",
                    "grade": "C",
                    "assessment_basis": "members",
                    "warning_level": "watch",
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


class GroupTemporaryLimitOut(IncreaseOut):
    group: str

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": "7a0e1d2c-3b4a-5968-8776-5a4b3c2d1e0f",
                    "group": "G-ACME",
                    "amount": "200000.00",
                    "currency": "EUR",
                    "valid_from": "2026-12-01",
                    "valid_until": "2026-12-31",
                    "reason": "year-end shipments of the whole group",
                    "created_by": "key:li-wei",
                    "created_at": "2026-11-22T09:00:00Z",
                }
            ]
        }
    }
