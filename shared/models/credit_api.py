"""Tables written by credit_api (schema `credit_api`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base

SCHEMA = "credit_api"


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
    payment_terms_days: Mapped[int | None]
    review_date: Mapped[date | None]
    blocked: Mapped[bool] = mapped_column(server_default=text("false"))
    block_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class CreditLimit(Base):
    """Every limit ever set; the current one is the row not yet superseded."""

    __tablename__ = "credit_limits"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.customers.customer_code"), index=True)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    valid_until: Mapped[date | None]
    reason: Mapped[str] = mapped_column(String(500))
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(server_default=func.now())
    superseded_at: Mapped[datetime | None]


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
    checked_by: Mapped[str] = mapped_column(String(100))
    checked_at: Mapped[datetime] = mapped_column(server_default=func.now())


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
