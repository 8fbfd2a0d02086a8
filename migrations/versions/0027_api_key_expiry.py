"""API keys expire, rotate with an overlap, and record when they were last used

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-25 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "api_keys",
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True, comment="Null: never"),
        schema="credit_api",
    )
    op.add_column(
        "api_keys",
        sa.Column(
            "last_used_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="When a process last looked the key up (at most its key cache period late)",
        ),
        schema="credit_api",
    )


def downgrade() -> None:
    op.drop_column("api_keys", "last_used_at", schema="credit_api")
    op.drop_column("api_keys", "expires_at", schema="credit_api")
