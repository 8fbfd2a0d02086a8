"""Tables written by risk_worker (schema `risk_worker`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Identity, Index, Numeric, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, OutboxMixin

SCHEMA = "risk_worker"


class StoredEvent(Base):
    """The event store, and the inbox: its key `(source, event_id)` makes every apply idempotent."""

    __tablename__ = "events"
    __table_args__ = {"schema": SCHEMA}

    source: Mapped[str] = mapped_column(String(500), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    # Arrival order across all partitions, so a rebuild replays events as they were applied.
    seq: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    type: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(64), index=True)
    time: Mapped[datetime | None]
    data: Mapped[dict[str, Any]]
    topic: Mapped[str] = mapped_column(String(250))
    partition: Mapped[int]
    offset: Mapped[int] = mapped_column(BigInteger)
    stored_at: Mapped[datetime] = mapped_column(server_default=func.now())


class OpenItem(Base):
    __tablename__ = "open_items"
    __table_args__ = (
        # An invoice's number as cash application compares it: letters and digits, without the
        # letters and zeros before it; other customers' invoices a remittance names are found by it.
        Index(
            "ix_risk_worker_open_items_number",
            text("regexp_replace(regexp_replace(upper(item_id), '[^A-Z0-9]', '', 'g'), '^[A-Z0]+', '')"),
        ),
        {"schema": SCHEMA},
    )

    customer_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    item_type: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal]
    open_amount: Mapped[Decimal]
    issue_date: Mapped[date]
    due_date: Mapped[date]
    order_ref: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), server_default="open")
    settled_on: Mapped[date | None] = mapped_column(
        comment="Business date the open balance reached zero; null while open"
    )
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Balance(Base):
    """The exposure projection: open receivables per customer and currency."""

    __tablename__ = "balances"
    __table_args__ = {"schema": SCHEMA}

    customer_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    open_receivables: Mapped[Decimal]
    unallocated_cash: Mapped[Decimal] = mapped_column(server_default="0")
    unapplied_credit: Mapped[Decimal] = mapped_column(server_default="0")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Outbox(OutboxMixin, Base):
    __tablename__ = "outbox"
    __table_args__ = {"schema": SCHEMA}


class OrderInvoicing(Base):
    """How much has been invoiced per order: it consumes the order's reservation in credit_api."""

    __tablename__ = "order_invoicing"
    __table_args__ = (
        # credit_api finds the orders invoiced after their reservation was written (migration 0039).
        Index("ix_risk_worker_order_invoicing_customer_changed", "customer_code", "changed_at"),
        {"schema": SCHEMA},
    )

    customer_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_ref: Mapped[str] = mapped_column(String(100), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    invoiced_amount: Mapped[Decimal]
    changed_at: Mapped[datetime] = mapped_column(
        server_default=func.now(), comment="When the order's invoiced amount last changed"
    )


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = {"schema": SCHEMA}

    customer_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal]
    unallocated: Mapped[Decimal] = mapped_column(comment="What of the payment is still on account")
    received_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), server_default="received")


class Allocation(Base):
    """Part of a payment applied to one open item."""

    __tablename__ = "allocations"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_code: Mapped[str] = mapped_column(String(64), index=True)
    payment_id: Mapped[str] = mapped_column(String(100))
    item_id: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal]
    allocated_on: Mapped[date]
    deduction: Mapped[Decimal] = mapped_column(
        server_default=text("0"),
        comment="Settled with it besides the cash by cash application: a discount or bank charges",
    )


class LedgerCustomer(Base):
    """Customers as the ledger knows them: a stub when events arrive before master data."""

    __tablename__ = "customers"
    __table_args__ = {"schema": SCHEMA}

    customer_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    master_data_missing: Mapped[bool] = mapped_column(server_default=text("true"))
    first_seen_at: Mapped[datetime] = mapped_column(server_default=func.now())


class CreditNote(Base):
    __tablename__ = "credit_notes"
    __table_args__ = {"schema": SCHEMA}

    customer_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    credit_note_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal]
    issue_date: Mapped[date]
    invoice_id: Mapped[str | None] = mapped_column(String(100))
    applied: Mapped[Decimal] = mapped_column(comment="What of it reduced the invoice; the rest is on account")
    corrects: Mapped[bool] = mapped_column(
        server_default=text("false"), comment="Corrects its invoice (from its due date for late interest)"
    )


class ParkedAllocation(Base):
    """An allocation to an invoice not yet known; applied when the invoice arrives."""

    __tablename__ = "parked_allocations"
    __table_args__ = {"schema": SCHEMA}

    customer_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    amount: Mapped[Decimal]
    allocated_on: Mapped[date]


class DeadLetter(Base):
    """An event that could not be applied, kept with its reason and origin until replayed."""

    __tablename__ = "dead_letters"
    __table_args__ = (
        # Once per source record, however often a redelivered batch dead-letters it.
        Index("uq_dead_letters_source_record", "consumer", "topic", "partition", "offset", unique=True),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    consumer: Mapped[str] = mapped_column(String(100))
    topic: Mapped[str] = mapped_column(String(250))
    partition: Mapped[int]
    offset: Mapped[int] = mapped_column(BigInteger)
    key: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[str]
    reason: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    replayed_at: Mapped[datetime | None]


class OverdueNotice(Base):
    """Which bucket boundaries an item has crossed: each is announced once."""

    __tablename__ = "overdue_notices"
    __table_args__ = {"schema": SCHEMA}

    customer_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    days: Mapped[int] = mapped_column(primary_key=True, comment="The boundary crossed, in days past due")
    noticed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Movement(Base):
    """The journal: every change of an item's open balance, of cash on account and of unapplied
    credit, signed, on the business date it took effect. Ageing as of a past date sums it."""

    __tablename__ = "movements"
    __table_args__ = (
        Index("ix_movements_customer_date", "customer_code", "effective_date"),
        CheckConstraint("(account = 'item') = (due_date IS NOT NULL)", name="item_due_date"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_code: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(10), comment="item, cash or credit")
    item_id: Mapped[str | None] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal]
    effective_date: Mapped[date]
    due_date: Mapped[date | None] = mapped_column(comment="The item's due date; null on cash and credit")
    kind: Mapped[str | None] = mapped_column(
        String(20),
        comment="What moved it: invoice, adjustment, cancellation, write_off, credit_note, payment, "
        "allocation or reversal; null on lines older than revision 0040",
    )
    document_id: Mapped[str | None] = mapped_column(
        String(100), comment="The invoice, credit note or payment that moved it"
    )


class FinancialStatement(Base):
    """A customer's figures for one period, as the last `financial_statement.filed` gave them."""

    __tablename__ = "financial_statements"
    __table_args__ = {"schema": SCHEMA}

    customer_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    period_end: Mapped[date] = mapped_column(primary_key=True)
    period_months: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    audited: Mapped[bool]
    source: Mapped[str | None] = mapped_column(String(200))
    current_assets: Mapped[Decimal | None]
    inventory: Mapped[Decimal | None]
    cash: Mapped[Decimal | None]
    total_assets: Mapped[Decimal | None]
    current_liabilities: Mapped[Decimal | None]
    total_liabilities: Mapped[Decimal | None]
    equity: Mapped[Decimal | None]
    retained_earnings: Mapped[Decimal | None]
    revenue: Mapped[Decimal | None]
    ebit: Mapped[Decimal | None]
    interest_expense: Mapped[Decimal | None]
    net_income: Mapped[Decimal | None]
    operating_cash_flow: Mapped[Decimal | None]
    market_value_equity: Mapped[Decimal | None]
    filed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Assessment(Base):
    """A customer's current assessment: score, grade and the explanation behind them."""

    __tablename__ = "assessments"
    __table_args__ = {"schema": SCHEMA}

    customer_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    score: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    grade: Mapped[str] = mapped_column(String(10))
    scorecard_version: Mapped[str] = mapped_column(String(60))
    currency: Mapped[str] = mapped_column(String(3))
    recommended_limit: Mapped[Decimal]
    recommended_terms: Mapped[str] = mapped_column(String(10))
    review_months: Mapped[int]
    as_of: Mapped[date]
    explanation: Mapped[dict[str, Any]]
    # When the figures last changed, and when they were last recomputed.
    changed_at: Mapped[datetime]
    assessed_at: Mapped[datetime]


class AssessmentChange(Base):
    """Every change of an assessment, kept."""

    __tablename__ = "assessment_history"
    __table_args__ = (Index("ix_assessment_history_customer", "customer_code", "id"), {"schema": SCHEMA})

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_code: Mapped[str] = mapped_column(String(64))
    score: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    grade: Mapped[str] = mapped_column(String(10))
    scorecard_version: Mapped[str] = mapped_column(String(60))
    trigger: Mapped[str] = mapped_column(String(30))
    explanation: Mapped[dict[str, Any]]
    assessed_at: Mapped[datetime]


class Reassessment(Base):
    """The last time every customer was reassessed: with which scorecard, as of which day."""

    __tablename__ = "reassessments"
    __table_args__ = {"schema": SCHEMA}

    scorecard_version: Mapped[str] = mapped_column(String(60), primary_key=True)
    as_of: Mapped[date]
    finished_at: Mapped[datetime] = mapped_column(server_default=func.now())


class AssessmentDue(Base):
    """Customers whose events or statements changed since their assessment: marked in the batch's
    transaction, reassessed moments later, many batches' worth at once."""

    __tablename__ = "assessments_due"
    __table_args__ = {"schema": SCHEMA}

    customer_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    due_since: Mapped[datetime] = mapped_column(server_default=func.now())
    # The W3C trace context of the batch that marked it first; the reassessment continues it.
    traceparent: Mapped[str | None] = mapped_column(Text)


class WarningLevel(Base):
    """A customer's early-warning level, each indicator's value, level and running minimum
    durations (the state hysteresis needs), and whether orders are to be held."""

    __tablename__ = "warning_levels"
    __table_args__ = {"schema": SCHEMA}

    customer_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    level: Mapped[int] = mapped_column(comment="0 normal, 1 watch, 2 warning, 3 critical")
    holds_orders: Mapped[bool]
    causes: Mapped[list[str]] = mapped_column(JSONB)
    indicators: Mapped[dict[str, Any]]
    policy_version: Mapped[str] = mapped_column(String(60))
    since: Mapped[datetime] = mapped_column(comment="When the customer entered this level")
    evaluated_at: Mapped[datetime]
    reopened_for: Mapped[datetime | None] = mapped_column(
        comment="When the person's resolution the worker last reopened was made"
    )


class CashMatch(Base):
    """What cash application made of a payment that left cash unallocated: the invoices proposed,
    how sure, why, and what became of it. One per payment and proposal."""

    __tablename__ = "cash_matches"
    __table_args__ = (
        Index("ix_risk_worker_cash_matches_payment", "customer_code", "payment_id"),
        Index("ix_risk_worker_cash_matches_status", "status", "changed_at"),
        {"schema": SCHEMA},
    )

    match_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    customer_code: Mapped[str] = mapped_column(String(64))
    payment_id: Mapped[str] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(comment="The payment's cash unallocated when matched")
    received_date: Mapped[date]
    remittance_text: Mapped[str | None] = mapped_column(Text)
    bank_reference: Mapped[str | None] = mapped_column(String(200))
    payer_name: Mapped[str | None] = mapped_column(String(200))
    payer_account: Mapped[str | None] = mapped_column(String(100))
    confidence: Mapped[Decimal] = mapped_column(Numeric(3, 2))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, comment="[{customer_code, invoice_id, amount, deduction, deduction_reason}]"
    )
    reasons: Mapped[list[str]] = mapped_column(ARRAY(Text))
    held: Mapped[list[str]] = mapped_column(ARRAY(Text), comment="Why it may not apply by itself")
    status: Mapped[str] = mapped_column(
        String(20),
        comment="pending (for a person), applying (its payment.allocated on its way to the ledger), "
        "applied, refused (the ledger refused it: the reason), reversed, void (its payment was reversed "
        "before)",
    )
    status_reason: Mapped[str | None] = mapped_column(Text)
    applied_by: Mapped[str | None] = mapped_column(String(100))
    policy_version: Mapped[str] = mapped_column(String(60))
    proposed_at: Mapped[datetime]
    changed_at: Mapped[datetime]
