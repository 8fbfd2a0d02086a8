"""credit insurance: policies and the cover limits an insurer grants per customer

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-25 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "insurance_policies",
        sa.Column("policy_number", sa.String(length=60), nullable=False),
        sa.Column("insurer", sa.String(length=200), nullable=False),
        sa.Column("indemnity", sa.Numeric(precision=5, scale=4), nullable=False, comment="0.90: 90 % paid"),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column(
            "discretionary_limit",
            sa.Numeric(precision=20, scale=4),
            nullable=False,
            comment="Cover per customer without a named limit",
        ),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("policy_number", name=op.f("pk_insurance_policies")),
        schema="credit_api",
    )
    op.create_table(
        "insurance_covers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("policy_number", sa.String(length=60), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("decision_ref", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_code"],
            ["credit_api.customers.customer_code"],
            name=op.f("fk_insurance_covers_customer_code_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["policy_number"],
            ["credit_api.insurance_policies.policy_number"],
            name=op.f("fk_insurance_covers_policy_number_insurance_policies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance_covers")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_insurance_covers_customer_code"),
        "insurance_covers",
        ["customer_code"],
        schema="credit_api",
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_credit_api_insurance_covers_customer_code"),
        table_name="insurance_covers",
        schema="credit_api",
    )
    op.drop_table("insurance_covers", schema="credit_api")
    op.drop_table("insurance_policies", schema="credit_api")
