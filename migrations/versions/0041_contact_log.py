"""the contact log: every call, visit, e-mail, letter and portal action with a customer

A next action with its date becomes a worklist task when it falls due, once: `task_id` marks the
contacts whose task exists, and the partial index finds the others that are due.

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-06 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.String(length=20),
            nullable=False,
            comment="call, visit, email, letter, portal or other",
        ),
        sa.Column("contact_on", sa.Date(), nullable=False, comment="The business date of the contact"),
        sa.Column("who", sa.String(length=200), nullable=False, comment="Whom at the customer it was with"),
        sa.Column("summary", sa.String(length=4000), nullable=False),
        sa.Column("next_action", sa.String(length=500), nullable=True),
        sa.Column("next_action_on", sa.Date(), nullable=True),
        sa.Column("task_id", sa.Uuid(), nullable=True, comment="The worklist task its next action became"),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(next_action IS NULL) = (next_action_on IS NULL)", name=op.f("ck_contacts_next_action_dated")
        ),
        sa.ForeignKeyConstraint(
            ["customer_code"],
            ["credit_api.customers.customer_code"],
            name=op.f("fk_contacts_customer_code_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        schema="credit_api",
    )
    op.create_index(
        "ix_contacts_customer_on",
        "contacts",
        ["customer_code", "contact_on"],
        unique=False,
        schema="credit_api",
    )
    op.create_index(
        "ix_contacts_follow_up_due",
        "contacts",
        ["next_action_on"],
        unique=False,
        schema="credit_api",
        postgresql_where=sa.text("task_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_contacts_follow_up_due",
        table_name="contacts",
        schema="credit_api",
        postgresql_where=sa.text("task_id IS NULL"),
    )
    op.drop_index("ix_contacts_customer_on", table_name="contacts", schema="credit_api")
    op.drop_table("contacts", schema="credit_api")
