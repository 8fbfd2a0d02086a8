"""The trace of the request that activated a policy version

Activating a scorecard makes the risk worker reassess every customer; with the request's
`traceparent` stored beside the activation, that reassessment, and every event it publishes,
continue the request's trace.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-04 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("scorecards", "warning_policies", "dunning_policies")
VIEW = "CREATE {} VIEW credit_api.v_active_scorecard AS SELECT version, document{} FROM credit_api.scorecards WHERE active"


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("activated_traceparent", sa.Text()), schema="credit_api")
    # A column added at the end: the view is replaced in place and keeps its grants.
    op.execute(VIEW.format("OR REPLACE", ", activated_traceparent"))


def downgrade() -> None:
    op.execute("DROP VIEW credit_api.v_active_scorecard")
    op.execute(VIEW.format("", ""))
    op.execute("GRANT SELECT ON credit_api.v_active_scorecard TO credence_worker, credence_notifier")
    for table in TABLES:
        op.drop_column(table, "activated_traceparent", schema="credit_api")
