"""promises to pay and disputes in credit_api: both pause the dunning of their items; a broken
promise is counted by the risk worker's broken-promises indicator through v_broken_promises

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-25 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "promises",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column(
            "item_ids",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            comment="Empty: any of the customer's invoices",
        ),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("promised_date", sa.Date(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_code"],
            ["credit_api.customers.customer_code"],
            name=op.f("fk_promises_customer_code_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promises")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_promises_customer_code"), "promises", ["customer_code"], schema="credit_api"
    )
    op.create_table(
        "disputes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=False),
        sa.Column("reason_code", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("resolution_note", sa.String(length=2000), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_code"],
            ["credit_api.customers.customer_code"],
            name=op.f("fk_disputes_customer_code_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_disputes_customer_code"), "disputes", ["customer_code"], schema="credit_api"
    )
    op.create_index(
        "uq_disputes_one_live_per_item",
        "disputes",
        ["customer_code", "item_id"],
        unique=True,
        schema="credit_api",
        postgresql_where=sa.text("status IN ('open', 'accepted')"),
    )
    op.execute(
        "CREATE VIEW credit_api.v_broken_promises AS SELECT customer_code, settled_on AS broken_on "
        "FROM credit_api.promises WHERE status = 'broken'"
    )


def downgrade() -> None:
    op.execute("DROP VIEW credit_api.v_broken_promises")
    op.drop_index("uq_disputes_one_live_per_item", table_name="disputes", schema="credit_api")
    op.drop_index(op.f("ix_credit_api_disputes_customer_code"), table_name="disputes", schema="credit_api")
    op.drop_table("disputes", schema="credit_api")
    op.drop_index(op.f("ix_credit_api_promises_customer_code"), table_name="promises", schema="credit_api")
    op.drop_table("promises", schema="credit_api")
