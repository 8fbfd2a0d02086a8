"""Statements sent straight to asyncpg belong to the session's transaction."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import driver


async def test_raw_statements_roll_back_with_the_session(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        await session.begin()
        pg = await driver(session)
        await pg.execute("INSERT INTO risk_worker.customers (customer_code) VALUES ('RAW-1')")
        await session.rollback()
    async with sessions() as session:
        found = await session.execute(
            text("SELECT 1 FROM risk_worker.customers WHERE customer_code = 'RAW-1'")
        )
        assert found.first() is None
