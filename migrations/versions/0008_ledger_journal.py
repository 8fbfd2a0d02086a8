"""ledger journal

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 23:01:15.696943
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "movements",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=10), nullable=False, comment="item, cash or credit"),
        sa.Column("item_id", sa.String(length=100), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movements")),
        schema="risk_worker",
    )
    op.create_index(
        "ix_movements_customer_date",
        "movements",
        ["customer_code", "effective_date"],
        unique=False,
        schema="risk_worker",
    )

    # Ageing in credit_api reads the ledger through these.
    op.execute(
        "CREATE VIEW risk_worker.v_open_items AS SELECT customer_code, item_id, currency, amount, "
        "open_amount, issue_date, due_date, status FROM risk_worker.open_items"
    )
    op.execute(
        "CREATE VIEW risk_worker.v_movements AS SELECT customer_code, account, item_id, currency, amount, "
        "effective_date FROM risk_worker.movements"
    )


def downgrade() -> None:
    op.execute("DROP VIEW risk_worker.v_movements")
    op.execute("DROP VIEW risk_worker.v_open_items")
    op.drop_index("ix_movements_customer_date", table_name="movements", schema="risk_worker")
    op.drop_table("movements", schema="risk_worker")
