"""credit checks weigh credit group limits: a group's rows locked in one fixed order, ancestors
first, before its members'; the figures a group's exposure is made of read in one statement; the
batch of credit checks reads them in its first round trip. A group's limit is raised for a while
and requested with four eyes, as a customer's

The rules stay in Python (shared/domain/credit.py, shared/domain/credit_groups.py); the functions
only lock, read and sum.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06 02:30:00
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The groups and all their ancestors, locked ancestors first, then by code: one order for every
# transaction, so two that share groups wait for each other and never deadlock. NO KEY UPDATE:
# a member's row that names a group (a foreign key's share lock) never waits for a check.
LOCK = """
CREATE FUNCTION credit_api.lock_credit_groups(wanted text[]) RETURNS text[]
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  found text[];
BEGIN
  WITH RECURSIVE up(start, code, parent_code, n) AS (
    SELECT g.code, g.code, g.parent_code, 0 FROM credit_api.credit_groups g WHERE g.code = ANY(wanted)
    UNION ALL
    SELECT u.start, g.code, g.parent_code, u.n + 1
      FROM up u JOIN credit_api.credit_groups g ON g.code = u.parent_code
  ), height AS (SELECT u.start, max(u.n) AS top FROM up u GROUP BY u.start)
  SELECT array_agg(d.code ORDER BY d.depth, d.code) INTO found
    FROM (SELECT u.code, max(h.top - u.n) AS depth FROM up u JOIN height h USING (start) GROUP BY u.code) d;
  PERFORM 1 FROM credit_api.credit_groups g
            JOIN unnest(found) WITH ORDINALITY AS f(code, o) ON g.code = f.code
           ORDER BY f.o FOR NO KEY UPDATE OF g;
  RETURN coalesce(found, '{}');
END $$
"""

# The groups of the customers, and `groups`, that exist: one named but not there has nothing to
# lock or read.
GROUPS_OF = """
CREATE FUNCTION credit_api.groups_of(customers text[], groups text[]) RETURNS text[]
LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(g.code), '{}')
    FROM credit_api.credit_groups g
   WHERE g.code IN (SELECT c.credit_group FROM credit_api.customers c WHERE c.customer_code = ANY(customers))
      OR g.code = ANY(groups)
$$
"""

# Every decision that weighs a group limit locks its customers' groups (and `groups`) with their
# ancestors this way, before the customers: again should a customer have moved to another group
# meanwhile, since once its group is locked a customer cannot leave it (moving locks both groups).
# Returns the groups of the customers and `groups`.
LOCK_OF = """
CREATE FUNCTION credit_api.lock_groups_of(customers text[], groups text[]) RETURNS text[]
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  wanted text[];
  locked text[] := '{}';
BEGIN
  LOOP
    wanted := credit_api.groups_of(customers, groups);
    EXIT WHEN wanted <@ locked;
    locked := locked || credit_api.lock_credit_groups(wanted);
  END LOOP;
  RETURN wanted;
END $$
"""

# What the exposure of the customers' groups (and of `groups`) is made of: every group above them
# and below those, each with its parent and its limit in force, and, per group, its own members'
# open receivables and unallocated cash by currency, their live reservations not invoiced yet by
# currency, and the partly invoiced ones one by one (their remainder needs exchange rates). With
# `lock`, the groups are locked first (`lock_groups_of`).
FIGURES = """
CREATE FUNCTION credit_api.credit_group_figures(customers text[], groups text[], at timestamptz, lock boolean)
RETURNS text LANGUAGE plpgsql VOLATILE AS $$
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
  -- The members as arrays: the statements below see how many there are, and read each one's
  -- reservations through its index rather than the whole table.
  SELECT coalesce(array_agg(c.customer_code), '{}'), coalesce(array_agg(c.credit_group), '{}')
    INTO member_codes, member_groups
    FROM credit_api.customers c WHERE c.credit_group = ANY(tree);
  RETURN (
    WITH members AS MATERIALIZED (
      SELECT m.customer_code, m.credit_group FROM unnest(member_codes, member_groups) AS m(customer_code, credit_group)
    ), reserved AS MATERIALIZED (
      SELECT r.customer_code, r.order_ref, r.amount, r.currency
        FROM members m
        JOIN credit_api.reservations r
          ON r.customer_code = m.customer_code AND r.status = 'active' AND r.expires_at > at
    ), billed AS MATERIALIZED (
      SELECT i.customer_code, i.order_ref,
             json_agg(json_build_array(i.currency, i.invoiced_amount::text)) AS amounts
        FROM reserved r
        JOIN risk_worker.v_order_invoicing i ON i.customer_code = r.customer_code AND i.order_ref = r.order_ref
       GROUP BY i.customer_code, i.order_ref
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
                          FROM members m
                          JOIN risk_worker.v_customer_receivables b ON b.customer_code = m.customer_code
                          CROSS JOIN LATERAL (VALUES ('open', b.open_receivables), ('cash', b.unallocated_cash))
                                AS k(kind, amount)
                         GROUP BY m.credit_group, k.kind, b.currency
                        UNION ALL
                        SELECT m.credit_group, 'reserved', x.currency, sum(x.amount)
                          FROM (SELECT r.customer_code, r.currency, sum(r.amount) AS amount
                                  FROM reserved r
                                 WHERE NOT EXISTS (SELECT 1 FROM billed b
                                                    WHERE b.customer_code = r.customer_code
                                                      AND b.order_ref = r.order_ref)
                                 GROUP BY r.customer_code, r.currency) x
                          JOIN members m ON m.customer_code = x.customer_code
                         GROUP BY m.credit_group, x.currency) p),
      'invoiced', (SELECT coalesce(json_agg(json_build_array(m.credit_group, r.amount::text, r.currency, x.amounts)), '[]')
                     FROM billed x
                     JOIN members m ON m.customer_code = x.customer_code
                     JOIN reserved r ON r.customer_code = x.customer_code AND r.order_ref = x.order_ref)
    )::text
  );
END $$
"""

# As 0033's, with the batch's credit groups locked between its keys and its customers, and their
# figures as one more row (its `groups` column alone set).
OPEN = """
CREATE FUNCTION credit_api.check_batch_open(key_ids uuid[], keys text[], codes text[], orders text[],
                                            at timestamptz, today date)
RETURNS TABLE (stored text, customer_code text, currency text, blocked boolean, block_reason text,
               limit_amount numeric, limit_valid_until date, temporary text, receivables text,
               reservations text, order_hold_open boolean, warning_level integer,
               warning_holds boolean, held_orders text, invoiced text, groups text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  figures text;
BEGIN
  IF cardinality(key_ids) > 0 THEN
    RETURN QUERY
    SELECT json_build_array(i.api_key_id, i.key, i.request_hash, i.status_code, i.response::text)::text,
           NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::numeric, NULL::date, NULL::text,
           NULL::text, NULL::text, NULL::boolean, NULL::integer, NULL::boolean, NULL::text, NULL::text,
           NULL::text
      FROM credit_api.idempotency_claim_many(key_ids, keys) i;
  END IF;
  IF cardinality(codes) > 0 THEN
    figures := credit_api.credit_group_figures(codes, '{}', at, true);
    RETURN QUERY SELECT NULL::text, s.*, NULL::text FROM credit_api.batch_snapshot(codes, orders, at, today) s;
    IF figures IS NOT NULL THEN
      RETURN QUERY
      SELECT NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::numeric, NULL::date,
             NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::integer, NULL::boolean, NULL::text,
             NULL::text, figures;
    END IF;
  END IF;
END $$
"""

DROP_OPEN = "DROP FUNCTION credit_api.check_batch_open(uuid[], text[], text[], text[], timestamptz, date)"


def upgrade() -> None:
    op.create_table(
        "credit_group_temporary_limits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("group_code", sa.String(64), nullable=False),
        sa.Column("amount", sa.Numeric(20, 4), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_code"],
            ["credit_api.credit_groups.code"],
            name=op.f("fk_credit_group_temporary_limits_group_code_credit_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_group_temporary_limits")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_credit_group_temporary_limits_group_code"),
        "credit_group_temporary_limits",
        ["group_code"],
        schema="credit_api",
    )
    op.add_column(
        "limit_requests", sa.Column("group_code", sa.String(64), nullable=True), schema="credit_api"
    )
    op.alter_column("limit_requests", "customer_code", nullable=True, schema="credit_api")
    op.create_foreign_key(
        op.f("fk_limit_requests_group_code_credit_groups"),
        "limit_requests",
        "credit_groups",
        ["group_code"],
        ["code"],
        source_schema="credit_api",
        referent_schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_limit_requests_group_code"), "limit_requests", ["group_code"], schema="credit_api"
    )
    op.create_check_constraint(
        op.f("ck_limit_requests_limit_request_of_customer_or_group"),
        "limit_requests",
        "(customer_code IS NULL) <> (group_code IS NULL)",
        schema="credit_api",
    )
    op.execute(LOCK)
    op.execute(GROUPS_OF)
    op.execute(LOCK_OF)
    op.execute(FIGURES)
    op.execute(DROP_OPEN)
    op.execute(OPEN)


def _open_0033() -> str:
    """0033's batch opening, as it was: the function this revision replaced."""
    spec = importlib.util.spec_from_file_location(
        "revision_0033", Path(__file__).with_name("0033_credit_check_round_trips.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.OPEN)


def downgrade() -> None:
    op.execute(DROP_OPEN)
    op.execute(_open_0033())
    op.execute("DROP FUNCTION credit_api.credit_group_figures(text[], text[], timestamptz, boolean)")
    op.execute("DROP FUNCTION credit_api.lock_groups_of(text[], text[])")
    op.execute("DROP FUNCTION credit_api.groups_of(text[], text[])")
    op.execute("DROP FUNCTION credit_api.lock_credit_groups(text[])")
    op.execute("DELETE FROM credit_api.limit_requests WHERE group_code IS NOT NULL")
    op.drop_constraint(
        op.f("ck_limit_requests_limit_request_of_customer_or_group"),
        "limit_requests",
        schema="credit_api",
        type_="check",
    )
    op.drop_index(
        op.f("ix_credit_api_limit_requests_group_code"), table_name="limit_requests", schema="credit_api"
    )
    op.drop_constraint(
        op.f("fk_limit_requests_group_code_credit_groups"),
        "limit_requests",
        schema="credit_api",
        type_="foreignkey",
    )
    op.drop_column("limit_requests", "group_code", schema="credit_api")
    op.alter_column("limit_requests", "customer_code", nullable=False, schema="credit_api")
    op.drop_index(
        op.f("ix_credit_api_credit_group_temporary_limits_group_code"),
        table_name="credit_group_temporary_limits",
        schema="credit_api",
    )
    op.drop_table("credit_group_temporary_limits", schema="credit_api")
