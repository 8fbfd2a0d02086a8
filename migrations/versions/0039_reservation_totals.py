"""a customer's live reservations summed as they are written, so that a credit group's exposure
reads one row per member instead of every reservation of every member

`credit_api.reservation_totals` holds, per customer and currency, the sum of the reservations
whose status is active, kept by statement triggers in the statement that writes them. What the sum
must not count is found by small indexed reads: reservations past their expiry that the
housekeeping has not marked yet, and the reservations an invoice consumes. Those are the ones whose
order was invoiced when they were written (`invoiced_before`, set by the writing statement), and
the ones an invoice reached later, found from the ledger's side: the orders of a member invoiced
since its longest reservation term began (`order_invoicing.changed_at`).

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-06 05:00:00
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rows a statement wrote, as changes to their customer's sums: set-wise, one statement for a
# batch. `longest_term` only grows: it bounds how long ago any live reservation was written.
FOLLOW = """
CREATE FUNCTION credit_api.reservation_totals_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO credit_api.reservation_totals AS t (customer_code, currency, amount, longest_term)
    SELECT n.customer_code, n.currency, coalesce(sum(n.amount) FILTER (WHERE n.status = 'active'), 0),
           max(n.expires_at - now())
      FROM new_rows n GROUP BY n.customer_code, n.currency ORDER BY n.customer_code, n.currency
    ON CONFLICT (customer_code, currency) DO UPDATE
      SET amount = t.amount + excluded.amount, longest_term = greatest(t.longest_term, excluded.longest_term);
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO credit_api.reservation_totals AS t (customer_code, currency, amount, longest_term)
    SELECT d.customer_code, d.currency, sum(d.amount), max(d.term)
      FROM (SELECT n.customer_code, n.currency,
                   CASE WHEN n.status = 'active' THEN n.amount ELSE 0 END AS amount,
                   n.expires_at - now() AS term
              FROM new_rows n
            UNION ALL
            SELECT o.customer_code, o.currency, CASE WHEN o.status = 'active' THEN -o.amount ELSE 0 END,
                   NULL
              FROM old_rows o) d
     GROUP BY d.customer_code, d.currency ORDER BY d.customer_code, d.currency
    ON CONFLICT (customer_code, currency) DO UPDATE
      SET amount = t.amount + excluded.amount, longest_term = greatest(t.longest_term, excluded.longest_term);
  ELSE
    UPDATE credit_api.reservation_totals t SET amount = t.amount - d.amount
      FROM (SELECT o.customer_code, o.currency, sum(o.amount) AS amount
              FROM old_rows o WHERE o.status = 'active' GROUP BY o.customer_code, o.currency) d
     WHERE t.customer_code = d.customer_code AND t.currency = d.currency;
  END IF;
  RETURN NULL;
END $$
"""

TRIGGERS = [
    "CREATE TRIGGER reservation_totals_insert AFTER INSERT ON credit_api.reservations "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION credit_api.reservation_totals_follow()",
    "CREATE TRIGGER reservation_totals_update AFTER UPDATE ON credit_api.reservations "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION credit_api.reservation_totals_follow()",
    "CREATE TRIGGER reservation_totals_delete AFTER DELETE ON credit_api.reservations "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION credit_api.reservation_totals_follow()",
]

# Every reservation of the past was written no earlier than it was created, and its expiry is
# still `expires_at`: its term is at most `expires_at - created_at`.
BACKFILL = [
    """
    UPDATE credit_api.reservations r SET invoiced_before = true
     WHERE r.status = 'active'
       AND EXISTS (SELECT 1 FROM risk_worker.order_invoicing i
                    WHERE i.customer_code = r.customer_code AND i.order_ref = r.order_ref)
    """,
    """
    INSERT INTO credit_api.reservation_totals (customer_code, currency, amount, longest_term)
    SELECT r.customer_code, r.currency, coalesce(sum(r.amount) FILTER (WHERE r.status = 'active'), 0),
           max(r.expires_at - r.created_at)
      FROM credit_api.reservations r GROUP BY r.customer_code, r.currency
    """,
]

# As 0036's, with the reserved part read from the sums. A member's live reservations an invoice
# consumes are listed one by one as before; the sums less those, and less what has expired
# unmarked, are the rest. A day's margin on the term covers the clocks of the two transactions.
FIGURES = """
CREATE OR REPLACE FUNCTION credit_api.credit_group_figures(customers text[], groups text[], at timestamptz,
                                                           lock boolean)
RETURNS text LANGUAGE plpgsql VOLATILE
-- Every row here is looked up by key. A session keeps the plans it made when the tables were small,
-- in which scanning them was cheapest: scans would then read tables grown large on every call.
SET enable_seqscan = off AS $$
DECLARE
  wanted text[];
  tree text[];
  member_codes text[];
  member_groups text[];
BEGIN
  wanted := CASE WHEN lock THEN credit_api.lock_groups_of(customers, groups)
                 ELSE credit_api.groups_of(customers, groups) END;
  IF cardinality(wanted) = 0 THEN
    RETURN NULL;
  END IF;
  WITH RECURSIVE up(code, parent_code) AS (
    SELECT g.code, g.parent_code FROM credit_api.credit_groups g WHERE g.code = ANY(wanted)
    UNION
    SELECT g.code, g.parent_code FROM up u JOIN credit_api.credit_groups g ON g.code = u.parent_code
  ), down(code) AS (
    SELECT u.code FROM up u
    UNION
    SELECT g.code FROM down d JOIN credit_api.credit_groups g ON g.parent_code = d.code
  )
  SELECT array_agg(d.code) INTO tree FROM down d;
  SELECT coalesce(array_agg(c.customer_code), '{}'), coalesce(array_agg(c.credit_group), '{}')
    INTO member_codes, member_groups
    FROM credit_api.customers c WHERE c.credit_group = ANY(tree);
  RETURN (
    WITH members AS MATERIALIZED (
      SELECT m.customer_code, m.credit_group FROM unnest(member_codes, member_groups) AS m(customer_code, credit_group)
    ), totals AS MATERIALIZED (
      SELECT t.customer_code, t.currency, t.amount, t.longest_term
        FROM credit_api.reservation_totals t WHERE t.customer_code = ANY(member_codes)
    ), consumed AS MATERIALIZED (
      SELECT r.customer_code, r.order_ref, r.amount, r.currency
        FROM credit_api.reservations r
       WHERE r.customer_code = ANY(member_codes) AND r.status = 'active' AND r.invoiced_before
         AND r.expires_at > at
      UNION
      -- From the few orders invoiced lately (since the longest term of any member's reservations
      -- began) to their reservations, never the other way round (OFFSET 0 keeps that order).
      SELECT i.customer_code, i.order_ref, r.amount, r.currency
        FROM (SELECT DISTINCT i.customer_code, i.order_ref FROM risk_worker.v_order_invoicing i
               WHERE i.customer_code = ANY(member_codes)
                 AND i.changed_at > at - (SELECT max(t.longest_term) FROM totals t) - interval '1 day'
              OFFSET 0) i
       CROSS JOIN LATERAL (SELECT r.amount, r.currency FROM credit_api.reservations r
                            WHERE r.customer_code = i.customer_code AND r.order_ref = i.order_ref
                              AND r.status = 'active' AND r.expires_at > at OFFSET 0) r
    ), billed AS MATERIALIZED (
      SELECT c.customer_code, c.order_ref, c.amount, c.currency,
             coalesce(json_agg(json_build_array(i.currency, i.invoiced_amount::text))
                        FILTER (WHERE i.currency IS NOT NULL), '[]') AS amounts
        FROM consumed c
        LEFT JOIN risk_worker.v_order_invoicing i ON i.customer_code = c.customer_code AND i.order_ref = c.order_ref
       GROUP BY c.customer_code, c.order_ref, c.amount, c.currency
    ), reserved AS (
      SELECT t.customer_code, t.currency, t.amount FROM totals t
      UNION ALL
      -- The few past their expiry that the housekeeping (every minute) has not marked yet, of
      -- anyone, through the expiry index: never through the members' every reservation.
      SELECT l.customer_code, l.currency, -l.amount
        FROM (SELECT r.customer_code, r.currency, r.amount FROM credit_api.reservations r
               WHERE r.status = 'active' AND r.expires_at <= at OFFSET 0) l
       WHERE l.customer_code = ANY(member_codes)
      UNION ALL
      SELECT b.customer_code, b.currency, -b.amount FROM billed b
    )
    SELECT json_build_object(
      'of', (SELECT coalesce(json_object_agg(c.customer_code, c.credit_group), '{}')
               FROM credit_api.customers c
              WHERE c.customer_code = ANY(customers) AND c.credit_group IS NOT NULL),
      'groups', (SELECT json_agg(json_build_array(g.code, g.currency, g.parent_code, l.amount::text,
                                                  l.valid_until, (
                   SELECT coalesce(json_agg(json_build_array(t.amount::text, t.valid_from, t.valid_until)), '[]')
                     FROM credit_api.credit_group_temporary_limits t
                    WHERE t.group_code = g.code AND t.valid_until >= (at - interval '1 day')::date)))
                   FROM credit_api.credit_groups g
                   LEFT JOIN credit_api.credit_group_limits l
                     ON l.group_code = g.code AND l.superseded_at IS NULL
                  WHERE g.code = ANY(tree)),
      'parts', (SELECT coalesce(json_agg(json_build_array(p.credit_group, p.kind, p.currency, p.amount::text)), '[]')
                  FROM (SELECT m.credit_group, k.kind, b.currency, sum(k.amount) AS amount
                          FROM risk_worker.v_customer_receivables b
                          JOIN members m ON m.customer_code = b.customer_code
                          CROSS JOIN LATERAL (VALUES ('open', b.open_receivables), ('cash', b.unallocated_cash))
                                AS k(kind, amount)
                         WHERE b.customer_code = ANY(member_codes)
                         GROUP BY m.credit_group, k.kind, b.currency
                        UNION ALL
                        SELECT m.credit_group, 'reserved', x.currency, sum(x.amount)
                          FROM reserved x
                          JOIN members m ON m.customer_code = x.customer_code
                         GROUP BY m.credit_group, x.currency
                        HAVING sum(x.amount) <> 0) p),
      'invoiced', (SELECT coalesce(json_agg(json_build_array(m.credit_group, b.amount::text, b.currency, b.amounts)), '[]')
                     FROM billed b
                     JOIN members m ON m.customer_code = b.customer_code)
    )::text
  );
END $$
"""

# The batch's reservations marked as they are written (0033's statement, otherwise as it was).
WRITE_SWAPS = [
    (
        "(id, customer_code, order_ref, check_id, amount, currency, status, expires_at)\n"
        "    SELECT r.id, r.code, r.order_ref, r.check_id, r.amount, r.currency, 'active', r.expires_at\n",
        "(id, customer_code, order_ref, check_id, amount, currency, status, expires_at, invoiced_before)\n"
        "    SELECT r.id, r.code, r.order_ref, r.check_id, r.amount, r.currency, 'active', r.expires_at,\n"
        "           EXISTS (SELECT 1 FROM risk_worker.v_order_invoicing v\n"
        "                    WHERE v.customer_code = r.code AND v.order_ref = r.order_ref)\n",
    ),
    (
        "expires_at = excluded.expires_at\n",
        "expires_at = excluded.expires_at,\n                  invoiced_before = excluded.invoiced_before\n",
    ),
]

INVOICING_VIEW = """
CREATE OR REPLACE VIEW risk_worker.v_order_invoicing AS
SELECT customer_code, order_ref, currency, invoiced_amount, changed_at FROM risk_worker.order_invoicing
"""


def upgrade() -> None:
    # Rows already there are older than any reservation written from now on: those that consume a
    # live reservation are marked on it below.
    op.add_column(
        "order_invoicing",
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("'-infinity'"),
            nullable=False,
            comment="When the order's invoiced amount last changed",
        ),
        schema="risk_worker",
    )
    op.alter_column("order_invoicing", "changed_at", server_default=sa.func.now(), schema="risk_worker")
    op.create_index(
        op.f("ix_risk_worker_order_invoicing_customer_changed"),
        "order_invoicing",
        ["customer_code", "changed_at"],
        schema="risk_worker",
    )
    op.execute(INVOICING_VIEW)
    op.add_column(
        "reservations",
        sa.Column(
            "invoiced_before",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
            comment="The order had been invoiced when this reservation was last written",
        ),
        schema="credit_api",
    )
    op.create_index(
        "ix_reservations_active_expiry",
        "reservations",
        ["expires_at"],
        schema="credit_api",
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_index(
        "ix_reservations_active_invoiced_before",
        "reservations",
        ["customer_code"],
        schema="credit_api",
        postgresql_where=sa.text("status = 'active' AND invoiced_before"),
    )
    op.create_table(
        "reservation_totals",
        sa.Column("customer_code", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.Numeric(20, 4), nullable=False, comment="Sum of the active reservations"),
        sa.Column(
            "longest_term",
            sa.Interval(),
            nullable=False,
            comment="The longest term of any reservation written (expiry less writing): bounds a live one's age",
        ),
        sa.PrimaryKeyConstraint("customer_code", "currency", name=op.f("pk_reservation_totals")),
        schema="credit_api",
    )
    op.execute(FOLLOW)
    for statement in BACKFILL:
        op.execute(statement)
    for trigger in TRIGGERS:
        op.execute(trigger)
    op.execute(FIGURES)
    op.execute(_swapped(_earlier("0033_credit_check_round_trips.py", "WRITE"), WRITE_SWAPS))


def _earlier(revision_file: str, name: str) -> str:
    """A statement of an earlier revision, as it was, to replace or to put back."""
    spec = importlib.util.spec_from_file_location(revision_file, Path(__file__).with_name(revision_file))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(getattr(module, name)).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")


def _swapped(text: str, swaps: Sequence[tuple[str, str]]) -> str:
    for old, new in swaps:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def downgrade() -> None:
    op.execute(_earlier("0033_credit_check_round_trips.py", "WRITE"))
    op.execute(_earlier("0036_credit_group_checks.py", "FIGURES"))
    for name in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER reservation_totals_{name} ON credit_api.reservations")
    op.execute("DROP FUNCTION credit_api.reservation_totals_follow()")
    op.drop_table("reservation_totals", schema="credit_api")
    op.drop_index("ix_reservations_active_invoiced_before", "reservations", schema="credit_api")
    op.drop_index("ix_reservations_active_expiry", "reservations", schema="credit_api")
    op.drop_column("reservations", "invoiced_before", schema="credit_api")
    op.execute("DROP VIEW risk_worker.v_order_invoicing")
    op.execute(
        "CREATE VIEW risk_worker.v_order_invoicing AS "
        "SELECT customer_code, order_ref, currency, invoiced_amount FROM risk_worker.order_invoicing"
    )
    op.drop_index(
        op.f("ix_risk_worker_order_invoicing_customer_changed"), "order_invoicing", schema="risk_worker"
    )
    op.drop_column("order_invoicing", "changed_at", schema="risk_worker")
