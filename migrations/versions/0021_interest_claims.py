"""interest claims: late interest an invoice owes once settled, until waived or invoiced

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-25 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEW = (
    "CREATE OR REPLACE VIEW risk_worker.v_open_items AS SELECT customer_code, item_id, currency, amount, "
    "open_amount, issue_date, due_date, status, item_type{} FROM risk_worker.open_items"
)


def upgrade() -> None:
    # When an invoice came down to nothing: the end of its late interest.
    op.execute(VIEW.format(", settled_on"))
    op.create_table(
        "interest_claims",
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column(
            "settled_on", sa.Date(), nullable=True, comment="When the invoice was settled; null: waived open"
        ),
        sa.Column("interest", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("compensation", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("days_late", sa.Integer(), nullable=False),
        sa.Column(
            "periods",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            comment="The explanation: balance, rate, days",
        ),
        sa.Column("policy_version", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False, comment="claimable, waived or invoiced"),
        sa.Column("invoice_ref", sa.String(length=100), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("closed_by", sa.String(length=100), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_code"],
            ["credit_api.customers.customer_code"],
            name=op.f("fk_interest_claims_customer_code_customers"),
        ),
        sa.PrimaryKeyConstraint("customer_code", "item_id", name=op.f("pk_interest_claims")),
        schema="credit_api",
    )


def downgrade() -> None:
    op.drop_table("interest_claims", schema="credit_api")
    op.execute("DROP VIEW risk_worker.v_open_items")
    op.execute(VIEW.format(""))
