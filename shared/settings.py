"""Settings common to every service. Each service subclasses these with its own env prefix."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "postgresql://credence@127.0.0.1:25432/credence"
DEFAULT_KAFKA = "127.0.0.1:29092"


class PlatformSettings(BaseSettings):
    """Where the platform's PostgreSQL and Kafka are, and the names of its topics.

    These use the same environment names in every service (no prefix), so one `dev.env` or one
    deployment secret configures all three.
    """

    model_config = SettingsConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True)

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        validation_alias="DATABASE_URL",
        description="PostgreSQL, libpq form (`postgresql://user:pass@host:port/db`)",
    )
    kafka_bootstrap_servers: str = Field(
        DEFAULT_KAFKA,
        validation_alias="KAFKA_BOOTSTRAP_SERVERS",
        description="Kafka bootstrap servers, comma-separated",
    )
    otlp_endpoint: str = Field(
        "",
        validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT",
        description="OpenTelemetry collector (OTLP/HTTP, e.g. `http://collector:4318`); empty: no traces",
    )
    ar_events_topic: str = Field(
        "credence.ar.events",
        validation_alias="CREDENCE_TOPIC_AR_EVENTS",
        description="ERP events in; its dead-letter topic is this name + `.dlq`",
    )
    alerts_topic: str = Field(
        "credence.alerts",
        validation_alias="CREDENCE_TOPIC_ALERTS",
        description="Alerts and dunning notices out, consumed by the notifier",
    )
    credit_events_topic: str = Field(
        "credence.credit.events",
        validation_alias="CREDENCE_TOPIC_CREDIT_EVENTS",
        description="Credit holds released or rejected, for order systems",
    )
    risk_events_topic: str = Field(
        "credence.risk.events",
        validation_alias="CREDENCE_TOPIC_RISK_EVENTS",
        description="Ledger changes that concern credit_api (receivables went down)",
    )
    log_level: str = Field("INFO", validation_alias="CREDENCE_LOG_LEVEL", description="Log level")
    log_json: bool = Field(
        True,
        validation_alias="CREDENCE_LOG_JSON",
        description="JSON log lines (false: human-readable console output)",
    )

    @property
    def dead_letter_topic(self) -> str:
        return f"{self.ar_events_topic}.dlq"
