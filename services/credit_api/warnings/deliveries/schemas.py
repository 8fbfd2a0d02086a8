from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator

from shared.schemas import IsoDateTime


def masked(target: str) -> str:
    """Webhook and bot URLs carry their credentials (a Slack path, a WeCom `key`, a DingTalk
    `access_token`): only the host and the last four characters are shown."""
    if "://" not in target:
        return target
    parts = urlsplit(target)
    return f"{parts.scheme}://{parts.netloc}/…{target[-4:]}"


class DeliveryOut(BaseModel):
    id: uuid.UUID
    channel: str = Field(description="email, webhook, slack, teams, wecom, dingtalk or feishu")
    target: str = Field(description="The address, or the URL with its credentials masked")
    subject: str
    customer_code: str | None
    alert_id: uuid.UUID | None
    level: str | None
    status: str = Field(description="pending (retried with backoff), sent or failed (given up)")
    attempts: int
    last_error: str | None
    next_attempt_at: IsoDateTime
    created_at: IsoDateTime
    sent_at: IsoDateTime | None

    @field_validator("target", mode="before")
    @classmethod
    def _mask(cls, value: Any) -> Any:
        return masked(value) if isinstance(value, str) else value

    model_config = {
        "from_attributes": True,
        "json_schema_extra": {
            "examples": [
                {
                    "id": "0b7f3c1e-8a52-4d7e-9f0a-3c2b1d4e5f60",
                    "channel": "dingtalk",
                    "target": "https://oapi.dingtalk.com/…3f9a",
                    "subject": "[Credence] 严重：华东贸易（C-1001）— 信用预警",
                    "customer_code": "C-1001",
                    "alert_id": "6a1d2e3f-4b5c-4d6e-8f70-8192a3b4c5d6",
                    "level": "critical",
                    "status": "pending",
                    "attempts": 2,
                    "last_error": "ChatRefused: dingtalk refused the message: 310000 sign not match",
                    "next_attempt_at": "2026-11-24T10:00:08Z",
                    "created_at": "2026-11-24T10:00:00Z",
                    "sent_at": None,
                }
            ]
        },
    }
