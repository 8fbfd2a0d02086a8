"""early-warning alerts in credit_api: opened, followed and resolved from the worker's level
changes; every change of one numbered, for the live stream

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 19:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False, comment="open, acknowledged or resolved"),
        sa.Column("causes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_code"],
            ["credit_api.customers.customer_code"],
            name=op.f("fk_alerts_customer_code_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_alerts_customer_code"), "alerts", ["customer_code"], schema="credit_api"
    )
    op.create_index(
        "uq_alerts_one_unresolved",
        "alerts",
        ["customer_code"],
        unique=True,
        schema="credit_api",
        postgresql_where=sa.text("status <> 'resolved'"),
    )
    op.create_table(
        "alert_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_events")),
        schema="credit_api",
    )


def downgrade() -> None:
    op.drop_table("alert_events", schema="credit_api")
    op.drop_index("uq_alerts_one_unresolved", table_name="alerts", schema="credit_api")
    op.drop_index(op.f("ix_credit_api_alerts_customer_code"), table_name="alerts", schema="credit_api")
    op.drop_table("alerts", schema="credit_api")
