"""ledger: credit notes, parked allocations, stub customers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 22:42:46.128028
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Unapplied credit notes count like unallocated cash; the view gains the column at its end.
VIEW = """
CREATE OR REPLACE VIEW risk_worker.v_customer_receivables AS
SELECT b.customer_code, b.currency, b.open_receivables,
       COALESCE(o.overdue, 0) AS overdue_receivables, o.oldest_due_date, b.unallocated_cash, b.unapplied_credit
  FROM risk_worker.balances b
  LEFT JOIN LATERAL (
    SELECT sum(i.open_amount) AS overdue, min(i.due_date) AS oldest_due_date
      FROM risk_worker.open_items i
     WHERE i.customer_code = b.customer_code AND i.currency = b.currency
       AND i.open_amount > 0 AND i.due_date < current_date
  ) o ON true
"""

SNAPSHOT_RECEIVABLES = (
    "json_build_array(r.currency, r.open_receivables::text, r.overdue_receivables::text, r.oldest_due_date, "
    "r.unallocated_cash::text)",
    "json_build_array(r.currency, r.open_receivables::text, r.overdue_receivables::text, r.oldest_due_date, "
    "(r.unallocated_cash + r.unapplied_credit)::text)",
)


def upgrade() -> None:
    op.create_table(
        "credit_notes",
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("credit_note_id", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("invoice_id", sa.String(length=100), nullable=True),
        sa.Column(
            "applied",
            sa.Numeric(precision=20, scale=4),
            nullable=False,
            comment="What of it reduced the invoice; the rest is on account",
        ),
        sa.PrimaryKeyConstraint("customer_code", "credit_note_id", name=op.f("pk_credit_notes")),
        schema="risk_worker",
    )
    op.create_table(
        "customers",
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("master_data_missing", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "first_seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("customer_code", name=op.f("pk_customers")),
        schema="risk_worker",
    )
    op.create_table(
        "parked_allocations",
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("invoice_id", sa.String(length=100), nullable=False),
        sa.Column("payment_id", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("allocated_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint(
            "customer_code", "invoice_id", "payment_id", name=op.f("pk_parked_allocations")
        ),
        schema="risk_worker",
    )
    op.add_column(
        "balances",
        sa.Column("unapplied_credit", sa.Numeric(precision=20, scale=4), server_default="0", nullable=False),
        schema="risk_worker",
    )
    op.add_column(
        "open_items",
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        schema="risk_worker",
    )
    op.execute(VIEW)
    _replace_snapshot(*SNAPSHOT_RECEIVABLES)


def _replace_snapshot(old: str, new: str) -> None:
    """The snapshot function of 0004, with its receivables expression swapped."""
    spec = importlib.util.spec_from_file_location(
        "m0004", Path(__file__).with_name("0004_credit_check_functions.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    definition = module.FUNCTIONS[0]
    normalised = " ".join(definition.split())
    op.execute(normalised.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION").replace(old, new))


def downgrade() -> None:
    _replace_snapshot(*reversed(SNAPSHOT_RECEIVABLES))
    op.execute("DROP VIEW risk_worker.v_customer_receivables")
    op.execute(
        " ".join(VIEW.replace(", b.unapplied_credit", "").split()).replace("CREATE OR REPLACE", "CREATE")
    )
    op.drop_column("open_items", "status", schema="risk_worker")
    op.drop_column("balances", "unapplied_credit", schema="risk_worker")
    op.drop_table("parked_allocations", schema="risk_worker")
    op.drop_table("customers", schema="risk_worker")
    op.drop_table("credit_notes", schema="risk_worker")
