"""finance reports: credit notes readable by credit_api, ABC class in the credit file, specific provisions

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-25 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Credit sales are invoices less credit notes, by issue date.
    op.execute(
        "CREATE VIEW risk_worker.v_credit_notes AS SELECT customer_code, credit_note_id, currency, amount, "
        "issue_date, invoice_id FROM risk_worker.credit_notes"
    )
    op.add_column(
        "customers",
        sa.Column("abc_class", sa.String(length=1), nullable=True, comment="A, B or C by credit sales"),
        schema="credit_api",
    )
    op.create_table(
        "specific_provisions",
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("rate", sa.Numeric(precision=7, scale=6), nullable=True),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(rate IS NULL) <> (amount IS NULL)", name=op.f("ck_specific_provisions_rate_or_amount")
        ),
        sa.ForeignKeyConstraint(
            ["customer_code"],
            ["credit_api.customers.customer_code"],
            name=op.f("fk_specific_provisions_customer_code_customers"),
        ),
        sa.PrimaryKeyConstraint("customer_code", name=op.f("pk_specific_provisions")),
        schema="credit_api",
    )


def downgrade() -> None:
    op.drop_table("specific_provisions", schema="credit_api")
    op.drop_column("customers", "abc_class", schema="credit_api")
    op.execute("DROP VIEW risk_worker.v_credit_notes")
