"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 21:15:49.734850
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One schema per service: each writes only its own, and reads the others through the views below.
SCHEMAS = ("credit_api", "risk_worker", "notifier")

VIEWS = [
    """
    CREATE VIEW credit_api.v_customer_credit AS
    SELECT c.customer_code, c.name, c.currency, c.language, c.contacts, c.blocked,
           l.amount AS limit_amount, l.valid_until AS limit_valid_until
      FROM credit_api.customers c
      LEFT JOIN credit_api.credit_limits l
        ON l.customer_code = c.customer_code AND l.superseded_at IS NULL
    """,
    """
    CREATE VIEW risk_worker.v_customer_receivables AS
    SELECT customer_code, currency, open_receivables FROM risk_worker.balances
    """,
]

# The audit trail is append-only in the database itself, whoever connects.
AUDIT_APPEND_ONLY = [
    """
    CREATE FUNCTION credit_api.refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    """
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON credit_api.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION credit_api.refuse_audit_change()
    """,
]


def upgrade() -> None:
    for schema in SCHEMAS:
        op.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("key_prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
        schema="credit_api",
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity_type", sa.String(length=60), nullable=False),
        sa.Column("entity_id", sa.String(length=100), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("request_id", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        schema="credit_api",
    )
    op.create_table(
        "customers",
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("language", sa.String(length=10), server_default="en", nullable=False),
        sa.Column(
            "contacts",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("payment_terms_days", sa.Integer(), nullable=True),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.Column("blocked", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("block_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("customer_code", name=op.f("pk_customers")),
        schema="credit_api",
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_source", sa.String(length=500), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column(
            "next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint(
            "event_source", "event_id", "channel", "target", name=op.f("uq_deliveries_event_source")
        ),
        schema="notifier",
    )
    op.create_index(
        op.f("ix_notifier_deliveries_status"), "deliveries", ["status"], unique=False, schema="notifier"
    )
    op.create_table(
        "inbox",
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("source", "event_id", name=op.f("pk_inbox")),
        schema="notifier",
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        schema="risk_worker",
    )
    op.create_index(
        op.f("ix_risk_worker_alerts_customer_code"),
        "alerts",
        ["customer_code"],
        unique=False,
        schema="risk_worker",
    )
    op.create_table(
        "balances",
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("open_receivables", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("customer_code", "currency", name=op.f("pk_balances")),
        schema="risk_worker",
    )
    op.create_table(
        "events",
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("type", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("topic", sa.String(length=250), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("source", "event_id", name=op.f("pk_events")),
        sa.UniqueConstraint("seq", name=op.f("uq_events_seq")),
        schema="risk_worker",
    )
    op.create_index(
        op.f("ix_risk_worker_events_subject"), "events", ["subject"], unique=False, schema="risk_worker"
    )
    op.create_table(
        "open_items",
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=False),
        sa.Column("item_type", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("open_amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("order_ref", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("customer_code", "item_id", name=op.f("pk_open_items")),
        schema="risk_worker",
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(length=250), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        schema="risk_worker",
    )
    op.create_table(
        "credit_checks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("order_ref", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("effective_limit", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("exposure_before", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("exposure_after", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("available_after", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("checked_by", sa.String(length=100), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_code"],
            ["credit_api.customers.customer_code"],
            name=op.f("fk_credit_checks_customer_code_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_checks")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_credit_checks_customer_code"),
        "credit_checks",
        ["customer_code"],
        unique=False,
        schema="credit_api",
    )
    op.create_table(
        "credit_limits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_code"],
            ["credit_api.customers.customer_code"],
            name=op.f("fk_credit_limits_customer_code_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_limits")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_credit_limits_customer_code"),
        "credit_limits",
        ["customer_code"],
        unique=False,
        schema="credit_api",
    )
    op.create_index(
        "uq_alerts_one_open_per_kind",
        "alerts",
        ["customer_code", "kind"],
        unique=True,
        schema="risk_worker",
        postgresql_where=sa.text("status <> 'resolved'"),
    )
    for statement in VIEWS + AUDIT_APPEND_ONLY:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS credit_api.v_customer_credit")
    op.execute("DROP VIEW IF EXISTS risk_worker.v_customer_receivables")
    op.execute("DROP FUNCTION IF EXISTS credit_api.refuse_audit_change() CASCADE")
    op.drop_index("uq_alerts_one_open_per_kind", table_name="alerts", schema="risk_worker")
    op.drop_index(
        op.f("ix_credit_api_credit_limits_customer_code"), table_name="credit_limits", schema="credit_api"
    )
    op.drop_table("credit_limits", schema="credit_api")
    op.drop_index(
        op.f("ix_credit_api_credit_checks_customer_code"), table_name="credit_checks", schema="credit_api"
    )
    op.drop_table("credit_checks", schema="credit_api")
    op.drop_table("outbox", schema="risk_worker")
    op.drop_table("open_items", schema="risk_worker")
    op.drop_index(op.f("ix_risk_worker_events_subject"), table_name="events", schema="risk_worker")
    op.drop_table("events", schema="risk_worker")
    op.drop_table("balances", schema="risk_worker")
    op.drop_index(op.f("ix_risk_worker_alerts_customer_code"), table_name="alerts", schema="risk_worker")
    op.drop_table("alerts", schema="risk_worker")
    op.drop_table("inbox", schema="notifier")
    op.drop_index(op.f("ix_notifier_deliveries_status"), table_name="deliveries", schema="notifier")
    op.drop_table("deliveries", schema="notifier")
    op.drop_table("customers", schema="credit_api")
    op.drop_table("audit_log", schema="credit_api")
    op.drop_table("api_keys", schema="credit_api")
    for schema in reversed(SCHEMAS):
        op.execute(f"DROP SCHEMA IF EXISTS {schema}")
