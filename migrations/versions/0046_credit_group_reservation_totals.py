"""a credit group's members' live reservations summed per group as they are written, so that a
group's figures read one row per group and currency instead of one per member

`credit_api.credit_group_reservation_totals` holds, per credit group and currency, the sum of its
own members' `reservation_totals` (migration 0039), and follows them: statement triggers on the
customers' sums, which the reservations' own triggers keep, add each change to the customer's
group. A customer that changes group takes its sums along (a trigger on `customers.credit_group`).

Why the two writers cannot cross: the move locks its customer's sums (`FOR UPDATE`) before it
moves them, so a writer of that customer's reservations that has not committed is waited for and
its change moved with the rest; a writer that comes after the move waits on those rows, and the
groups' trigger, which reads the customer's group in a statement of its own, runs after the move
committed. Only writers that hold the customer's row lock add a customer's first sums (credit
checks and hold releases), and a move takes that lock too.

What the group sums must not count is still found per member, as before: reservations past their
expiry not marked yet, and those an invoice consumes.

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-07 02:30:00
"""

from collections.abc import Sequence
from types import ModuleType

import sqlalchemy as sa
from alembic import context, op

revision: str = "0046"
down_revision: str | None = "0045"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The groups' sums follow the customers' sums (0039's, kept by the reservations' triggers) in
# statement triggers of their own, set-wise and in a fixed order. They run after the statement that
# changed the customers' sums has waited for any move of those customers, and read each customer's
# group in a statement of their own, so as the move left it.
FOLLOW = """
CREATE FUNCTION credit_api.credit_group_reservation_totals_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  codes text[];
  currencies text[];
  amounts numeric[];
  terms interval[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(n.customer_code), array_agg(n.currency), array_agg(n.amount), array_agg(n.longest_term)
      INTO codes, currencies, amounts, terms
      FROM new_rows n;
  ELSE
    -- An update keeps its row's key: each new row meets its old one.
    SELECT array_agg(n.customer_code), array_agg(n.currency), array_agg(n.amount - o.amount),
           array_agg(n.longest_term)
      INTO codes, currencies, amounts, terms
      FROM new_rows n JOIN old_rows o USING (customer_code, currency);
  END IF;
  INSERT INTO credit_api.credit_group_reservation_totals AS g (group_code, currency, amount, longest_term)
  SELECT c.credit_group, d.currency, sum(d.amount), max(d.term)
    FROM unnest(codes, currencies, amounts, terms) AS d(customer_code, currency, amount, term)
    JOIN credit_api.customers c ON c.customer_code = d.customer_code
   WHERE c.credit_group IS NOT NULL
   GROUP BY c.credit_group, d.currency ORDER BY c.credit_group, d.currency
  ON CONFLICT (group_code, currency) DO UPDATE
    SET amount = g.amount + excluded.amount, longest_term = greatest(g.longest_term, excluded.longest_term);
  RETURN NULL;
END $$
"""

FOLLOW_TRIGGERS = [
    "CREATE TRIGGER credit_group_reservation_totals_insert AFTER INSERT ON credit_api.reservation_totals "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION credit_api.credit_group_reservation_totals_follow()",
    "CREATE TRIGGER credit_group_reservation_totals_update AFTER UPDATE ON credit_api.reservation_totals "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION credit_api.credit_group_reservation_totals_follow()",
]

MOVE = """
CREATE FUNCTION credit_api.credit_group_reservation_totals_move() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO credit_api.credit_group_reservation_totals AS g (group_code, currency, amount, longest_term)
  SELECT m.group_code, t.currency, m.sign * t.amount, t.longest_term
    FROM (SELECT t.currency, t.amount, t.longest_term FROM credit_api.reservation_totals t
           WHERE t.customer_code = NEW.customer_code FOR UPDATE) t
   CROSS JOIN (VALUES (OLD.credit_group, -1), (NEW.credit_group, 1)) AS m(group_code, sign)
   WHERE m.group_code IS NOT NULL
   ORDER BY m.group_code, t.currency
  ON CONFLICT (group_code, currency) DO UPDATE
    SET amount = g.amount + excluded.amount, longest_term = greatest(g.longest_term, excluded.longest_term);
  RETURN NULL;
END $$
"""

MOVE_TRIGGER = (
    "CREATE TRIGGER credit_group_reservation_totals_move AFTER UPDATE OF credit_group ON credit_api.customers "
    "FOR EACH ROW WHEN (OLD.credit_group IS DISTINCT FROM NEW.credit_group) "
    "EXECUTE FUNCTION credit_api.credit_group_reservation_totals_move()"
)

BACKFILL = """
INSERT INTO credit_api.credit_group_reservation_totals (group_code, currency, amount, longest_term)
SELECT c.credit_group, t.currency, sum(t.amount), max(t.longest_term)
  FROM credit_api.reservation_totals t JOIN credit_api.customers c ON c.customer_code = t.customer_code
 WHERE c.credit_group IS NOT NULL
 GROUP BY c.credit_group, t.currency
"""

# A group's figures (0045's) with its reserved amounts from the groups' sums; the members' own
# rows are read only for what those sums must not count. Each member's row finds its group in a map
# made once (`group_of`), never by joining the members' list to another list: a plan that joined two
# such lists in a nested loop (a kept plan may, whatever the statistics were when it was made) took
# 1.1 s for a group of 5,000 members.
FIGURES_SWAPS = [
    ("  member_groups text[];\nBEGIN", "  member_groups text[];\n  group_of jsonb;\nBEGIN"),
    (
        "    FROM credit_api.customers c WHERE c.credit_group = ANY(tree);\n",
        "    FROM credit_api.customers c WHERE c.credit_group = ANY(tree);\n"
        "  group_of := jsonb_object(member_codes, member_groups);\n",
    ),
    (
        "    WITH members AS MATERIALIZED (\n"
        "      SELECT m.customer_code, m.credit_group FROM unnest(member_codes, member_groups) AS m(customer_code, credit_group)\n"
        "    ), totals AS MATERIALIZED (\n"
        "      SELECT t.customer_code, t.currency, t.amount, t.longest_term\n"
        "        FROM credit_api.reservation_totals t WHERE t.customer_code = ANY(member_codes)\n",
        "    WITH totals AS MATERIALIZED (\n"
        "      SELECT t.group_code, t.currency, t.amount, t.longest_term\n"
        "        FROM credit_api.credit_group_reservation_totals t WHERE t.group_code = ANY(tree)\n",
    ),
    (
        "    ), reserved AS (\n      SELECT t.customer_code, t.currency, t.amount FROM totals t\n      UNION ALL\n",
        "    ), reserved AS (\n",
    ),
    (
        "      SELECT l.customer_code, l.currency, -l.amount\n",
        "      SELECT l.customer_code, l.currency, -l.amount AS amount\n",
    ),
    (
        "                        SELECT m.credit_group, 'reserved', x.currency, sum(x.amount)\n"
        "                          FROM reserved x\n"
        "                          JOIN members m ON m.customer_code = x.customer_code\n"
        "                         GROUP BY m.credit_group, x.currency\n",
        "                        SELECT x.credit_group, 'reserved', x.currency, sum(x.amount)\n"
        "                          FROM (SELECT t.group_code AS credit_group, t.currency, t.amount FROM totals t\n"
        "                                UNION ALL\n"
        "                                SELECT group_of ->> r.customer_code, r.currency, r.amount FROM reserved r) x\n"
        "                         GROUP BY x.credit_group, x.currency\n",
    ),
    (
        "                  FROM (SELECT m.credit_group, k.kind, b.currency, sum(k.amount) AS amount\n"
        "                          FROM risk_worker.v_customer_receivables b\n"
        "                          JOIN members m ON m.customer_code = b.customer_code\n",
        "                  FROM (SELECT group_of ->> b.customer_code AS credit_group, k.kind, b.currency,\n"
        "                               sum(k.amount) AS amount\n"
        "                          FROM risk_worker.v_customer_receivables b\n",
    ),
    (
        "                         GROUP BY m.credit_group, k.kind, b.currency\n",
        "                         GROUP BY 1, k.kind, b.currency\n",
    ),
    (
        "      'invoiced', (SELECT coalesce(json_agg(json_build_array(m.credit_group, b.amount::text, b.currency, b.amounts)), '[]')\n"
        "                     FROM billed b\n                     JOIN members m ON m.customer_code = b.customer_code)",
        "      'invoiced', (SELECT coalesce(json_agg(json_build_array(group_of ->> b.customer_code, b.amount::text,\n"
        "                                                             b.currency, b.amounts)), '[]')\n"
        "                     FROM billed b)",
    ),
]


def _revision(name: str) -> ModuleType:
    """An earlier revision's module, as Alembic loaded it."""
    module: ModuleType = context.script.get_revision(name).module
    return module


def _figures() -> str:
    """The figures as this revision leaves them (0048 starts from them)."""
    earlier = _revision("0045")
    figures: str = earlier._swapped(earlier._figures(), FIGURES_SWAPS)
    return figures


def upgrade() -> None:
    op.create_table(
        "credit_group_reservation_totals",
        sa.Column("group_code", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column(
            "amount", sa.Numeric(20, 4), nullable=False, comment="Sum of the members' active reservations"
        ),
        sa.Column(
            "longest_term",
            sa.Interval(),
            nullable=False,
            comment="The longest term of any member's reservation written: bounds a live one's age",
        ),
        sa.ForeignKeyConstraint(
            ["group_code"],
            ["credit_api.credit_groups.code"],
            name=op.f("fk_credit_group_reservation_totals_group_code_credit_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_code", "currency", name=op.f("pk_credit_group_reservation_totals")),
        schema="credit_api",
    )
    # Written with the members' sums from here on: nothing may write reservations in between.
    op.execute("LOCK TABLE credit_api.reservations, credit_api.customers IN SHARE ROW EXCLUSIVE MODE")
    op.execute(BACKFILL)
    op.execute(FOLLOW)
    for trigger in FOLLOW_TRIGGERS:
        op.execute(trigger)
    op.execute(MOVE)
    op.execute(MOVE_TRIGGER)
    op.execute(_figures())


def downgrade() -> None:
    earlier = _revision("0045")
    op.execute(earlier._figures())
    for name in ("insert", "update"):
        op.execute(f"DROP TRIGGER credit_group_reservation_totals_{name} ON credit_api.reservation_totals")
    op.execute("DROP FUNCTION credit_api.credit_group_reservation_totals_follow()")
    op.execute("DROP TRIGGER credit_group_reservation_totals_move ON credit_api.customers")
    op.execute("DROP FUNCTION credit_api.credit_group_reservation_totals_move()")
    op.drop_table("credit_group_reservation_totals", schema="credit_api")
