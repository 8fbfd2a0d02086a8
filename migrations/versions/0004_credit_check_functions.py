"""credit check read functions: one round trip each

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 22:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Inside a volatile PL/pgSQL function every statement takes a fresh snapshot, so what follows a
# lock sees all that the previous lock holder committed. A single SELECT could not: it keeps the
# snapshot it started with while it waits for the lock.
FUNCTIONS = [
    """
    CREATE FUNCTION credit_api.customer_snapshot(code text, at timestamptz, today date, excluding text, lock boolean)
    RETURNS TABLE (customer_code text, currency text, blocked boolean, block_reason text, limit_amount numeric,
                   limit_valid_until date, temporary text, receivables text, reservations text,
                   order_hold_open boolean)
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
                      WHERE h.customer_code = c.customer_code AND h.order_ref = excluding AND h.status = 'open')
        FROM credit_api.customers c
        LEFT JOIN credit_api.credit_limits l ON l.customer_code = c.customer_code AND l.superseded_at IS NULL
       WHERE c.customer_code = code;
    END $$
    """,
    """
    CREATE FUNCTION credit_api.idempotency_claim(key_id uuid, idempotency_key text)
    RETURNS SETOF credit_api.idempotency_keys LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtextextended(key_id::text || '/' || idempotency_key, 0));
      RETURN QUERY SELECT * FROM credit_api.idempotency_keys k
                    WHERE k.api_key_id = key_id AND k.key = idempotency_key;
    END $$
    """,
]


def upgrade() -> None:
    for statement in FUNCTIONS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP FUNCTION credit_api.idempotency_claim(uuid, text)")
    op.execute("DROP FUNCTION credit_api.customer_snapshot(text, timestamptz, date, text, boolean)")
