"""dead letters once per source record

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 00:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A batch read again after a crash between the commit and the offset commit dead-letters the
    # same records again: keep the first row of each.
    op.execute(
        "DELETE FROM risk_worker.dead_letters d USING risk_worker.dead_letters e "
        "WHERE d.consumer = e.consumer AND d.topic = e.topic AND d.partition = e.partition "
        'AND d."offset" = e."offset" AND d.id > e.id'
    )
    op.create_index(
        "uq_dead_letters_source_record",
        "dead_letters",
        ["consumer", "topic", "partition", "offset"],
        unique=True,
        schema="risk_worker",
    )


def downgrade() -> None:
    op.drop_index("uq_dead_letters_source_record", table_name="dead_letters", schema="risk_worker")
