"""dead letters replayed from credit_api (the console and the API), once each

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-25 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dead_letter_replays",
        sa.Column("dead_letter_id", sa.BigInteger(), nullable=False, comment="risk_worker.dead_letters.id"),
        sa.Column("replayed_by", sa.String(length=200), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("dead_letter_id", name=op.f("pk_dead_letter_replays")),
        schema="credit_api",
    )
    op.execute(
        "CREATE VIEW credit_api.v_dead_letter_replays AS "
        "SELECT dead_letter_id, replayed_by, replayed_at FROM credit_api.dead_letter_replays"
    )


def downgrade() -> None:
    op.execute("DROP VIEW credit_api.v_dead_letter_replays")
    op.drop_table("dead_letter_replays", schema="credit_api")
