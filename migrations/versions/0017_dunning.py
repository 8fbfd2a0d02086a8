"""dunning in credit_api: each step each item took (once, by key), the notices a run issued with
their items, the tasks it left for people, and the days it has run; the ledger's open items name
their type (invoice or credit note), as dunning chases invoices only

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-25 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE OR REPLACE VIEW risk_worker.v_open_items AS SELECT customer_code, item_id, currency, amount, "
        "open_amount, issue_date, due_date, status, item_type FROM risk_worker.open_items"
    )
    op.create_table(
        "dunning_notices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("effect", sa.String(length=20), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("policy_version", sa.String(length=60), nullable=False),
        sa.Column("channels", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_code"],
            ["credit_api.customers.customer_code"],
            name=op.f("fk_dunning_notices_customer_code_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dunning_notices")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_dunning_notices_customer_code"),
        "dunning_notices",
        ["customer_code"],
        schema="credit_api",
    )
    op.create_table(
        "dunning_steps",
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False, comment="notice, task or superseded"),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("notice_id", sa.Uuid(), nullable=True),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("customer_code", "item_id", "step", name=op.f("pk_dunning_steps")),
        schema="credit_api",
    )
    op.create_table(
        "collection_tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_code"],
            ["credit_api.customers.customer_code"],
            name=op.f("fk_collection_tasks_customer_code_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_tasks")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_collection_tasks_customer_code"),
        "collection_tasks",
        ["customer_code"],
        schema="credit_api",
    )
    op.create_table(
        "dunning_runs",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("policy_version", sa.String(length=60), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("notices", sa.Integer(), nullable=False),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("as_of", name=op.f("pk_dunning_runs")),
        schema="credit_api",
    )


def downgrade() -> None:
    op.execute("DROP VIEW risk_worker.v_open_items")
    op.execute(
        "CREATE VIEW risk_worker.v_open_items AS SELECT customer_code, item_id, currency, amount, "
        "open_amount, issue_date, due_date, status FROM risk_worker.open_items"
    )
    op.drop_table("dunning_runs", schema="credit_api")
    op.drop_index(
        op.f("ix_credit_api_collection_tasks_customer_code"),
        table_name="collection_tasks",
        schema="credit_api",
    )
    op.drop_table("collection_tasks", schema="credit_api")
    op.drop_table("dunning_steps", schema="credit_api")
    op.drop_index(
        op.f("ix_credit_api_dunning_notices_customer_code"), table_name="dunning_notices", schema="credit_api"
    )
    op.drop_table("dunning_notices", schema="credit_api")
