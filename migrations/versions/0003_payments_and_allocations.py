"""payments and allocations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 21:44:43.889282
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "allocations",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("payment_id", sa.String(length=100), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("allocated_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
        schema="risk_worker",
    )
    op.create_index(
        op.f("ix_risk_worker_allocations_customer_code"),
        "allocations",
        ["customer_code"],
        unique=False,
        schema="risk_worker",
    )
    op.create_table(
        "payments",
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("payment_id", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column(
            "unallocated",
            sa.Numeric(precision=20, scale=4),
            nullable=False,
            comment="What of the payment is still on account",
        ),
        sa.Column("received_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="received", nullable=False),
        sa.PrimaryKeyConstraint("customer_code", "payment_id", name=op.f("pk_payments")),
        schema="risk_worker",
    )


def downgrade() -> None:
    op.drop_table("payments", schema="risk_worker")
    op.drop_index(
        op.f("ix_risk_worker_allocations_customer_code"), table_name="allocations", schema="risk_worker"
    )
    op.drop_table("allocations", schema="risk_worker")
