"""deliveries name their customer, alert and level, and are listed through notifier.v_deliveries;
an alert a person resolved while the customer is still above normal is reopened at the next
evaluation: credit_api shows such resolutions in v_alert_resolutions, the worker remembers the one it
acted on; the risk worker's limit alerts give way to early warning (limit utilisation), so one cause
notifies once

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DROP VIEW risk_worker.v_open_alerts")
    op.drop_table("alerts", schema="risk_worker")
    op.add_column(
        "deliveries", sa.Column("customer_code", sa.String(length=64), nullable=True), schema="notifier"
    )
    op.add_column("deliveries", sa.Column("alert_id", sa.Uuid(), nullable=True), schema="notifier")
    op.add_column("deliveries", sa.Column("level", sa.String(length=20), nullable=True), schema="notifier")
    op.create_index(
        op.f("ix_notifier_deliveries_customer_code"), "deliveries", ["customer_code"], schema="notifier"
    )
    op.create_index(op.f("ix_notifier_deliveries_alert_id"), "deliveries", ["alert_id"], schema="notifier")
    op.execute(
        "CREATE VIEW notifier.v_deliveries AS SELECT id, event_source, event_id, channel, target, subject, "
        "customer_code, alert_id, level, status, attempts, last_error, next_attempt_at, created_at, sent_at "
        "FROM notifier.deliveries"
    )
    op.add_column(
        "warning_levels",
        sa.Column(
            "reopened_for",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="When the person's resolution the worker last reopened was made",
        ),
        schema="risk_worker",
    )
    op.execute(
        """
        CREATE VIEW credit_api.v_alert_resolutions AS
        SELECT DISTINCT ON (a.customer_code) a.customer_code, a.id AS alert_id, a.resolved_at, a.resolved_by
          FROM credit_api.alerts a
         WHERE a.status = 'resolved' AND a.resolved_by NOT LIKE 'system:%'
           AND NOT EXISTS (SELECT 1 FROM credit_api.alerts o
                            WHERE o.customer_code = a.customer_code AND o.status <> 'resolved')
         ORDER BY a.customer_code, a.resolved_at DESC
        """
    )


def downgrade() -> None:
    op.execute("DROP VIEW credit_api.v_alert_resolutions")
    op.drop_column("warning_levels", "reopened_for", schema="risk_worker")
    op.execute("DROP VIEW notifier.v_deliveries")
    op.drop_index(op.f("ix_notifier_deliveries_alert_id"), table_name="deliveries", schema="notifier")
    op.drop_index(op.f("ix_notifier_deliveries_customer_code"), table_name="deliveries", schema="notifier")
    op.drop_column("deliveries", "level", schema="notifier")
    op.drop_column("deliveries", "alert_id", schema="notifier")
    op.drop_column("deliveries", "customer_code", schema="notifier")
    op.create_table(
        "alerts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        schema="risk_worker",
    )
    op.create_index(
        op.f("ix_risk_worker_alerts_customer_code"), "alerts", ["customer_code"], schema="risk_worker"
    )
    op.create_index(
        "uq_alerts_one_open_per_kind",
        "alerts",
        ["customer_code", "kind"],
        unique=True,
        schema="risk_worker",
        postgresql_where=sa.text("status <> 'resolved'"),
    )
    op.execute(
        "CREATE VIEW risk_worker.v_open_alerts AS SELECT customer_code, kind, level, raised_at "
        "FROM risk_worker.alerts WHERE status <> 'resolved'"
    )
