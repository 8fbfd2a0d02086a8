"""Tables written by credit_api (schema `credit_api`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, OutboxMixin

SCHEMA = "credit_api"


class CreditGroup(Base):
    """A parent company, a holding or any set of customers that share a limit: a tree of any depth."""

    __tablename__ = "credit_groups"
    __table_args__ = {"schema": SCHEMA}

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), comment="The group's limit and exposure are kept in it")
    parent_code: Mapped[str | None] = mapped_column(ForeignKey(f"{SCHEMA}.credit_groups.code"), index=True)
    parent_customer: Mapped[str | None] = mapped_column(
        ForeignKey(f"{SCHEMA}.customers.customer_code"),
        comment="The legal entity at the head of the group, whose financial statements stand for the group's",
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class LimitMixin:
    """A permanent limit as it was set; the current one is the row not yet superseded."""

    id: Mapped[int] = mapped_column(primary_key=True)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    valid_until: Mapped[date | None]
    reason: Mapped[str] = mapped_column(String(500))
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(server_default=func.now())
    superseded_at: Mapped[datetime | None]


class CreditGroupLimit(LimitMixin, Base):
    """Every limit a credit group has had, in its currency."""

    __tablename__ = "credit_group_limits"
    __table_args__ = {"schema": SCHEMA}

    group_code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.credit_groups.code"), index=True)


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = {"schema": SCHEMA}

    customer_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    industry: Mapped[str | None] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3))
    language: Mapped[str] = mapped_column(String(10), server_default="en")
    contacts: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    payment_terms: Mapped[str | None] = mapped_column(
        String(10), comment="A terms code: NET30, EOM30, 30EOM, PREPAY"
    )
    listed: Mapped[bool] = mapped_column(server_default=text("false"), comment="Shares traded on an exchange")
    customer_since: Mapped[date | None] = mapped_column(comment="When the relationship began")
    review_date: Mapped[date | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), server_default="active", index=True)
    grade: Mapped[str | None] = mapped_column(String(10), index=True)
    abc_class: Mapped[str | None] = mapped_column(String(1), comment="A, B or C by credit sales")
    score: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    credit_group: Mapped[str | None] = mapped_column(ForeignKey(f"{SCHEMA}.credit_groups.code"), index=True)
    # Created from a ledger event before the ERP sent master data; cleared by the first upsert.
    master_data_missing: Mapped[bool] = mapped_column(server_default=text("false"))
    blocked: Mapped[bool] = mapped_column(server_default=text("false"))
    block_reason: Mapped[str | None] = mapped_column(String(500))
    blocked_at: Mapped[datetime | None]
    blocked_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class CreditLimit(LimitMixin, Base):
    """Every limit a customer has had, in its credit currency."""

    __tablename__ = "credit_limits"
    __table_args__ = {"schema": SCHEMA}

    customer_code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.customers.customer_code"), index=True)


class ApiKey(Base):
    __tablename__ = "api_keys"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    key_prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None] = mapped_column(comment="Null: never")
    last_used_at: Mapped[datetime | None] = mapped_column(
        comment="When a process last looked the key up (at most its key cache period late)"
    )


class CreditCheck(Base):
    """A documented credit decision: inputs, reasons and outcome, kept as they were."""

    __tablename__ = "credit_checks"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    customer_code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.customers.customer_code"), index=True)
    order_ref: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    decision: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list[dict[str, Any]]]
    effective_limit: Mapped[Decimal | None]
    exposure_before: Mapped[Decimal]
    exposure_after: Mapped[Decimal]
    available_after: Mapped[Decimal | None]
    order_amount: Mapped[Decimal | None]
    order_currency: Mapped[str | None] = mapped_column(String(3))
    reservation_id: Mapped[uuid.UUID | None]
    hold_id: Mapped[uuid.UUID | None]
    checked_by: Mapped[str] = mapped_column(String(100))
    checked_at: Mapped[datetime] = mapped_column(server_default=func.now())
    decided_seq: Mapped[int] = mapped_column(
        BigInteger,
        Identity(always=True),
        comment="The order decisions were taken in: a customer's checks are decided one after another",
    )


class AuditEntry(Base):
    """Append-only: a trigger in the database refuses UPDATE and DELETE."""

    __tablename__ = "audit_log"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(100))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    request_id: Mapped[str | None] = mapped_column(String(100))


class TemporaryMixin:
    """An increase on top of the permanent limit for a window of days (both ends included)."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    reason: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class TemporaryLimit(TemporaryMixin, Base):
    __tablename__ = "temporary_limits"
    __table_args__ = {"schema": SCHEMA}

    customer_code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.customers.customer_code"), index=True)


class CreditGroupTemporaryLimit(TemporaryMixin, Base):
    """A temporary increase of a credit group's limit, in the group's currency."""

    __tablename__ = "credit_group_temporary_limits"
    __table_args__ = {"schema": SCHEMA}

    group_code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.credit_groups.code"), index=True)


class LimitRequest(Base):
    """A proposed permanent limit of a customer or of a credit group awaiting a second person's
    approval (four eyes)."""

    __tablename__ = "limit_requests"
    __table_args__ = (
        CheckConstraint(
            "(customer_code IS NULL) <> (group_code IS NULL)", name="limit_request_of_customer_or_group"
        ),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    customer_code: Mapped[str | None] = mapped_column(
        ForeignKey(f"{SCHEMA}.customers.customer_code"), index=True
    )
    group_code: Mapped[str | None] = mapped_column(ForeignKey(f"{SCHEMA}.credit_groups.code"), index=True)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    valid_until: Mapped[date | None]
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), index=True)
    requested_by: Mapped[str] = mapped_column(String(100))
    requester_key_id: Mapped[uuid.UUID]
    requested_at: Mapped[datetime] = mapped_column(server_default=func.now())
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(String(500))


class FxRate(Base):
    """1 unit of `base` is worth `rate` units of `quote`, from `rate_date` until a later rate."""

    __tablename__ = "fx_rates"
    __table_args__ = {"schema": SCHEMA}

    rate_date: Mapped[date] = mapped_column(primary_key=True)
    base: Mapped[str] = mapped_column(String(3), primary_key=True)
    quote: Mapped[str] = mapped_column(String(3), primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(24, 10))
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Reservation(Base):
    """Order amount held against the limit until invoiced, released or expired."""

    __tablename__ = "reservations"
    __table_args__ = (
        # One live reservation per order: a new check for the same order replaces its amount.
        Index(
            "uq_reservations_active_order",
            "customer_code",
            "order_ref",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
        # What a credit group's figures subtract from `reservation_totals` (migration 0039): the
        # live reservations past their expiry, and those an earlier invoice consumes.
        Index("ix_reservations_active_expiry", "expires_at", postgresql_where=text("status = 'active'")),
        # A customer's live reservations past their expiry, not yet marked: read by each credit check.
        Index(
            "ix_reservations_active_customer_expiry",
            "customer_code",
            "expires_at",
            postgresql_where=text("status = 'active'"),
        ),
        Index(
            "ix_reservations_active_invoiced_before",
            "customer_code",
            postgresql_where=text("status = 'active' AND invoiced_before"),
        ),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    customer_code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.customers.customer_code"))
    order_ref: Mapped[str] = mapped_column(String(100))
    check_id: Mapped[uuid.UUID | None]
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    # Indexed so that the risk worker finds the customers whose reservations changed lately.
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    expires_at: Mapped[datetime]
    released_at: Mapped[datetime | None] = mapped_column(index=True)
    release_reason: Mapped[str | None] = mapped_column(String(500))
    invoiced_before: Mapped[bool] = mapped_column(
        server_default=false(), comment="The order had been invoiced when this reservation was last written"
    )


class ReservationTotal(Base):
    """A customer's active reservations summed by currency, kept by the reservations' statement
    triggers (migration 0039): a credit group's figures read one row per member."""

    __tablename__ = "reservation_totals"
    __table_args__ = {"schema": SCHEMA}

    customer_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(comment="Sum of the active reservations")
    longest_term: Mapped[timedelta] = mapped_column(
        comment="The longest term of any reservation written (expiry less writing): bounds a live one's age"
    )


class CreditGroupReservationTotal(Base):
    """The active reservations of a credit group's own members summed by currency, kept with the
    members' sums by the same triggers and moved with a member that changes group (migration
    0046): a group's figures read one row per group, not one per member."""

    __tablename__ = "credit_group_reservation_totals"
    __table_args__ = {"schema": SCHEMA}

    group_code: Mapped[str] = mapped_column(
        ForeignKey(f"{SCHEMA}.credit_groups.code", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(comment="Sum of the members' active reservations")
    longest_term: Mapped[timedelta] = mapped_column(
        comment="The longest term of any member's reservation written: bounds a live one's age"
    )


class CreditHold(Base):
    """An order held by a credit check, until released (automatically or by override) or rejected."""

    __tablename__ = "credit_holds"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    check_id: Mapped[uuid.UUID]
    customer_code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.customers.customer_code"), index=True)
    order_ref: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    order_amount: Mapped[Decimal]
    order_currency: Mapped[str] = mapped_column(String(3))
    reasons: Mapped[list[dict[str, Any]]]
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolution_note: Mapped[str | None] = mapped_column(String(500))
    reservation_id: Mapped[uuid.UUID | None]


class IdempotencyRecord(Base):
    """The stored answer to a request made with an `Idempotency-Key`, per API key."""

    __tablename__ = "idempotency_keys"
    __table_args__ = {"schema": SCHEMA}

    api_key_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)


class Outbox(OutboxMixin, Base):
    __tablename__ = "outbox"
    __table_args__ = {"schema": SCHEMA}


class InboxEntry(Base):
    __tablename__ = "inbox"
    __table_args__ = {"schema": SCHEMA}

    source: Mapped[str] = mapped_column(String(500), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())


class PolicyVersionMixin:
    """A versioned policy document as an admin uploaded it; at most one version is active."""

    version: Mapped[str] = mapped_column(String(60), primary_key=True)
    document: Mapped[dict[str, Any]]
    active: Mapped[bool] = mapped_column(server_default=text("false"))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    activated_at: Mapped[datetime | None]
    # The trace of the request that activated it, continued by the work the activation causes.
    activated_traceparent: Mapped[str | None] = mapped_column(Text)


class Scorecard(PolicyVersionMixin, Base):
    __tablename__ = "scorecards"
    __table_args__ = (
        Index("uq_scorecards_one_active", "active", unique=True, postgresql_where=text("active")),
        {"schema": SCHEMA},
    )


class WarningPolicy(PolicyVersionMixin, Base):
    __tablename__ = "warning_policies"
    __table_args__ = (
        Index("uq_warning_policies_one_active", "active", unique=True, postgresql_where=text("active")),
        {"schema": SCHEMA},
    )


class CashApplicationPolicy(PolicyVersionMixin, Base):
    __tablename__ = "cash_application_policies"
    __table_args__ = (
        Index(
            "uq_cash_application_policies_one_active", "active", unique=True, postgresql_where=text("active")
        ),
        {"schema": SCHEMA},
    )


class CashMatchDecision(Base):
    """A person's word on a cash application match: confirmed or rejected while it waited, and
    reversed once applied (a match may be confirmed, then reversed). The match itself is the risk
    worker's (`v_cash_matches`)."""

    __tablename__ = "cash_match_decisions"
    __table_args__ = {"schema": SCHEMA}

    match_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    decision: Mapped[str] = mapped_column(
        String(20), primary_key=True, comment="confirmed, rejected or reversed"
    )
    customer_code: Mapped[str] = mapped_column(String(64), index=True)
    payment_id: Mapped[str] = mapped_column(String(100))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(comment="The allocations confirmed or reversed")
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime]


class DunningPolicy(PolicyVersionMixin, Base):
    __tablename__ = "dunning_policies"
    __table_args__ = (
        Index("uq_dunning_policies_one_active", "active", unique=True, postgresql_where=text("active")),
        {"schema": SCHEMA},
    )


class Review(Base):
    """A completed credit review of a customer."""

    __tablename__ = "reviews"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.customers.customer_code"), index=True)
    decision: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(String(2000))
    grade: Mapped[str | None] = mapped_column(String(10))
    next_review_date: Mapped[date]
    reviewed_by: Mapped[str] = mapped_column(String(100))
    reviewed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class WarningAlert(Base):
    """An early-warning alert: opened when a customer leaves normal, following its level, resolved
    when it is back to normal (or by a person, with a note)."""

    __tablename__ = "alerts"
    __table_args__ = (
        # One alert a customer at a time: a new one opens only once the last is resolved.
        Index(
            "uq_alerts_one_unresolved",
            "customer_code",
            unique=True,
            postgresql_where=text("status <> 'resolved'"),
        ),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    customer_code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.customers.customer_code"), index=True)
    level: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), comment="open, acknowledged or resolved")
    causes: Mapped[list[dict[str, Any]]]
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(2000))


class AlertEvent(Base):
    """Every change of an early-warning alert, numbered: the live stream replays it from a client's
    `Last-Event-ID`, and the same change leaves as an `alert.*` CloudEvent."""

    __tablename__ = "alert_events"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    alert_id: Mapped[uuid.UUID]
    customer_code: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class DunningNotice(Base):
    """A notice a dunning run issued to a customer for one step, with its items as they stood."""

    __tablename__ = "dunning_notices"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    customer_code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.customers.customer_code"), index=True)
    step: Mapped[str] = mapped_column(String(40))
    effect: Mapped[str] = mapped_column(String(20))
    as_of: Mapped[date]
    policy_version: Mapped[str] = mapped_column(String(60))
    channels: Mapped[list[str]]
    items: Mapped[list[dict[str, Any]]]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class DunningStep(Base):
    """A step an item took; the key makes each step of each item happen once."""

    __tablename__ = "dunning_steps"
    __table_args__ = {"schema": SCHEMA}

    customer_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    step: Mapped[str] = mapped_column(String(40), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(20), comment="notice, task or superseded")
    as_of: Mapped[date]
    notice_id: Mapped[uuid.UUID | None]
    task_id: Mapped[uuid.UUID | None]


class CollectionTask(Base):
    """Work for a credit controller: a call to make, a hand-over to legal."""

    __tablename__ = "collection_tasks"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    customer_code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.customers.customer_code"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    step: Mapped[str | None] = mapped_column(String(40))
    as_of: Mapped[date]
    items: Mapped[list[dict[str, Any]]]
    status: Mapped[str] = mapped_column(String(20), server_default="open")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    outcome: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(String(2000))
    completed_by: Mapped[str | None] = mapped_column(String(100))
    completed_at: Mapped[datetime | None]


class DunningRun(Base):
    """A day the dunning run has done: a missed day is caught up, a day done is not done again."""

    __tablename__ = "dunning_runs"
    __table_args__ = {"schema": SCHEMA}

    as_of: Mapped[date] = mapped_column(primary_key=True)
    policy_version: Mapped[str] = mapped_column(String(60))
    customers: Mapped[int]
    notices: Mapped[int]
    tasks: Mapped[int]
    finished_at: Mapped[datetime] = mapped_column(server_default=func.now())


class StatementRun(Base):
    """A day the statement run has done: a missed day is caught up, a day done is not done again."""

    __tablename__ = "statement_runs"
    __table_args__ = {"schema": SCHEMA}

    as_of: Mapped[date] = mapped_column(primary_key=True)
    policy_version: Mapped[str] = mapped_column(String(60))
    sent: Mapped[int]
    without_address: Mapped[int] = mapped_column(comment="Customers due one, with no address to send it to")
    finished_at: Mapped[datetime] = mapped_column(server_default=func.now())


class StatementSend(Base):
    """A statement of account e-mailed to a customer: one per customer and period, whatever reruns.
    The notifier attaches the PDF, read through `v_statement_documents`."""

    __tablename__ = "statement_sends"
    __table_args__ = {"schema": SCHEMA}

    customer_code: Mapped[str] = mapped_column(
        ForeignKey(f"{SCHEMA}.customers.customer_code"), primary_key=True
    )
    period_from: Mapped[date] = mapped_column(primary_key=True)
    period_to: Mapped[date] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(20), comment="monthly, or moved: the ledger moved since")
    as_of: Mapped[date] = mapped_column(comment="The run's day")
    policy_version: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(10))
    journal_line: Mapped[int] = mapped_column(
        BigInteger, comment="The customer's last journal line then: a later one means its ledger moved"
    )
    closing: Mapped[list[dict[str, Any]]] = mapped_column(comment="Closing balance per currency")
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Promise(Base):
    """A customer's promise to pay `amount` of some items (or of what it owes) by a date: dunning
    of those items pauses until the date plus the policy's grace; then it is kept or broken."""

    __tablename__ = "promises"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    customer_code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.customers.customer_code"), index=True)
    item_ids: Mapped[list[str]] = mapped_column(comment="Empty: any of the customer's invoices")
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    promised_date: Mapped[date]
    made_on: Mapped[date]
    channel: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20), server_default="open")
    settled_on: Mapped[date | None]
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Contact(Base):
    """A call, visit, e-mail, letter or portal action with a customer: the credit file's contact log.
    A next action that falls due becomes a worklist task, once (`task_id`)."""

    __tablename__ = "contacts"
    __table_args__ = (
        CheckConstraint("(next_action IS NULL) = (next_action_on IS NULL)", name="next_action_dated"),
        Index("ix_contacts_customer_on", "customer_code", "contact_on"),
        Index("ix_contacts_follow_up_due", "next_action_on", postgresql_where=text("task_id IS NULL")),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    customer_code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.customers.customer_code"))
    kind: Mapped[str] = mapped_column(String(20), comment="call, visit, email, letter, portal or other")
    contact_on: Mapped[date] = mapped_column(comment="The business date of the contact")
    who: Mapped[str] = mapped_column(String(200), comment="Whom at the customer it was with")
    summary: Mapped[str] = mapped_column(String(4000))
    next_action: Mapped[str | None] = mapped_column(String(500))
    next_action_on: Mapped[date | None]
    task_id: Mapped[uuid.UUID | None] = mapped_column(comment="The worklist task its next action became")
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class PortalLink(Base):
    """A customer's way into its portal: the link's token carries this id and the expiry, signed;
    revoking the row closes the link before it expires."""

    __tablename__ = "portal_links"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    customer_code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.customers.customer_code"), index=True)
    purpose: Mapped[str] = mapped_column(String(20), comment="statement, notice or given (by a person)")
    expires_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(100))


class DisputeAttachment(Base):
    """A document a customer sent with its dispute (a delivery note, a photo), checked for its type
    and size before the dispute is opened."""

    __tablename__ = "dispute_attachments"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    dispute_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.disputes.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Dispute(Base):
    """A customer contests (part of) an invoice: the invoice leaves dunning, stays in exposure."""

    __tablename__ = "disputes"
    __table_args__ = (
        Index(
            "uq_disputes_one_live_per_item",
            "customer_code",
            "item_id",
            unique=True,
            postgresql_where=text("status IN ('open', 'accepted')"),
        ),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    customer_code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.customers.customer_code"), index=True)
    item_id: Mapped[str] = mapped_column(String(100))
    reason_code: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    note: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20), server_default="open")
    opened_on: Mapped[date]
    resolution_note: Mapped[str | None] = mapped_column(String(2000))
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None]
    escalated_on: Mapped[date | None]
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class InterestClaim(Base):
    """Late interest and compensation an invoice owes once it is settled (or waived while still
    open), a claim of its own until waived or invoiced by the ERP."""

    __tablename__ = "interest_claims"
    __table_args__ = {"schema": SCHEMA}

    customer_code: Mapped[str] = mapped_column(
        ForeignKey(f"{SCHEMA}.customers.customer_code"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    due_date: Mapped[date]
    settled_on: Mapped[date | None] = mapped_column(comment="When the invoice was settled; null: waived open")
    interest: Mapped[Decimal]
    compensation: Mapped[Decimal]
    days_late: Mapped[int]
    periods: Mapped[list[dict[str, Any]]] = mapped_column(comment="The explanation: balance, rate, days")
    policy_version: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20), comment="claimable, waived or invoiced")
    invoice_ref: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(2000))
    closed_by: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SpecificProvision(Base):
    """A customer provided for by name (a rate of what it owes, or an amount): out of the matrix."""

    __tablename__ = "specific_provisions"
    __table_args__ = (
        CheckConstraint("(rate IS NULL) <> (amount IS NULL)", name="rate_or_amount"),
        {"schema": SCHEMA},
    )

    customer_code: Mapped[str] = mapped_column(
        ForeignKey(f"{SCHEMA}.customers.customer_code"), primary_key=True
    )
    rate: Mapped[Decimal | None] = mapped_column(Numeric(7, 6))
    amount: Mapped[Decimal | None]
    currency: Mapped[str | None] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(2000))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class InsurancePolicy(Base):
    """A credit insurance policy: the insurer pays `indemnity` of a covered loss; customers without a
    named cover are covered up to the discretionary limit."""

    __tablename__ = "insurance_policies"
    __table_args__ = {"schema": SCHEMA}

    policy_number: Mapped[str] = mapped_column(String(60), primary_key=True)
    insurer: Mapped[str] = mapped_column(String(200))
    indemnity: Mapped[Decimal] = mapped_column(Numeric(5, 4), comment="0.90: 90 % paid")
    currency: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    discretionary_limit: Mapped[Decimal] = mapped_column(comment="Cover per customer without a named limit")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class InsuranceCover(Base):
    """A cover limit an insurer granted for one customer under a policy; every decision kept."""

    __tablename__ = "insurance_covers"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    policy_number: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.insurance_policies.policy_number"))
    customer_code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.customers.customer_code"), index=True)
    amount: Mapped[Decimal]
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    decision_ref: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class User(Base):
    """A person who signs in to the console; acts with the rights of its role."""

    __tablename__ = "users"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    password_hash: Mapped[str] = mapped_column(String(200), comment="Argon2id")
    failed_attempts: Mapped[int] = mapped_column(server_default=text("0"))
    locked_until: Mapped[datetime | None]
    disabled: Mapped[bool] = mapped_column(server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class UserSession(Base):
    """A signed-in browser: the cookie's digest, its CSRF token and when it ends."""

    __tablename__ = "user_sessions"
    __table_args__ = {"schema": SCHEMA}

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True, comment="SHA-256 of the cookie")
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]


class DeadLetterReplay(Base):
    """A dead letter of the risk worker sent back to its topic from credit_api: once each, and who."""

    __tablename__ = "dead_letter_replays"
    __table_args__ = {"schema": SCHEMA}

    dead_letter_id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False, comment="risk_worker.dead_letters.id"
    )
    replayed_by: Mapped[str] = mapped_column(String(200))
    replayed_at: Mapped[datetime]


class CreditGroupWarning(Base):
    """A credit group's utilisation level by the warning policy, with the dates from which higher
    levels' thresholds have been reached while their minimum duration runs."""

    __tablename__ = "credit_group_warnings"
    __table_args__ = {"schema": SCHEMA}

    group_code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.credit_groups.code"), primary_key=True)
    level: Mapped[int] = mapped_column(server_default="0")
    pending: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    utilisation: Mapped[Decimal | None]
    evaluated_on: Mapped[date | None]


class CreditGroupAlert(Base):
    """A credit group's utilisation alert: opened when the group leaves normal, following its level,
    resolved when it is back to normal."""

    __tablename__ = "credit_group_alerts"
    __table_args__ = (
        Index(
            "uq_credit_group_alerts_one_unresolved",
            "group_code",
            unique=True,
            postgresql_where=text("status <> 'resolved'"),
        ),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    group_code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.credit_groups.code"), index=True)
    level: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), comment="open or resolved")
    utilisation: Mapped[Decimal | None]
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
