"""overdue notices

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 22:59:43.157322
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "overdue_notices",
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False, comment="The boundary crossed, in days past due"),
        sa.Column("noticed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("customer_code", "item_id", "days", name=op.f("pk_overdue_notices")),
        schema="risk_worker",
    )


def downgrade() -> None:
    op.drop_table("overdue_notices", schema="risk_worker")
