"""an item's journal lines carry its due date, so the roll rates read the journal alone

Roll rates follow each due date's debts from month-end to month-end; with the due date on the line
they no longer join every line of the journal to its item (bench/reports.py). An item's due date
never changes once it is known, so the copy cannot go stale.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-05 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEW = (
    "CREATE OR REPLACE VIEW risk_worker.v_movements AS SELECT customer_code, account, item_id, currency, "
    "amount, effective_date{} FROM risk_worker.movements"
)


def upgrade() -> None:
    op.add_column(
        "movements",
        sa.Column(
            "due_date", sa.Date(), nullable=True, comment="The item's due date; null on cash and credit"
        ),
        schema="risk_worker",
    )
    op.execute(
        "UPDATE risk_worker.movements m SET due_date = o.due_date FROM risk_worker.open_items o "
        "WHERE m.account = 'item' AND o.customer_code = m.customer_code AND o.item_id = m.item_id"
    )
    op.create_check_constraint(
        op.f("ck_movements_item_due_date"),
        "movements",
        "(account = 'item') = (due_date IS NOT NULL)",
        schema="risk_worker",
    )
    op.execute(VIEW.format(", due_date"))


def downgrade() -> None:
    # A view loses a column only by being made again, and its grants with it (0030).
    op.execute("DROP VIEW risk_worker.v_movements")
    op.execute(VIEW.format(""))
    op.execute("GRANT SELECT ON risk_worker.v_movements TO credence_api, credence_notifier")
    op.drop_constraint(op.f("ck_movements_item_due_date"), "movements", schema="risk_worker")
    op.drop_column("movements", "due_date", schema="risk_worker")
