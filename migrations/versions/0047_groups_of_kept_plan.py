"""`credit_api.groups_of` in PL/pgSQL, whose plans a session keeps

Every batch of credit checks asks for its customers' credit groups (once for a batch outside any
group, three times for one that locks a tree). As a SQL function called from PL/pgSQL it was
planned again on every call: 0.05–0.09 ms of the 0.32–0.34 ms that a batch outside any group spent
learning that it has no group. Its lookups go by key (sequential scans off), so the plan a session
keeps stays right however the tables grow.

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-07 03:00:00
"""

from collections.abc import Sequence

from alembic import context, op

revision: str = "0047"
down_revision: str | None = "0046"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUPS_OF = """
CREATE OR REPLACE FUNCTION credit_api.groups_of(customers text[], groups text[]) RETURNS text[]
LANGUAGE plpgsql STABLE SET enable_seqscan = off AS $$
BEGIN
  RETURN (
    SELECT coalesce(array_agg(g.code), '{}')
      FROM credit_api.credit_groups g
     WHERE g.code IN (SELECT c.credit_group FROM credit_api.customers c WHERE c.customer_code = ANY(customers))
        OR g.code = ANY(groups)
  );
END $$
"""


def upgrade() -> None:
    op.execute(GROUPS_OF)


def downgrade() -> None:
    op.execute(
        context.script.get_revision("0039").module._earlier("0036_credit_group_checks.py", "GROUPS_OF")
    )
