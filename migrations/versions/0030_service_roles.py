"""A role per service: each writes only its own schema and reads the others' through their views

`credence_api`, `credence_worker` and `credence_notifier` may read and write the tables of their
own schema (`credit_api`, `risk_worker`, `notifier`) and only read the `v_*` views of the other two,
the documented reads across services (`shared/models/views.py`). A service that tried to write
another's table, or read past its views, is refused by PostgreSQL. `credit_api.audit_log` stays
append-only for the API's role too. `credence_app` (0028) remains for a deployment that runs every
service under one login.

A migration that adds a view for another service grants it with `grant_views()` below.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03 21:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = {"credence_api": "credit_api", "credence_worker": "risk_worker", "credence_notifier": "notifier"}


def grant_views() -> None:
    """Every `v_*` view of a schema to the roles of the other services."""
    for role, own in ROLES.items():
        others = ", ".join(f"'{schema}'" for schema in ROLES.values() if schema != own)
        op.execute(
            "DO $$ DECLARE v record; BEGIN "  # noqa: S608 (names from this module's constants)
            "FOR v IN SELECT table_schema, table_name FROM information_schema.views "
            f"WHERE table_schema IN ({others}) "
            "AND table_name LIKE 'v\\_%' LOOP "
            f"EXECUTE format('GRANT SELECT ON %I.%I TO {role}', v.table_schema, v.table_name); "
            "END LOOP; END $$"
        )


def upgrade() -> None:
    for role, own in ROLES.items():
        # Roles belong to the cluster, not the database: another database of it may have made it.
        op.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') "
            f"THEN CREATE ROLE {role} NOLOGIN; END IF; END $$"
        )
        for schema in ROLES.values():
            op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {own} TO {role}")
        op.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {own} TO {role}")
        # Tables that later migrations create in its schema, by the same owner, get the same rights.
        op.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {own} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}"
        )
        op.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {own} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}"
        )
    grant_views()
    op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON credit_api.audit_log FROM credence_api")


def downgrade() -> None:
    for role, own in ROLES.items():
        op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {own} REVOKE ALL ON TABLES FROM {role}")
        op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {own} REVOKE ALL ON SEQUENCES FROM {role}")
        for schema in ROLES.values():
            op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}")
            op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}")
            op.execute(f"REVOKE USAGE ON SCHEMA {schema} FROM {role}")
