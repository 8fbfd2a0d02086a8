from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from shared.domain.credit import CheckPolicy
from shared.roles import Role
from shared.settings import PlatformSettings


class ApiSettings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="CREDENCE_API_", extra="ignore", validate_by_name=True)

    host: str = Field("127.0.0.1", description="Interface uvicorn binds to")
    port: int = Field(8000, description="HTTP port of credit_api")
    db_pool_size: int = Field(20, description="Connections kept open to PostgreSQL")
    db_pool_recycle_seconds: float = Field(
        300.0,
        gt=0,
        description="A connection older than this is replaced when next taken from the pool: PostgreSQL "
        "keeps the plans of the credit check's statements per connection, and plans made while the tables "
        "were small and fast growing (a new installation) would otherwise last as long as the process",
    )
    db_pool_timeout_seconds: float = Field(
        5.0, gt=0, description="Longest wait for a free connection before a 503 problem"
    )
    check_deadline_seconds: float = Field(
        2.0, gt=0, description="Longest a credit check may take before a 503 problem (retry with its key)"
    )
    limit_tolerance: Decimal = Field(
        Decimal("0"), description="Share above the limit still approved (0.05 = 5%)"
    )
    near_limit_ratio: Decimal = Field(Decimal("0.90"), description="Utilisation from which approvals warn")
    check_batch_size: int = Field(
        64, ge=1, le=1000, description="The most credit checks decided in one batch"
    )
    check_batch_lanes: int = Field(
        2, ge=1, le=16, description="Batches of credit checks decided at once, each on its own connection"
    )
    rate_limit_per_second: float = Field(
        2000.0, gt=0, description="Requests per second one API key may make (each process), on average"
    )
    rate_limit_burst: int = Field(
        4000, ge=1, description="Requests one API key may make at once above its rate before a 429"
    )
    max_body_bytes: int = Field(
        2_000_000, ge=1024, description="Largest request body accepted; a larger one is a 413 problem"
    )
    access_log: bool = Field(
        True, description="Log every request: method, route template, status, time, request id"
    )
    key_cache_seconds: float = Field(
        30.0,
        description="How long a verified API key is trusted without a lookup (a revocation or "
        "rotation reaches every process at once, by PostgreSQL NOTIFY, whatever this is)",
    )
    overdue_tolerance_days: int = Field(
        30, description="Hold orders when an item is more days past due than this"
    )
    max_overdue_share: Decimal = Field(
        Decimal("0.50"), description="Hold orders when more of the receivables is overdue"
    )
    net_unallocated_cash: bool = Field(True, description="Unallocated cash reduces exposure")
    reservation_ttl_days: int = Field(
        30, description="Days an uninvoiced reservation counts before it expires"
    )
    idempotency_retention_hours: int = Field(
        48, description="How long Idempotency-Key answers are kept (at least 24)"
    )
    dunning_daily: bool = Field(
        True,
        description="Run dunning and then the statements of account every day (and catch up missed "
        "days) in the background; off when a scheduler runs `credence collections run` and "
        "`credence statements run` instead",
    )
    dunning_poll_seconds: float = Field(
        300, description="How often to check whether the day's dunning run (and any missed day) is due"
    )
    max_uninsured_exposure: Decimal | None = Field(
        None,
        description="Hold orders that would leave more than this (in `authority_currency`) of a "
        "customer's exposure uninsured by its credit insurance cover (reason `uninsured_exposure`); "
        "unset: off",
    )
    authority_currency: str = Field("EUR", description="Currency of the approval authorities below")
    public_url: str = Field(
        "http://127.0.0.1:8000",
        pattern=r"^https?://[^/]+(/.*)?$",
        description="credit_api's address as customers reach it: the portal links in e-mails start with it",
    )
    portal_secret: SecretStr | None = Field(
        None,
        min_length=32,
        description="Signs the customers' portal links (32 characters or more; `credence dev env` makes "
        "one); unset: no portal, and e-mails carry no link",
    )
    portal_link_days: int = Field(60, ge=1, le=365, description="Days a portal link in an e-mail works")
    portal_requests_per_minute: float = Field(
        60, gt=0, description="Requests one portal link may make a minute, on average (bursts of 30)"
    )
    portal_max_attachment_bytes: int = Field(
        1_500_000, ge=1024, description="Largest document a customer may attach to a dispute at its portal"
    )
    company_name: str = Field(
        "Credence", min_length=1, description="The company that sends statements of account, as they name it"
    )
    authority_credit_controller: Decimal = Field(
        Decimal("50000"), description="Largest limit a credit controller sets or requests without approval"
    )
    authority_credit_manager: Decimal = Field(
        Decimal("500000"), description="Largest limit a credit manager sets or approves (admin: no bound)"
    )
    consume_events: bool = Field(
        True, description="Consume customer.upserted and ledger events in this process"
    )
    group_id: str = Field("credence-credit-api", description="Kafka consumer group of the event consumer")
    source: str = Field("credence/credit-api", description="CloudEvents `source` of what credit_api emits")

    @field_validator("idempotency_retention_hours")
    @classmethod
    def _at_least_a_day(cls, value: int) -> int:
        if value < 24:
            raise ValueError("Idempotency-Key answers are kept at least 24 hours")
        return value

    @property
    def policy(self) -> CheckPolicy:
        return CheckPolicy(
            limit_tolerance=self.limit_tolerance,
            near_limit_ratio=self.near_limit_ratio,
            overdue_tolerance_days=self.overdue_tolerance_days,
            max_overdue_share=self.max_overdue_share,
        )

    def authority(self, role: Role) -> Decimal | None:
        """The largest limit this role may grant on its own, in `authority_currency`; None: no bound."""
        return {
            Role.CREDIT_CONTROLLER: self.authority_credit_controller,
            Role.CREDIT_MANAGER: self.authority_credit_manager,
            Role.ADMIN: None,
        }.get(role, Decimal(0))


@lru_cache
def get_settings() -> ApiSettings:
    return ApiSettings()
