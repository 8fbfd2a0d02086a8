"""credit groups: a tree of groups, each customer's membership in its credit file, and the
groups' limits (every one kept, the current one not superseded)

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-05 23:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credit_groups",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column(
            "currency", sa.String(3), nullable=False, comment="The group's limit and exposure are kept in it"
        ),
        sa.Column("parent_code", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["credit_api.credit_groups.code"],
            name=op.f("fk_credit_groups_parent_code_credit_groups"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_credit_groups")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_credit_groups_parent_code"), "credit_groups", ["parent_code"], schema="credit_api"
    )
    op.create_table(
        "credit_group_limits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_code", sa.String(64), nullable=False),
        sa.Column("amount", sa.Numeric(20, 4), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("set_by", sa.String(100), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_code"],
            ["credit_api.credit_groups.code"],
            name=op.f("fk_credit_group_limits_group_code_credit_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_group_limits")),
        schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_credit_group_limits_group_code"),
        "credit_group_limits",
        ["group_code"],
        schema="credit_api",
    )
    op.add_column("customers", sa.Column("credit_group", sa.String(64), nullable=True), schema="credit_api")
    op.create_foreign_key(
        op.f("fk_customers_credit_group_credit_groups"),
        "customers",
        "credit_groups",
        ["credit_group"],
        ["code"],
        source_schema="credit_api",
        referent_schema="credit_api",
    )
    op.create_index(
        op.f("ix_credit_api_customers_credit_group"), "customers", ["credit_group"], schema="credit_api"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_credit_api_customers_credit_group"), table_name="customers", schema="credit_api")
    op.drop_constraint(
        op.f("fk_customers_credit_group_credit_groups"), "customers", schema="credit_api", type_="foreignkey"
    )
    op.drop_column("customers", "credit_group", schema="credit_api")
    op.drop_index(
        op.f("ix_credit_api_credit_group_limits_group_code"),
        table_name="credit_group_limits",
        schema="credit_api",
    )
    op.drop_table("credit_group_limits", schema="credit_api")
    op.drop_index(
        op.f("ix_credit_api_credit_groups_parent_code"), table_name="credit_groups", schema="credit_api"
    )
    op.drop_table("credit_groups", schema="credit_api")
