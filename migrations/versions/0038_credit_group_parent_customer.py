"""a credit group names the customer at its head, whose financial statements stand for the group's

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "credit_groups",
        sa.Column(
            "parent_customer",
            sa.String(64),
            nullable=True,
            comment="The legal entity at the head of the group, whose financial statements stand for the group's",
        ),
        schema="credit_api",
    )
    op.create_foreign_key(
        op.f("fk_credit_groups_parent_customer_customers"),
        "credit_groups",
        "customers",
        ["parent_customer"],
        ["customer_code"],
        source_schema="credit_api",
        referent_schema="credit_api",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_credit_groups_parent_customer_customers"),
        "credit_groups",
        schema="credit_api",
        type_="foreignkey",
    )
    op.drop_column("credit_groups", "parent_customer", schema="credit_api")
