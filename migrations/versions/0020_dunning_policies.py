"""dunning policies: versions an admin uploads, one active (none: the shipped default)

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-25 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dunning_policies",
        sa.Column("version", sa.String(length=60), nullable=False),
        sa.Column("document", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_dunning_policies")),
        schema="credit_api",
    )
    op.create_index(
        "uq_dunning_policies_one_active",
        "dunning_policies",
        ["active"],
        unique=True,
        schema="credit_api",
        postgresql_where=sa.text("active"),
    )


def downgrade() -> None:
    op.drop_index("uq_dunning_policies_one_active", table_name="dunning_policies", schema="credit_api")
    op.drop_table("dunning_policies", schema="credit_api")
