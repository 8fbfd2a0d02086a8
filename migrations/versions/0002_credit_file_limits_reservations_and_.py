"""credit file, limits, reservations and holds

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 21:34:39.957343
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Views may only gain columns at their end; earlier columns keep their place for their readers.
VIEWS_UP = [
    """
    CREATE OR REPLACE VIEW credit_api.v_customer_credit AS
    SELECT c.customer_code, c.name, c.currency, c.language, c.contacts, c.blocked,
           l.amount AS limit_amount, l.valid_until AS limit_valid_until,
           COALESCE((SELECT sum(t.amount) FROM credit_api.temporary_limits t
                      WHERE t.customer_code = c.customer_code
                        AND current_date BETWEEN t.valid_from AND t.valid_until), 0) AS temporary_amount
      FROM credit_api.customers c
      LEFT JOIN credit_api.credit_limits l
        ON l.customer_code = c.customer_code AND l.superseded_at IS NULL
    """,
    """
    CREATE OR REPLACE VIEW risk_worker.v_customer_receivables AS
    SELECT b.customer_code, b.currency, b.open_receivables,
           COALESCE(o.overdue, 0) AS overdue_receivables, o.oldest_due_date, b.unallocated_cash
      FROM risk_worker.balances b
      LEFT JOIN LATERAL (
        SELECT sum(i.open_amount) AS overdue, min(i.due_date) AS oldest_due_date
          FROM risk_worker.open_items i
         WHERE i.customer_code = b.customer_code AND i.currency = b.currency
           AND i.open_amount > 0 AND i.due_date < current_date
      ) o ON true
    """,
    """
    CREATE VIEW risk_worker.v_open_alerts AS
    SELECT customer_code, kind, level, raised_at FROM risk_worker.alerts WHERE status <> 'resolved'
    """,
    """
    CREATE VIEW risk_worker.v_order_invoicing AS
    SELECT customer_code, order_ref, currency, invoiced_amount FROM risk_worker.order_invoicing
    """,
]

VIEWS_DOWN = [
    "DROP VIEW risk_worker.v_order_invoicing",
    "DROP VIEW risk_worker.v_open_alerts",
    "DROP VIEW risk_worker.v_customer_receivables",
    """
    CREATE VIEW risk_worker.v_customer_receivables AS
    SELECT customer_code, currency, open_receivables FROM risk_worker.balances
    """,
    "DROP VIEW credit_api.v_customer_credit",
    """
    CREATE VIEW credit_api.v_customer_credit AS
    SELECT c.customer_code, c.name, c.currency, c.language, c.contacts, c.blocked,
           l.amount AS limit_amount, l.valid_until AS limit_valid_until
      FROM credit_api.customers c
      LEFT JOIN credit_api.credit_limits l
        ON l.customer_code = c.customer_code AND l.superseded_at IS NULL
    """,
]


def upgrade() -> None:
    op.create_table(
        "fx_rates",
        sa.Column("rate_date", sa.Date(), nullable=False),
        sa.Column("base", sa.String(length=3), nullable=False),
        sa.Column("quote", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.Numeric(precision=24, scale=10), nullable=False),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("rate_date", "base", "quote", name=op.f("pk_fx_rates")),
        schema="credit_api",
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("api_key_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("api_key_id", "key", name=op.f("pk_idempotency_keys")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_idempotency_keys_created_at"),
        "idempotency_keys",
        ["created_at"],
        unique=False,
        schema="credit_api",
    )
    op.create_table(
        "inbox",
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("source", "event_id", name=op.f("pk_inbox")),
        schema="credit_api",
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(length=250), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        schema="credit_api",
    )
    op.create_table(
        "order_invoicing",
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("order_ref", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("invoiced_amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.PrimaryKeyConstraint("customer_code", "order_ref", "currency", name=op.f("pk_order_invoicing")),
        schema="risk_worker",
    )
    op.create_table(
        "credit_holds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("check_id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("order_ref", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("order_amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("order_currency", sa.String(length=3), nullable=False),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("resolution_note", sa.String(length=500), nullable=True),
        sa.Column("reservation_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_code"],
            ["credit_api.customers.customer_code"],
            name=op.f("fk_credit_holds_customer_code_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_holds")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_credit_holds_customer_code"),
        "credit_holds",
        ["customer_code"],
        unique=False,
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_credit_holds_status"),
        "credit_holds",
        ["status"],
        unique=False,
        schema="credit_api",
    )
    op.create_table(
        "limit_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requester_key_id", sa.Uuid(), nullable=False),
        sa.Column(
            "requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_code"],
            ["credit_api.customers.customer_code"],
            name=op.f("fk_limit_requests_customer_code_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_limit_requests")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_limit_requests_customer_code"),
        "limit_requests",
        ["customer_code"],
        unique=False,
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_limit_requests_status"),
        "limit_requests",
        ["status"],
        unique=False,
        schema="credit_api",
    )
    op.create_table(
        "reservations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("order_ref", sa.String(length=100), nullable=False),
        sa.Column("check_id", sa.Uuid(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_code"],
            ["credit_api.customers.customer_code"],
            name=op.f("fk_reservations_customer_code_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
        schema="credit_api",
    )
    op.create_index(
        "uq_reservations_active_order",
        "reservations",
        ["customer_code", "order_ref"],
        unique=True,
        schema="credit_api",
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "temporary_limits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_code"],
            ["credit_api.customers.customer_code"],
            name=op.f("fk_temporary_limits_customer_code_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_temporary_limits")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_temporary_limits_customer_code"),
        "temporary_limits",
        ["customer_code"],
        unique=False,
        schema="credit_api",
    )
    op.add_column(
        "customers",
        sa.Column("status", sa.String(length=20), server_default="active", nullable=False),
        schema="credit_api",
    )
    op.add_column("customers", sa.Column("grade", sa.String(length=10), nullable=True), schema="credit_api")
    op.add_column(
        "customers", sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=True), schema="credit_api"
    )
    op.add_column(
        "customers", sa.Column("blocked_by", sa.String(length=100), nullable=True), schema="credit_api"
    )
    op.create_index(
        op.f("ix_credit_api_customers_grade"), "customers", ["grade"], unique=False, schema="credit_api"
    )
    op.create_index(
        op.f("ix_credit_api_customers_status"), "customers", ["status"], unique=False, schema="credit_api"
    )
    for column in (
        sa.Column("order_amount", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("order_currency", sa.String(length=3), nullable=True),
        sa.Column("reservation_id", sa.Uuid(), nullable=True),
        sa.Column("hold_id", sa.Uuid(), nullable=True),
    ):
        op.add_column("credit_checks", column, schema="credit_api")
    op.add_column(
        "balances",
        sa.Column("unallocated_cash", sa.Numeric(precision=20, scale=4), server_default="0", nullable=False),
        schema="risk_worker",
    )
    for statement in VIEWS_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in VIEWS_DOWN:
        op.execute(statement)
    op.drop_column("balances", "unallocated_cash", schema="risk_worker")
    for column in ("order_amount", "order_currency", "reservation_id", "hold_id"):
        op.drop_column("credit_checks", column, schema="credit_api")
    op.drop_index(op.f("ix_credit_api_customers_status"), table_name="customers", schema="credit_api")
    op.drop_index(op.f("ix_credit_api_customers_grade"), table_name="customers", schema="credit_api")
    op.drop_column("customers", "blocked_by", schema="credit_api")
    op.drop_column("customers", "blocked_at", schema="credit_api")
    op.drop_column("customers", "grade", schema="credit_api")
    op.drop_column("customers", "status", schema="credit_api")
    op.drop_index(
        op.f("ix_credit_api_temporary_limits_customer_code"),
        table_name="temporary_limits",
        schema="credit_api",
    )
    op.drop_table("temporary_limits", schema="credit_api")
    op.drop_index(
        "uq_reservations_active_order",
        table_name="reservations",
        schema="credit_api",
        postgresql_where=sa.text("status = 'active'"),
    )
    op.drop_table("reservations", schema="credit_api")
    op.drop_index(
        op.f("ix_credit_api_limit_requests_status"), table_name="limit_requests", schema="credit_api"
    )
    op.drop_index(
        op.f("ix_credit_api_limit_requests_customer_code"), table_name="limit_requests", schema="credit_api"
    )
    op.drop_table("limit_requests", schema="credit_api")
    op.drop_index(op.f("ix_credit_api_credit_holds_status"), table_name="credit_holds", schema="credit_api")
    op.drop_index(
        op.f("ix_credit_api_credit_holds_customer_code"), table_name="credit_holds", schema="credit_api"
    )
    op.drop_table("credit_holds", schema="credit_api")
    op.drop_table("order_invoicing", schema="risk_worker")
    op.drop_table("outbox", schema="credit_api")
    op.drop_table("inbox", schema="credit_api")
    op.drop_index(
        op.f("ix_credit_api_idempotency_keys_created_at"), table_name="idempotency_keys", schema="credit_api"
    )
    op.drop_table("idempotency_keys", schema="credit_api")
    op.drop_table("fx_rates", schema="credit_api")
