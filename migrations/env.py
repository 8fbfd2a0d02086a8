"""Alembic environment: async engine over asyncpg, URL from DATABASE_URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from shared.db import make_engine
from shared.models import Base
from shared.settings import PlatformSettings

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    configured = config.attributes.get("database_url")
    return str(configured) if configured else PlatformSettings().database_url


# Indexes on an expression: Alembic cannot compare an expression as PostgreSQL writes it back with
# the model's, so these are declared in the models and created by their migrations, not compared.
EXPRESSION_INDEXES = {"ix_risk_worker_open_items_number"}


def _include_name(name: str | None, type_: str, _parent: object) -> bool:
    # Only the services' schemas are ours to compare; `public` holds Alembic's own table.
    if type_ == "index":
        return name not in EXPRESSION_INDEXES
    return type_ != "schema" or name in {"credit_api", "risk_worker", "notifier"}


def _include_object(_object: object, name: str | None, type_: str, _reflected: bool, _other: object) -> bool:
    return type_ != "index" or name not in EXPRESSION_INDEXES


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_schemas=True,
        include_name=_include_name,
        include_object=_include_object,
        version_table_schema="public",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = make_engine(_database_url(), pool_size=1)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
asyncio.run(_run_async())
