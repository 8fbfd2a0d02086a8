"""cash application

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-06 19:31:38.126204
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0044"
down_revision: str | None = "0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The risk worker matches with the active policy.
ACTIVE_POLICY = (
    "CREATE VIEW credit_api.v_active_cash_application_policy AS "
    "SELECT version, document FROM credit_api.cash_application_policies WHERE active"
)
# credit_api's queue and console read the matches here.
MATCHES = (
    "CREATE VIEW risk_worker.v_cash_matches AS SELECT match_id, customer_code, payment_id, currency, "
    "amount, received_date, remittance_text, bank_reference, payer_name, payer_account, confidence, "
    "lines, reasons, held, status, status_reason, applied_by, policy_version, proposed_at, changed_at "
    "FROM risk_worker.cash_matches"
)

# Which customers share a credit group, for matching a payment to a group's invoices.
GROUP_MEMBERS = (
    "CREATE VIEW credit_api.v_credit_group_members AS SELECT customer_code, credit_group AS group_code "
    "FROM credit_api.customers WHERE credit_group IS NOT NULL"
)

# The decisions people took on matches: the risk worker matches again only what nobody decided.
DECISIONS = (
    "CREATE VIEW credit_api.v_cash_match_decisions AS SELECT match_id, decision, decided_at "
    "FROM credit_api.cash_match_decisions"
)


def upgrade() -> None:
    op.create_table(
        "cash_application_policies",
        sa.Column("version", sa.String(length=60), nullable=False),
        sa.Column("document", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("activated_traceparent", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_cash_application_policies")),
        schema="credit_api",
    )
    op.create_index(
        "uq_cash_application_policies_one_active",
        "cash_application_policies",
        ["active"],
        unique=True,
        schema="credit_api",
        postgresql_where=sa.text("active"),
    )
    op.create_table(
        "cash_match_decisions",
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("payment_id", sa.String(length=100), nullable=False),
        sa.Column(
            "decision", sa.String(length=20), nullable=False, comment="confirmed, rejected or reversed"
        ),
        sa.Column(
            "lines",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            comment="The allocations confirmed or reversed",
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("match_id", "decision", name=op.f("pk_cash_match_decisions")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_cash_match_decisions_customer_code"),
        "cash_match_decisions",
        ["customer_code"],
        unique=False,
        schema="credit_api",
    )
    op.create_table(
        "cash_matches",
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("payment_id", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "amount",
            sa.Numeric(precision=20, scale=4),
            nullable=False,
            comment="The payment's cash unallocated when matched",
        ),
        sa.Column("received_date", sa.Date(), nullable=False),
        sa.Column("remittance_text", sa.Text(), nullable=True),
        sa.Column("bank_reference", sa.String(length=200), nullable=True),
        sa.Column("payer_name", sa.String(length=200), nullable=True),
        sa.Column("payer_account", sa.String(length=100), nullable=True),
        sa.Column("confidence", sa.Numeric(precision=3, scale=2), nullable=False),
        sa.Column(
            "lines",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            comment="[{customer_code, invoice_id, amount, deduction, deduction_reason}]",
        ),
        sa.Column("reasons", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column(
            "held", postgresql.ARRAY(sa.Text()), nullable=False, comment="Why it may not apply by itself"
        ),
        sa.Column(
            "status",
            sa.String(length=20),
            nullable=False,
            comment="pending (for a person), applying (its payment.allocated on its way to the ledger), applied, refused (the ledger refused it: the reason), reversed, void (its payment was reversed before)",
        ),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("applied_by", sa.String(length=100), nullable=True),
        sa.Column("policy_version", sa.String(length=60), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("match_id", name=op.f("pk_cash_matches")),
        schema="risk_worker",
    )
    op.create_index(
        "ix_risk_worker_cash_matches_payment",
        "cash_matches",
        ["customer_code", "payment_id"],
        unique=False,
        schema="risk_worker",
    )
    op.create_index(
        "ix_risk_worker_cash_matches_status",
        "cash_matches",
        ["status", "changed_at"],
        unique=False,
        schema="risk_worker",
    )
    op.add_column(
        "allocations",
        sa.Column(
            "deduction",
            sa.Numeric(precision=20, scale=4),
            server_default=sa.text("0"),
            nullable=False,
            comment="Settled with it besides the cash by cash application: a discount or bank charges",
        ),
        schema="risk_worker",
    )
    op.execute(ACTIVE_POLICY)
    op.execute(MATCHES)
    op.execute(GROUP_MEMBERS)
    op.execute(DECISIONS)
    # Other customers' invoices a remittance names, found by number (see the cash application
    # repository's NUMBER).
    op.execute(
        "CREATE INDEX ix_risk_worker_open_items_number ON risk_worker.open_items "
        "(regexp_replace(regexp_replace(upper(item_id), '[^A-Z0-9]', '', 'g'), '^[A-Z0]+', ''))"
    )
    op.execute(
        "GRANT SELECT ON credit_api.v_active_cash_application_policy, credit_api.v_credit_group_members, "
        "credit_api.v_cash_match_decisions "
        "TO credence_worker, credence_notifier"
    )
    op.execute("GRANT SELECT ON risk_worker.v_cash_matches TO credence_api, credence_notifier")


def downgrade() -> None:
    op.execute("DROP INDEX risk_worker.ix_risk_worker_open_items_number")
    op.execute("DROP VIEW credit_api.v_cash_match_decisions")
    op.execute("DROP VIEW credit_api.v_credit_group_members")
    op.execute("DROP VIEW risk_worker.v_cash_matches")
    op.execute("DROP VIEW credit_api.v_active_cash_application_policy")
    op.drop_column("allocations", "deduction", schema="risk_worker")
    op.drop_index("ix_risk_worker_cash_matches_status", table_name="cash_matches", schema="risk_worker")
    op.drop_index("ix_risk_worker_cash_matches_payment", table_name="cash_matches", schema="risk_worker")
    op.drop_table("cash_matches", schema="risk_worker")
    op.drop_index(
        op.f("ix_credit_api_cash_match_decisions_customer_code"),
        table_name="cash_match_decisions",
        schema="credit_api",
    )
    op.drop_table("cash_match_decisions", schema="credit_api")
    op.drop_index(
        "uq_cash_application_policies_one_active",
        table_name="cash_application_policies",
        schema="credit_api",
        postgresql_where=sa.text("active"),
    )
    op.drop_table("cash_application_policies", schema="credit_api")
