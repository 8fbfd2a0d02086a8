"""dead letters

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 22:56:03.764836
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=250), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("payload", sa.String(), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
        schema="risk_worker",
    )
    # credit_api lists them (GET /v1/dead-letters) through this view.
    op.execute("CREATE VIEW risk_worker.v_dead_letters AS SELECT * FROM risk_worker.dead_letters")


def downgrade() -> None:
    op.execute("DROP VIEW risk_worker.v_dead_letters")
    op.drop_table("dead_letters", schema="risk_worker")
