"""warning policies: versions an admin uploads, one active, read by the risk worker through a view

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "warning_policies",
        sa.Column("version", sa.String(length=60), nullable=False),
        sa.Column("document", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_warning_policies")),
        schema="credit_api",
    )
    op.create_index(
        "uq_warning_policies_one_active",
        "warning_policies",
        ["active"],
        unique=True,
        schema="credit_api",
        postgresql_where=sa.text("active"),
    )
    op.execute(
        "CREATE VIEW credit_api.v_active_warning_policy AS "
        "SELECT version, document FROM credit_api.warning_policies WHERE active"
    )


def downgrade() -> None:
    op.execute("DROP VIEW credit_api.v_active_warning_policy")
    op.drop_index("uq_warning_policies_one_active", table_name="warning_policies", schema="credit_api")
    op.drop_table("warning_policies", schema="credit_api")
