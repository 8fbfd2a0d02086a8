"""a batch of credit checks in two statements: one that claims its Idempotency-Keys and locks and
reads its customers, one that writes what the rules decided

The rules between them stay in Python (shared/domain/credit.py); the functions only read and write.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05 16:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The keys first, then the customers, each in a fixed order (as before, in two statements): two
# batches never deadlock. A stored answer is a row of its own, its customer columns null, the
# answer as the JSON text it is sent as.
OPEN = """
CREATE FUNCTION credit_api.check_batch_open(key_ids uuid[], keys text[], codes text[], orders text[],
                                            at timestamptz, today date)
RETURNS TABLE (stored text, customer_code text, currency text, blocked boolean, block_reason text,
               limit_amount numeric, limit_valid_until date, temporary text, receivables text,
               reservations text, order_hold_open boolean, warning_level integer,
               warning_holds boolean, held_orders text, invoiced text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF cardinality(key_ids) > 0 THEN
    RETURN QUERY
    SELECT json_build_array(i.api_key_id, i.key, i.request_hash, i.status_code, i.response::text)::text,
           NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::numeric, NULL::date, NULL::text,
           NULL::text, NULL::text, NULL::boolean, NULL::integer, NULL::boolean, NULL::text, NULL::text
      FROM credit_api.idempotency_claim_many(key_ids, keys) i;
  END IF;
  IF cardinality(codes) > 0 THEN
    RETURN QUERY SELECT NULL::text, s.* FROM credit_api.batch_snapshot(codes, orders, at, today) s;
  END IF;
END $$
"""

# Reservations upserted (an order's live one updated in place, keeping its id), the checks
# inserted in the order they were decided, the answers kept for their keys. A reservation is
# proposed under a new id; where the order already had a live one, that id is the one kept, and
# the checks and stored answers naming the proposed id are given the kept one. Returned: the
# (proposed, kept) pairs that differ, for the caller to correct the answers it sends. PL/pgSQL,
# not SQL: a session keeps its plan, where a SQL function's body is planned again on every call.
WRITE = """
CREATE FUNCTION credit_api.check_batch_write(
    r_ids uuid[], r_codes text[], r_orders text[], r_checks uuid[], r_amounts numeric[],
    r_currencies text[], r_expiry timestamptz[], checks json,
    k_ids uuid[], k_keys text[], k_hashes text[], k_statuses integer[], k_answers text[])
RETURNS TABLE (proposed uuid, kept uuid)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH upserted AS (
    INSERT INTO credit_api.reservations
           (id, customer_code, order_ref, check_id, amount, currency, status, expires_at)
    SELECT r.id, r.code, r.order_ref, r.check_id, r.amount, r.currency, 'active', r.expires_at
      FROM unnest(r_ids, r_codes, r_orders, r_checks, r_amounts, r_currencies, r_expiry)
           AS r(id, code, order_ref, check_id, amount, currency, expires_at)
    ON CONFLICT (customer_code, order_ref) WHERE status = 'active'
    DO UPDATE SET amount = excluded.amount, check_id = excluded.check_id, expires_at = excluded.expires_at
    RETURNING id, customer_code, order_ref
  ), moved AS (
    SELECT p.id AS proposed, u.id AS kept
      FROM unnest(r_ids, r_codes, r_orders) AS p(id, code, order_ref)
      JOIN upserted u ON u.customer_code = p.code AND u.order_ref = p.order_ref
     WHERE u.id <> p.id
  ), decided AS (
    INSERT INTO credit_api.credit_checks
           (id, customer_code, order_ref, amount, currency, decision, reasons, effective_limit,
            exposure_before, exposure_after, available_after, order_amount, order_currency,
            reservation_id, hold_id, checked_by, checked_at)
    SELECT c.id, c.customer_code, c.order_ref, c.amount, c.currency, c.decision, c.reasons,
           c.effective_limit, c.exposure_before, c.exposure_after, c.available_after, c.order_amount,
           c.order_currency, coalesce(m.kept, c.reservation_id), c.hold_id, c.checked_by, c.checked_at
      FROM json_populate_recordset(NULL::credit_api.credit_checks, checks) WITH ORDINALITY AS c
      LEFT JOIN moved m ON m.proposed = c.reservation_id
     ORDER BY c.ordinality
  ), kept_answers AS (
    INSERT INTO credit_api.idempotency_keys (api_key_id, key, request_hash, status_code, response)
    SELECT k.id, k.key, k.hash, k.status,
           coalesce(replace(k.answer, m.proposed::text, m.kept::text), k.answer)::jsonb
      FROM unnest(k_ids, k_keys, k_hashes, k_statuses, k_answers) AS k(id, key, hash, status, answer)
      LEFT JOIN moved m ON strpos(k.answer, m.proposed::text) > 0
  )
  SELECT m.proposed, m.kept FROM moved m;
END $$
"""


def upgrade() -> None:
    op.execute(OPEN)
    op.execute(WRITE)


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION credit_api.check_batch_write(uuid[], text[], text[], uuid[], numeric[], text[], "
        "timestamptz[], json, uuid[], text[], text[], integer[], text[])"
    )
    op.execute("DROP FUNCTION credit_api.check_batch_open(uuid[], text[], text[], text[], timestamptz, date)")
