"""the risk worker counts live reservations in a customer's limit utilisation, as the credit check
does, and reassesses a customer when its reservations change: credit_api shows them in
v_reservations, indexed by when they were made and released

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-25 03:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_credit_api_reservations_created_at"), "reservations", ["created_at"], schema="credit_api"
    )
    op.create_index(
        op.f("ix_credit_api_reservations_released_at"), "reservations", ["released_at"], schema="credit_api"
    )
    op.execute(
        "CREATE VIEW credit_api.v_reservations AS SELECT customer_code, order_ref, amount, currency, status, "
        "created_at, expires_at, released_at FROM credit_api.reservations"
    )


def downgrade() -> None:
    op.execute("DROP VIEW credit_api.v_reservations")
    op.drop_index(
        op.f("ix_credit_api_reservations_released_at"), table_name="reservations", schema="credit_api"
    )
    op.drop_index(
        op.f("ix_credit_api_reservations_created_at"), table_name="reservations", schema="credit_api"
    )
