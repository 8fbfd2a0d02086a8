"""stub customers in the credit file

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 23:32:55.817886
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "customers",
        sa.Column("master_data_missing", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        schema="credit_api",
    )


def downgrade() -> None:
    op.drop_column("customers", "master_data_missing", schema="credit_api")
