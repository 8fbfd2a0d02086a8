"""the customer portal: signed links that can be revoked, and the documents sent with disputes

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-06 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0043"
down_revision: str | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column(
            "purpose",
            sa.String(length=20),
            nullable=False,
            comment="statement, notice or given (by a person)",
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_code"],
            ["credit_api.customers.customer_code"],
            name=op.f("fk_portal_links_customer_code_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_links")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_portal_links_customer_code"),
        "portal_links",
        ["customer_code"],
        unique=False,
        schema="credit_api",
    )
    op.create_table(
        "dispute_attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dispute_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["credit_api.disputes.id"],
            name=op.f("fk_dispute_attachments_dispute_id_disputes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_attachments")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_dispute_attachments_dispute_id"),
        "dispute_attachments",
        ["dispute_id"],
        unique=False,
        schema="credit_api",
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_credit_api_dispute_attachments_dispute_id"),
        table_name="dispute_attachments",
        schema="credit_api",
    )
    op.drop_table("dispute_attachments", schema="credit_api")
    op.drop_index(
        op.f("ix_credit_api_portal_links_customer_code"), table_name="portal_links", schema="credit_api"
    )
    op.drop_table("portal_links", schema="credit_api")
