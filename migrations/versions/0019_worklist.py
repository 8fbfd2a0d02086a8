"""the worklist: a task is completed with an outcome and a note; a dispute left open too long is
escalated to the worklist once

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-25 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "collection_tasks", sa.Column("outcome", sa.String(length=30), nullable=True), schema="credit_api"
    )
    op.add_column(
        "collection_tasks", sa.Column("note", sa.String(length=2000), nullable=True), schema="credit_api"
    )
    op.add_column(
        "collection_tasks",
        sa.Column("completed_by", sa.String(length=100), nullable=True),
        schema="credit_api",
    )
    op.add_column(
        "collection_tasks",
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        schema="credit_api",
    )
    op.add_column("disputes", sa.Column("escalated_on", sa.Date(), nullable=True), schema="credit_api")


def downgrade() -> None:
    op.drop_column("disputes", "escalated_on", schema="credit_api")
    for column in ("completed_at", "completed_by", "note", "outcome"):
        op.drop_column("collection_tasks", column, schema="credit_api")
