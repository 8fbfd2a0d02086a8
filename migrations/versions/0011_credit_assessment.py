"""credit assessment: statements, assessments, scorecards, reviews, payment terms codes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 18:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(20, 4)
CUSTOMER_CREDIT = """
    CREATE OR REPLACE VIEW credit_api.v_customer_credit AS
    SELECT c.customer_code, c.name, c.currency, c.language, c.contacts, c.blocked,
           l.amount AS limit_amount, l.valid_until AS limit_valid_until,
           COALESCE((SELECT sum(t.amount) FROM credit_api.temporary_limits t
                      WHERE t.customer_code = c.customer_code
                        AND current_date BETWEEN t.valid_from AND t.valid_until), 0) AS temporary_amount{extra}
      FROM credit_api.customers c
      LEFT JOIN credit_api.credit_limits l
        ON l.customer_code = c.customer_code AND l.superseded_at IS NULL
"""
VIEWS = [
    CUSTOMER_CREDIT.format(
        extra=",\n           c.country, c.industry, c.listed, c.customer_since, c.payment_terms, c.created_at,"
        "\n           c.updated_at"
    ),
    "CREATE VIEW credit_api.v_active_scorecard AS SELECT version, document FROM credit_api.scorecards WHERE active",
    "CREATE VIEW credit_api.v_fx_rates AS SELECT rate_date, base, quote, rate FROM credit_api.fx_rates",
    "CREATE VIEW risk_worker.v_financial_statements AS SELECT * FROM risk_worker.financial_statements",
    "CREATE VIEW risk_worker.v_assessments AS SELECT * FROM risk_worker.assessments",
    "CREATE VIEW risk_worker.v_assessment_history AS SELECT * FROM risk_worker.assessment_history",
]


def upgrade() -> None:
    op.add_column(
        "open_items",
        sa.Column(
            "settled_on",
            sa.Date(),
            nullable=True,
            comment="Business date the open balance reached zero; null while open",
        ),
        schema="risk_worker",
    )
    # Items settled before this column: the date of their last movement.
    op.execute(
        """
        UPDATE risk_worker.open_items i SET settled_on = m.last
          FROM (SELECT customer_code, item_id, max(effective_date) AS last FROM risk_worker.movements
                 WHERE account = 'item' GROUP BY customer_code, item_id) m
         WHERE i.open_amount = 0 AND m.customer_code = i.customer_code AND m.item_id = i.item_id
        """
    )
    op.add_column(
        "customers",
        sa.Column(
            "payment_terms",
            sa.String(length=10),
            nullable=True,
            comment="A terms code: NET30, EOM30, 30EOM, PREPAY",
        ),
        schema="credit_api",
    )
    op.execute(
        "UPDATE credit_api.customers SET payment_terms = 'NET' || payment_terms_days WHERE payment_terms_days IS NOT NULL"
    )
    op.drop_column("customers", "payment_terms_days", schema="credit_api")
    op.add_column(
        "customers",
        sa.Column(
            "listed",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
            comment="Shares traded on an exchange",
        ),
        schema="credit_api",
    )
    op.add_column(
        "customers",
        sa.Column("customer_since", sa.Date(), nullable=True, comment="When the relationship began"),
        schema="credit_api",
    )
    op.add_column("customers", sa.Column("score", sa.Numeric(4, 1), nullable=True), schema="credit_api")
    op.create_index(
        op.f("ix_credit_api_customers_review_date"), "customers", ["review_date"], schema="credit_api"
    )
    op.create_table(
        "scorecards",
        sa.Column("version", sa.String(length=60), nullable=False),
        sa.Column("document", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_scorecards")),
        schema="credit_api",
    )
    op.create_index(
        "uq_scorecards_one_active",
        "scorecards",
        ["active"],
        unique=True,
        schema="credit_api",
        postgresql_where=sa.text("active"),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=30), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("grade", sa.String(length=10), nullable=True),
        sa.Column("next_review_date", sa.Date(), nullable=False),
        sa.Column("reviewed_by", sa.String(length=100), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_code"],
            ["credit_api.customers.customer_code"],
            name=op.f("fk_reviews_customer_code_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_reviews_customer_code"), "reviews", ["customer_code"], schema="credit_api"
    )
    amounts = [
        "current_assets", "inventory", "cash", "total_assets", "current_liabilities", "total_liabilities", "equity",
        "retained_earnings", "revenue", "ebit", "interest_expense", "net_income", "operating_cash_flow",
        "market_value_equity",
    ]  # fmt: skip
    op.create_table(
        "financial_statements",
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("period_months", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("audited", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        *(sa.Column(name, MONEY, nullable=True) for name in amounts),
        sa.Column("filed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("customer_code", "period_end", name=op.f("pk_financial_statements")),
        schema="risk_worker",
    )
    op.create_table(
        "assessments",
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Numeric(4, 1), nullable=False),
        sa.Column("grade", sa.String(length=10), nullable=False),
        sa.Column("scorecard_version", sa.String(length=60), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("recommended_limit", MONEY, nullable=False),
        sa.Column("recommended_terms", sa.String(length=10), nullable=False),
        sa.Column("review_months", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("explanation", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("customer_code", name=op.f("pk_assessments")),
        schema="risk_worker",
    )
    op.create_table(
        "assessment_history",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Numeric(4, 1), nullable=False),
        sa.Column("grade", sa.String(length=10), nullable=False),
        sa.Column("scorecard_version", sa.String(length=60), nullable=False),
        sa.Column("trigger", sa.String(length=30), nullable=False),
        sa.Column("explanation", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_history")),
        schema="risk_worker",
    )
    op.create_index(
        "ix_assessment_history_customer", "assessment_history", ["customer_code", "id"], schema="risk_worker"
    )
    op.create_table(
        "reassessments",
        sa.Column("scorecard_version", sa.String(length=60), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("scorecard_version", name=op.f("pk_reassessments")),
        schema="risk_worker",
    )
    op.create_table(
        "assessments_due",
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("due_since", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("customer_code", name=op.f("pk_assessments_due")),
        schema="risk_worker",
    )
    for statement in VIEWS:
        op.execute(statement)


def downgrade() -> None:
    for view in (
        "risk_worker.v_assessment_history",
        "risk_worker.v_assessments",
        "risk_worker.v_financial_statements",
        "credit_api.v_fx_rates",
        "credit_api.v_active_scorecard",
        "credit_api.v_customer_credit",
    ):
        op.execute(f"DROP VIEW {view}")
    op.execute(CUSTOMER_CREDIT.format(extra=""))
    op.drop_table("assessments_due", schema="risk_worker")
    op.drop_table("reassessments", schema="risk_worker")
    op.drop_index("ix_assessment_history_customer", table_name="assessment_history", schema="risk_worker")
    op.drop_table("assessment_history", schema="risk_worker")
    op.drop_table("assessments", schema="risk_worker")
    op.drop_table("financial_statements", schema="risk_worker")
    op.drop_index(op.f("ix_credit_api_reviews_customer_code"), table_name="reviews", schema="credit_api")
    op.drop_table("reviews", schema="credit_api")
    op.drop_index("uq_scorecards_one_active", table_name="scorecards", schema="credit_api")
    op.drop_table("scorecards", schema="credit_api")
    op.drop_index(op.f("ix_credit_api_customers_review_date"), table_name="customers", schema="credit_api")
    op.drop_column("customers", "score", schema="credit_api")
    op.drop_column("customers", "customer_since", schema="credit_api")
    op.drop_column("customers", "listed", schema="credit_api")
    op.add_column(
        "customers", sa.Column("payment_terms_days", sa.Integer(), nullable=True), schema="credit_api"
    )
    op.execute(
        "UPDATE credit_api.customers SET payment_terms_days = substr(payment_terms, 4)::int "
        "WHERE payment_terms ~ '^NET[0-9]+$'"
    )
    op.drop_column("customers", "payment_terms", schema="credit_api")
    op.drop_column("open_items", "settled_on", schema="risk_worker")
