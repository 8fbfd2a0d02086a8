"""a credit check reads its customers' live reservations as their running sums (0039's
`reservation_totals`), not one by one: its cost no longer grows with a customer's open orders

A batch's snapshot lists only the reservations a decision must see one by one: those an invoice
consumes (written after their order's invoicing, or reached by an invoice since), and the live
reservations of the batch's own orders, which a check replaces rather than adds to. Every other
live reservation is counted in `reserved`: each currency's sum, less what is listed and less what
lapsed and is not yet marked, found as `credit_api.credit_group_figures` finds them for a group.
The rules stay in Python (`exposure.service.standing_of`); the function only locks, reads and sums.

Both statements of a batch, and a credit group's figures, keep one generic plan per session
(`plan_cache_mode`): planning them afresh for every batch took longer than running them. A generic
plan is made once, with the statistics of that moment, and kept for the life of the connection,
however the tables grow after: so it is made to be the one plan that stays right, every row found
by its key through an index (no sequential scans) and joined to its table by key: in a nested loop
(the batch's statements allow no hash or merge joins, which would read a whole index once the
tables are large), or through LATERAL lookups (a group's figures, whose hundreds of members' rows
are still joined to each other by hash). A generic plan's estimates are those of arrays of unknown
length: high enough to start the JIT compiler on a client that leaves it on, which costs far more
than the statements (a group's figures took 125 ms so instead of 2), so the functions turn it off.

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-06 22:00:00
"""

import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "0045"
down_revision: str | None = "0044"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH_SNAPSHOT = """
CREATE FUNCTION credit_api.batch_snapshot(codes text[], orders text[], at timestamptz, today date)
RETURNS TABLE (customer_code text, currency text, blocked boolean, block_reason text, limit_amount numeric,
               limit_valid_until date, temporary text, receivables text, reservations text,
               order_hold_open boolean, warning_level integer, warning_holds boolean,
               held_orders text, invoiced text, reserved text)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
  PERFORM 1 FROM credit_api.customers c WHERE c.customer_code = ANY(codes) ORDER BY c.customer_code FOR UPDATE;
  RETURN QUERY
  -- Each table is read per customer (or per order) of the batch, by key, behind OFFSET 0: the
  -- plan, made once, can then read no customer's rows but the batch's, whatever it believed of the
  -- tables' sizes when it was made.
  WITH pairs AS MATERIALIZED (
    SELECT DISTINCT p.code, p.order_ref FROM unnest(codes, orders) AS p(code, order_ref)
  ), found AS MATERIALIZED (
    SELECT DISTINCT p.code FROM pairs p
  ), totals AS MATERIALIZED (
    SELECT f.code AS customer_code, t.currency, t.amount, t.longest_term
      FROM found f
     CROSS JOIN LATERAL (SELECT t.currency, t.amount, t.longest_term FROM credit_api.reservation_totals t
                          WHERE t.customer_code = f.code OFFSET 0) t
  ), listed AS MATERIALIZED (
    -- Consumed by an invoice that existed when they were written.
    SELECT f.code AS customer_code, r.order_ref, r.amount, r.currency
      FROM found f
     CROSS JOIN LATERAL (SELECT r.order_ref, r.amount, r.currency, r.expires_at FROM credit_api.reservations r
                          WHERE r.customer_code = f.code AND r.status = 'active' AND r.invoiced_before
                         OFFSET 0) r
     WHERE r.expires_at > at
    UNION
    -- Reached by an invoice since the longest term of the customers' reservations began.
    SELECT i.customer_code, i.order_ref, r.amount, r.currency
      FROM (SELECT DISTINCT f.code AS customer_code, i.order_ref
              FROM found f
             CROSS JOIN LATERAL (SELECT i.order_ref FROM risk_worker.v_order_invoicing i
                                  WHERE i.customer_code = f.code
                                    AND i.changed_at > at - (SELECT max(t.longest_term) FROM totals t)
                                                          - interval '1 day'
                                 OFFSET 0) i) i
     CROSS JOIN LATERAL (SELECT r.amount, r.currency, r.expires_at FROM credit_api.reservations r
                          WHERE r.customer_code = i.customer_code AND r.order_ref = i.order_ref
                            AND r.status = 'active' OFFSET 0) r
     WHERE r.expires_at > at
    UNION
    -- The batch's own orders.
    SELECT p.code, p.order_ref, r.amount, r.currency
      FROM pairs p
     CROSS JOIN LATERAL (SELECT r.amount, r.currency, r.expires_at FROM credit_api.reservations r
                          WHERE r.customer_code = p.code AND r.order_ref = p.order_ref AND r.status = 'active'
                         OFFSET 0) r
     WHERE r.expires_at > at
  ), lapsed AS MATERIALIZED (
    -- Past their expiry, not marked yet by the housekeeping (every minute).
    SELECT f.code AS customer_code, r.currency, r.amount
      FROM found f
     CROSS JOIN LATERAL (SELECT r.currency, r.amount FROM credit_api.reservations r
                          WHERE r.customer_code = f.code AND r.status = 'active' AND r.expires_at <= at
                         OFFSET 0) r
  ), reserved AS (
    SELECT t.customer_code, t.currency, t.amount FROM totals t
    UNION ALL
    SELECT l.customer_code, l.currency, -l.amount FROM lapsed l
    UNION ALL
    SELECT l.customer_code, l.currency, -l.amount FROM listed l
  ), held AS MATERIALIZED (
    SELECT p.code AS customer_code, h.order_ref
      FROM pairs p
     CROSS JOIN LATERAL (SELECT h.order_ref, h.status FROM credit_api.credit_holds h
                          WHERE h.customer_code = p.code OFFSET 0) h
     WHERE h.status = 'open' AND h.order_ref = p.order_ref
  ), invoicing AS MATERIALIZED (
    SELECT p.code AS customer_code, p.order_ref, v.currency, v.invoiced_amount
      FROM pairs p
     CROSS JOIN LATERAL (SELECT v.currency, v.invoiced_amount FROM risk_worker.v_order_invoicing v
                          WHERE v.customer_code = p.code AND v.order_ref = p.order_ref OFFSET 0) v
  )
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
            FROM listed s
           WHERE s.customer_code = c.customer_code),
         false,
         coalesce((SELECT w.level FROM risk_worker.v_warning_levels w WHERE w.customer_code = c.customer_code), 0),
         coalesce((SELECT w.holds_orders FROM risk_worker.v_warning_levels w
                    WHERE w.customer_code = c.customer_code), false),
         (SELECT coalesce(json_agg(h.order_ref), '[]')::text FROM held h WHERE h.customer_code = c.customer_code),
         (SELECT coalesce(json_object_agg(i.order_ref, i.amounts), '{}')::text
            FROM (SELECT v.order_ref, json_agg(json_build_array(v.currency, v.invoiced_amount::text)) AS amounts
                    FROM invoicing v
                   WHERE v.customer_code = c.customer_code
                   GROUP BY v.order_ref) i),
         (SELECT coalesce(json_agg(json_build_array(x.currency, x.amount::text)), '[]')::text
            FROM (SELECT x.currency, sum(x.amount) AS amount FROM reserved x
                   WHERE x.customer_code = c.customer_code
                   GROUP BY x.currency HAVING sum(x.amount) <> 0) x)
    FROM found f
   CROSS JOIN LATERAL (SELECT c.* FROM credit_api.customers c WHERE c.customer_code = f.code OFFSET 0) c
    LEFT JOIN LATERAL (SELECT l.amount, l.valid_until FROM credit_api.credit_limits l
                        WHERE l.customer_code = c.customer_code AND l.superseded_at IS NULL OFFSET 0) l ON true;
END $$
"""

DROP_OPEN = "DROP FUNCTION credit_api.check_batch_open(uuid[], text[], text[], text[], timestamptz, date)"
SNAPSHOT = "credit_api.batch_snapshot(text[], text[], timestamptz, date)"
DROP_SNAPSHOT = f"DROP FUNCTION {SNAPSHOT}"
CLAIM_MANY = "credit_api.idempotency_claim_many(uuid[], text[])"
PLANNING = [
    ("plan_cache_mode", "force_generic_plan"),
    ("enable_seqscan", "off"),
    ("enable_hashjoin", "off"),
    ("enable_mergejoin", "off"),
    ("jit", "off"),
]
WRITE = (
    "credit_api.check_batch_write(uuid[], text[], text[], uuid[], numeric[], text[], timestamptz[], json, "
    "uuid[], text[], text[], integer[], text[])"
)


def _revision(revision_file: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(revision_file, Path(__file__).with_name(revision_file))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# 0039's helpers: an earlier revision's statement as it was, and one with some of its text swapped.
_0039 = _revision("0039_reservation_totals.py")
_earlier: Callable[[str, str], str] = _0039._earlier
_swapped: Callable[[str, Sequence[tuple[str, str]]], str] = _0039._swapped


def _open() -> str:
    """0036's, with the snapshot's `reserved` column."""
    return _swapped(
        _earlier("0036_credit_group_checks.py", "OPEN"),
        [
            (
                "held_orders text, invoiced text, groups text)",
                "held_orders text, invoiced text, reserved text, groups text)",
            ),
            (
                "NULL::text\n      FROM credit_api.idempotency_claim_many",
                "NULL::text, NULL::text\n      FROM credit_api.idempotency_claim_many",
            ),
            ("NULL::text, figures;", "NULL::text, NULL::text, figures;"),
        ],
    )


# A credit group's figures (0039's), with one generic plan too: planned afresh they cost as much to
# plan as to run. Its joins to tables go by key (LATERAL), so the plan made once stays right.
def _figures() -> str:
    return _swapped(
        _earlier("0039_reservation_totals.py", "FIGURES"),
        [
            (
                "SET enable_seqscan = off AS $$",
                "SET enable_seqscan = off SET plan_cache_mode = force_generic_plan SET jit = off AS $$",
            ),
            (
                "SELECT g.code, g.parent_code FROM up u JOIN credit_api.credit_groups g ON g.code = u.parent_code",
                "SELECT g.code, g.parent_code FROM up u CROSS JOIN LATERAL (\n"
                "      SELECT g.code, g.parent_code FROM credit_api.credit_groups g WHERE g.code = u.parent_code\n"
                "      OFFSET 0) g",
            ),
            (
                "SELECT g.code FROM down d JOIN credit_api.credit_groups g ON g.parent_code = d.code",
                "SELECT g.code FROM down d CROSS JOIN LATERAL (\n"
                "      SELECT g.code FROM credit_api.credit_groups g WHERE g.parent_code = d.code OFFSET 0) g",
            ),
            (
                "LEFT JOIN risk_worker.v_order_invoicing i ON i.customer_code = c.customer_code AND i.order_ref = c.order_ref",
                "LEFT JOIN LATERAL (SELECT i.currency, i.invoiced_amount FROM risk_worker.v_order_invoicing i\n"
                "                    WHERE i.customer_code = c.customer_code AND i.order_ref = c.order_ref\n"
                "                   OFFSET 0) i ON true",
            ),
            (
                "LEFT JOIN credit_api.credit_group_limits l\n"
                "                     ON l.group_code = g.code AND l.superseded_at IS NULL",
                "LEFT JOIN LATERAL (SELECT l.amount, l.valid_until FROM credit_api.credit_group_limits l\n"
                "                                       WHERE l.group_code = g.code AND l.superseded_at IS NULL\n"
                "                                      OFFSET 0) l ON true",
            ),
        ],
    )


def upgrade() -> None:
    op.create_index(
        "ix_reservations_active_customer_expiry",
        "reservations",
        ["customer_code", "expires_at"],
        schema="credit_api",
        postgresql_where=sa.text("status = 'active'"),
    )
    op.execute(DROP_OPEN)
    op.execute(DROP_SNAPSHOT)
    op.execute(BATCH_SNAPSHOT)
    op.execute(_open())
    op.execute(_figures())
    for function in (SNAPSHOT, WRITE):
        for setting, value in PLANNING:
            op.execute(f"ALTER FUNCTION {function} SET {setting} = {value}")
    # Its lookup of stored answers was planned as a scan while the table was small, and the plan kept.
    op.execute(f"ALTER FUNCTION {CLAIM_MANY} SET enable_seqscan = off")


def downgrade() -> None:
    for setting, _ in PLANNING:
        op.execute(f"ALTER FUNCTION {WRITE} RESET {setting}")
    op.execute(f"ALTER FUNCTION {CLAIM_MANY} RESET enable_seqscan")
    op.execute(DROP_OPEN)
    op.execute(DROP_SNAPSHOT)
    op.execute(_earlier("0026_batched_credit_checks.py", "BATCH_SNAPSHOT"))
    op.execute(_earlier("0036_credit_group_checks.py", "OPEN"))
    op.execute(_earlier("0039_reservation_totals.py", "FIGURES"))
    op.drop_index("ix_reservations_active_customer_expiry", "reservations", schema="credit_api")
