"""The trace of the batch that marked a customer due for reassessment

The reassessment that follows continues it, so a risk event or an alert is traced back to the
events that caused it.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("assessments_due", sa.Column("traceparent", sa.Text()), schema="risk_worker")


def downgrade() -> None:
    op.drop_column("assessments_due", "traceparent", schema="risk_worker")
