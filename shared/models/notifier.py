"""Tables written by notifier (schema `notifier`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base

SCHEMA = "notifier"


class InboxEntry(Base):
    __tablename__ = "inbox"
    __table_args__ = {"schema": SCHEMA}

    source: Mapped[str] = mapped_column(String(500), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Delivery(Base):
    """One message to one target; sent by the dispatcher, retried with backoff until it gives up."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("event_source", "event_id", "channel", "target"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    event_source: Mapped[str] = mapped_column(String(500))
    event_id: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(500))
    customer_code: Mapped[str | None] = mapped_column(String(64), index=True)
    alert_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    level: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str]
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20), server_default="pending", index=True)
    attempts: Mapped[int] = mapped_column(server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(1000))
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now())
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    sent_at: Mapped[datetime | None]
