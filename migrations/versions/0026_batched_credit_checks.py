"""credit checks decided in batches: the customers of a batch locked and read in one statement,
and the order in which decisions were taken kept

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-25 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every customer of a batch locked in one statement in a fixed order (two batches that share
# customers wait for each other and never deadlock), then read as one snapshot each, with the
# batch's orders that have an open hold and what the ledger invoiced for each of them.
BATCH_SNAPSHOT = """
CREATE FUNCTION credit_api.batch_snapshot(codes text[], orders text[], at timestamptz, today date)
RETURNS TABLE (customer_code text, currency text, blocked boolean, block_reason text, limit_amount numeric,
               limit_valid_until date, temporary text, receivables text, reservations text,
               order_hold_open boolean, warning_level integer, warning_holds boolean,
               held_orders text, invoiced text)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
  PERFORM 1 FROM credit_api.customers c WHERE c.customer_code = ANY(codes) ORDER BY c.customer_code FOR UPDATE;
  RETURN QUERY
  WITH pairs AS (SELECT DISTINCT p.code, p.order_ref FROM unnest(codes, orders) AS p(code, order_ref))
  SELECT s.*,
         (SELECT coalesce(json_agg(h.order_ref), '[]')::text
            FROM credit_api.credit_holds h
           WHERE h.customer_code = s.customer_code AND h.status = 'open'
             AND h.order_ref IN (SELECT p.order_ref FROM pairs p WHERE p.code = s.customer_code)),
         (SELECT coalesce(json_object_agg(i.order_ref, i.amounts), '{}')::text
            FROM (SELECT v.order_ref, json_agg(json_build_array(v.currency, v.invoiced_amount::text)) AS amounts
                    FROM risk_worker.v_order_invoicing v
                   WHERE v.customer_code = s.customer_code
                     AND v.order_ref IN (SELECT p.order_ref FROM pairs p WHERE p.code = s.customer_code)
                   GROUP BY v.order_ref) i)
    FROM (SELECT DISTINCT p.code FROM pairs p) d,
         LATERAL credit_api.customer_snapshot(d.code, at, today, NULL, false) s;
END $$
"""

# The Idempotency-Keys of a batch locked in a fixed order (the same lock as `idempotency_claim`),
# then their stored answers read: one round trip.
CLAIM_MANY = """
CREATE FUNCTION credit_api.idempotency_claim_many(key_ids uuid[], keys text[])
RETURNS SETOF credit_api.idempotency_keys LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(l.h)
     FROM (SELECT DISTINCT hashtextextended(u.k::text || '/' || u.n, 0) AS h
             FROM unnest(key_ids, keys) AS u(k, n) ORDER BY 1) AS l;
  RETURN QUERY SELECT i.* FROM credit_api.idempotency_keys i
                 JOIN unnest(key_ids, keys) AS u(k, n) ON i.api_key_id = u.k AND i.key = u.n;
END $$
"""


def upgrade() -> None:
    op.add_column(
        "credit_checks",
        sa.Column(
            "decided_seq",
            sa.BigInteger(),
            sa.Identity(always=True),
            nullable=False,
            comment="The order decisions were taken in: a customer's checks are decided one after another",
        ),
        schema="credit_api",
    )
    op.execute(BATCH_SNAPSHOT)
    op.execute(CLAIM_MANY)


def downgrade() -> None:
    op.execute("DROP FUNCTION credit_api.idempotency_claim_many(uuid[], text[])")
    op.execute("DROP FUNCTION credit_api.batch_snapshot(text[], text[], timestamptz, date)")
    op.drop_column("credit_checks", "decided_seq", schema="credit_api")
