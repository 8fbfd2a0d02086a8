"""each journal line says what moved it and which document did: the statement of account's lines

A customer's statement shows one line per document and day (an invoice, a payment and the invoices
it paid, a credit note, a write-off...). The journal knew the amounts and dates, not the documents.
Lines written before this revision have neither; `credence ledger rebuild` replays the event store
and gives every line both.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEW = (
    "CREATE OR REPLACE VIEW risk_worker.v_movements AS SELECT customer_code, account, item_id, currency, "
    "amount, effective_date, due_date{} FROM risk_worker.movements"
)


def upgrade() -> None:
    op.add_column(
        "movements",
        sa.Column(
            "kind",
            sa.String(length=20),
            nullable=True,
            comment="What moved it: invoice, adjustment, cancellation, write_off, credit_note, payment, "
            "allocation or reversal; null on lines older than revision 0040",
        ),
        schema="risk_worker",
    )
    op.add_column(
        "movements",
        sa.Column(
            "document_id",
            sa.String(length=100),
            nullable=True,
            comment="The invoice, credit note or payment that moved it",
        ),
        schema="risk_worker",
    )
    # The line's id orders a day's lines as they were journalled.
    op.execute(VIEW.format(", kind, document_id, id"))


def downgrade() -> None:
    # A view loses a column only by being made again, and its grants with it (0030).
    op.execute("DROP VIEW risk_worker.v_movements")
    op.execute(VIEW.format(""))
    op.execute("GRANT SELECT ON risk_worker.v_movements TO credence_api, credence_notifier")
    op.drop_column("movements", "document_id", schema="risk_worker")
    op.drop_column("movements", "kind", schema="risk_worker")
