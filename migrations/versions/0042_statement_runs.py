"""statements of account on a schedule: the days run and each statement sent, once per period

`statement_sends` is keyed by customer and period, so a run repeated or killed half-way and run
again sends nothing twice; the notifier reads the PDF it attaches through `v_statement_documents`.

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0042"
down_revision: str | None = "0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "statement_runs",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("policy_version", sa.String(length=60), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column(
            "without_address",
            sa.Integer(),
            nullable=False,
            comment="Customers due one, with no address to send it to",
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("as_of", name=op.f("pk_statement_runs")),
        schema="credit_api",
    )
    op.create_table(
        "statement_sends",
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column(
            "reason",
            sa.String(length=20),
            nullable=False,
            comment="monthly, or moved: the ledger moved since",
        ),
        sa.Column("as_of", sa.Date(), nullable=False, comment="The run's day"),
        sa.Column("policy_version", sa.String(length=60), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column(
            "journal_line",
            sa.BigInteger(),
            nullable=False,
            comment="The customer's last journal line then: a later one means its ledger moved",
        ),
        sa.Column(
            "closing",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            comment="Closing balance per currency",
        ),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_code"],
            ["credit_api.customers.customer_code"],
            name=op.f("fk_statement_sends_customer_code_customers"),
        ),
        sa.PrimaryKeyConstraint("customer_code", "period_from", "period_to", name=op.f("pk_statement_sends")),
        schema="credit_api",
    )
    op.execute(
        "CREATE VIEW credit_api.v_statement_documents AS SELECT customer_code, period_from, period_to, "
        "language, pdf FROM credit_api.statement_sends"
    )
    op.execute("GRANT SELECT ON credit_api.v_statement_documents TO credence_worker, credence_notifier")


def downgrade() -> None:
    op.execute("DROP VIEW credit_api.v_statement_documents")
    op.drop_table("statement_sends", schema="credit_api")
    op.drop_table("statement_runs", schema="credit_api")
