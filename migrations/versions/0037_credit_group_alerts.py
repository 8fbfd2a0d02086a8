"""credit group alerts: each group's utilisation level by the warning policy, and its alerts

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credit_group_warnings",
        sa.Column("group_code", sa.String(64), nullable=False),
        sa.Column("level", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "pending",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("utilisation", sa.Numeric(20, 4), nullable=True),
        sa.Column("evaluated_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_code"],
            ["credit_api.credit_groups.code"],
            name=op.f("fk_credit_group_warnings_group_code_credit_groups"),
        ),
        sa.PrimaryKeyConstraint("group_code", name=op.f("pk_credit_group_warnings")),
        schema="credit_api",
    )
    op.create_table(
        "credit_group_alerts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("group_code", sa.String(64), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, comment="open or resolved"),
        sa.Column("utilisation", sa.Numeric(20, 4), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_code"],
            ["credit_api.credit_groups.code"],
            name=op.f("fk_credit_group_alerts_group_code_credit_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_group_alerts")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_credit_group_alerts_group_code"),
        "credit_group_alerts",
        ["group_code"],
        schema="credit_api",
    )
    op.create_index(
        "uq_credit_group_alerts_one_unresolved",
        "credit_group_alerts",
        ["group_code"],
        unique=True,
        schema="credit_api",
        postgresql_where=sa.text("status <> 'resolved'"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_credit_group_alerts_one_unresolved", table_name="credit_group_alerts", schema="credit_api"
    )
    op.drop_index(
        op.f("ix_credit_api_credit_group_alerts_group_code"),
        table_name="credit_group_alerts",
        schema="credit_api",
    )
    op.drop_table("credit_group_alerts", schema="credit_api")
    op.drop_table("credit_group_warnings", schema="credit_api")
