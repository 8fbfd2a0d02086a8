from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import User, UserSession


async def by_email(session: AsyncSession, email: str, *, for_update: bool = False) -> User | None:
    query = select(User).where(func.lower(User.email) == email.lower())
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def add(session: AsyncSession, row: User | UserSession) -> None:
    session.add(row)
    await session.flush()


async def signed_in(session: AsyncSession, token_hash: str, now: datetime) -> tuple[UserSession, User] | None:
    query = (
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == token_hash, UserSession.expires_at > now, User.disabled.is_(False))
    )
    found = (await session.execute(query)).one_or_none()
    return None if found is None else (found[0], found[1])


async def end(session: AsyncSession, token_hash: str) -> None:
    await session.execute(delete(UserSession).where(UserSession.token_hash == token_hash))


async def purge(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(UserSession).where(UserSession.expires_at <= now))


async def listing(session: AsyncSession) -> list[User]:
    return list((await session.execute(select(User).order_by(User.name))).scalars().all())
