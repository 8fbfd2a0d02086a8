from __future__ import annotations

import base64
import binascii
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from services.notifier.chat import ChatFormat
from shared.settings import PlatformSettings

LEVELS = ("watch", "warning", "critical")


class ChatDestination(BaseModel):
    """A chat group bot: its platform's message format, its webhook URL, the secret of its
    "signature" security setting (DingTalk, Feishu), the lowest level it wants, and a language for
    its messages (the customer's when unset)."""

    format: ChatFormat
    url: str = Field(pattern=r"^https?://")
    secret: SecretStr | None = None
    min_level: Literal["watch", "warning", "critical"] = "watch"
    language: Literal["en", "zh-CN"] | None = None

    def wants(self, level: str) -> bool:
        return LEVELS.index(level) >= LEVELS.index(self.min_level)


class NotifierSettings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="CREDENCE_NOTIFIER_", extra="ignore", validate_by_name=True)

    http_host: str = Field("127.0.0.1", description="Interface of the probe and metrics port")
    http_port: int = Field(8002, description="Port serving /healthz, /readyz and /metrics")
    group_id: str = Field("credence-notifier", description="Kafka consumer group")
    source: str = Field("credence/notifier", description="CloudEvents `source` of what the notifier emits")
    smtp_host: str = Field("127.0.0.1", description="SMTP server")
    smtp_port: int = Field(2525, description="SMTP port (the local stack's mail sink listens on 2525)")
    smtp_username: str | None = Field(None, description="SMTP login, if the server wants one")
    smtp_password: SecretStr | None = Field(None, description="SMTP password")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS")
    mail_from: str = Field("Credence <credence@localhost>", description="Sender of every email")
    alert_email: str | None = Field(
        None, description="Receives alerts of customers without a credit controller"
    )
    webhook_urls: str = Field(
        "", description="Comma-separated URLs that receive every alert as a signed POST"
    )
    webhook_secret: SecretStr = Field(
        SecretStr("whsec_Y3JlZGVuY2UtZGV2LXdlYmhvb2sta2V5"),
        description="Webhook signing key, `whsec_` + base64 (Standard Webhooks); development default",
    )
    chat_webhooks: list[ChatDestination] = Field(
        [],
        description="Chat group bots, as JSON: "
        '`[{"format": "dingtalk", "url": "…", "secret": "…", "min_level": "warning", "language": "zh-CN"}]`; '
        "format is slack, teams, wecom, dingtalk or feishu",
    )
    max_attempts: int = Field(8, description="Attempts per delivery before it is marked failed")
    retry_base_seconds: float = Field(2.0, description="First retry delay; doubles with each attempt")
    lease_seconds: float = Field(
        60,
        gt=0,
        description="How long a claimed delivery is left to its sender before another notifier takes "
        "it over (its sender died); keep it above the 15 s an attempt may take",
    )
    db_pool_size: int = Field(5, description="Connections kept open to PostgreSQL")

    @field_validator("webhook_secret")
    @classmethod
    def _secret_is_base64(cls, value: SecretStr) -> SecretStr:
        try:
            base64.b64decode(value.get_secret_value().removeprefix("whsec_"), validate=True)
        except binascii.Error:
            raise ValueError("webhook_secret must be `whsec_` followed by base64") from None
        return value

    @property
    def webhooks(self) -> list[str]:
        return [url.strip() for url in self.webhook_urls.split(",") if url.strip()]

    def chat_secret(self, fmt: str, url: str) -> str | None:
        """The signing secret of a destination, looked up when sending so that it is never stored."""
        for destination in self.chat_webhooks:
            if destination.format == fmt and destination.url == url and destination.secret:
                return destination.secret.get_secret_value()
        return None


@lru_cache
def get_settings() -> NotifierSettings:
    return NotifierSettings()
