"""Credit notes that correct their invoice

A credit note issued because the invoice was billed too high corrects it: for late interest the
corrected part never bore interest, from the due date on. The ERP says so on `credit_note.issued`
(`corrects`); the ledger keeps it, and collections read it, with what of the note reduced the
invoice, through `v_credit_notes`.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEW = (
    "CREATE OR REPLACE VIEW risk_worker.v_credit_notes AS SELECT customer_code, credit_note_id, currency, "
    "amount, issue_date, invoice_id{} FROM risk_worker.credit_notes"
)


def upgrade() -> None:
    op.add_column(
        "credit_notes",
        sa.Column(
            "corrects",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
            comment="Corrects its invoice (from its due date for late interest)",
        ),
        schema="risk_worker",
    )
    # Columns added at the end: the view is replaced in place and keeps its grants.
    op.execute(VIEW.format(", applied, corrects"))


def downgrade() -> None:
    # A view cannot drop columns in place: it is made anew, and its grants given again.
    op.execute("DROP VIEW risk_worker.v_credit_notes")
    op.execute(VIEW.format(""))
    op.execute("GRANT SELECT ON risk_worker.v_credit_notes TO credence_api, credence_notifier")
    op.drop_column("credit_notes", "corrects", schema="risk_worker")
