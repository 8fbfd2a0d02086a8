"""warning levels: each customer's early-warning level and indicator states; the credit check reads
whether the level holds orders

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 18:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The credit check's one round trip (0004), now also reading whether the customer's warning level
# holds orders. A function's result columns cannot change in place: it is dropped and made again.
SNAPSHOT = """
    CREATE FUNCTION credit_api.customer_snapshot(code text, at timestamptz, today date, excluding text, lock boolean)
    RETURNS TABLE (customer_code text, currency text, blocked boolean, block_reason text, limit_amount numeric,
                   limit_valid_until date, temporary text, receivables text, reservations text,
                   order_hold_open boolean{extra_columns})
    LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      IF lock THEN
        PERFORM 1 FROM credit_api.customers c WHERE c.customer_code = code FOR UPDATE;
      END IF;
      RETURN QUERY
      SELECT c.customer_code::text, c.currency::text, c.blocked, c.block_reason::text, l.amount, l.valid_until,
             (SELECT coalesce(json_agg(json_build_array(t.amount::text, t.valid_from, t.valid_until)), '[]')::text
                FROM credit_api.temporary_limits t
               WHERE t.customer_code = c.customer_code AND t.valid_until >= today),
             (SELECT coalesce(json_agg(json_build_array(r.currency, r.open_receivables::text,
                                                        r.overdue_receivables::text, r.oldest_due_date,
                                                        r.unallocated_cash::text)), '[]')::text
                FROM risk_worker.v_customer_receivables r
               WHERE r.customer_code = c.customer_code),
             (SELECT coalesce(json_agg(json_build_array(s.order_ref, s.amount::text, (
                        SELECT coalesce(json_agg(json_build_array(i.currency, i.invoiced_amount::text)), '[]')
                          FROM risk_worker.v_order_invoicing i
                         WHERE i.customer_code = s.customer_code AND i.order_ref = s.order_ref))), '[]')::text
                FROM credit_api.reservations s
               WHERE s.customer_code = c.customer_code AND s.status = 'active' AND s.expires_at > at
                 AND s.order_ref IS DISTINCT FROM excluding),
             EXISTS (SELECT 1 FROM credit_api.credit_holds h
                      WHERE h.customer_code = c.customer_code AND h.order_ref = excluding AND h.status = 'open'){extra_values}
        FROM credit_api.customers c
        LEFT JOIN credit_api.credit_limits l ON l.customer_code = c.customer_code AND l.superseded_at IS NULL
       WHERE c.customer_code = code;
    END $$
"""
DROP_SNAPSHOT = "DROP FUNCTION credit_api.customer_snapshot(text, timestamptz, date, text, boolean)"


def upgrade() -> None:
    op.create_table(
        "warning_levels",
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False, comment="0 normal, 1 watch, 2 warning, 3 critical"),
        sa.Column("holds_orders", sa.Boolean(), nullable=False),
        sa.Column("causes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("indicators", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("policy_version", sa.String(length=60), nullable=False),
        sa.Column(
            "since",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the customer entered this level",
        ),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("customer_code", name=op.f("pk_warning_levels")),
        schema="risk_worker",
    )
    op.execute("CREATE VIEW risk_worker.v_warning_levels AS SELECT * FROM risk_worker.warning_levels")
    op.execute(DROP_SNAPSHOT)
    op.execute(
        SNAPSHOT.format(
            extra_columns=", warning_level integer, warning_holds boolean",
            extra_values=""",
             coalesce((SELECT w.level FROM risk_worker.v_warning_levels w WHERE w.customer_code = c.customer_code), 0),
             coalesce((SELECT w.holds_orders FROM risk_worker.v_warning_levels w
                        WHERE w.customer_code = c.customer_code), false)""",
        )
    )


def downgrade() -> None:
    op.execute(DROP_SNAPSHOT)
    op.execute(SNAPSHOT.format(extra_columns="", extra_values=""))
    op.execute("DROP VIEW risk_worker.v_warning_levels")
    op.drop_table("warning_levels", schema="risk_worker")
