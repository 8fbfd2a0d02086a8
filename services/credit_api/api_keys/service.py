"""API keys: random secrets shown once; only a SHA-256 digest is stored.

A key has 256 bits of entropy, so a fast digest is as safe as a slow password hash here and keeps
authentication off the critical path of a credit check.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.api_keys import repository
from shared.db import make_engine, make_sessionmaker
from shared.errors import Unauthenticated
from shared.models.credit_api import ApiKey
from shared.roles import Role

KEY_PREFIX = "cred"


@dataclass(frozen=True)
class Principal:
    key_id: str
    name: str
    role: Role

    @property
    def actor(self) -> str:
        return f"key:{self.name}"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_key(session: AsyncSession, role: Role, name: str) -> str:
    public = secrets.token_hex(4)
    key = f"{KEY_PREFIX}_{public}_{secrets.token_urlsafe(32)}"
    await repository.add(session, ApiKey(name=name, role=role.value, key_prefix=public, key_hash=digest(key)))
    return key


async def create_key_standalone(database_url: str, role: Role, name: str) -> str:
    """For the CLI: one key in its own transaction."""
    engine = make_engine(database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            return await create_key(session, role, name)
    finally:
        await engine.dispose()


async def key_is_active(session: AsyncSession, key: str) -> bool:
    return await repository.find_active_by_hash(session, digest(key)) is not None


class Authenticator:
    """Verifies bearer keys, remembering good ones briefly so hot paths skip the lookup."""

    def __init__(self, ttl_seconds: float) -> None:
        self._ttl = ttl_seconds
        self._cache: dict[str, tuple[float, Principal]] = {}

    async def authenticate(self, session: AsyncSession, key: str | None) -> Principal:
        if not key:
            raise Unauthenticated("send an API key as `Authorization: Bearer <key>`")
        hashed = digest(key)
        cached = self._cache.get(hashed)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        row = await repository.find_active_by_hash(session, hashed)
        if row is None:
            raise Unauthenticated("the API key is unknown or revoked")
        principal = Principal(key_id=str(row.id), name=row.name, role=Role(row.role))
        self._cache[hashed] = (now + self._ttl, principal)
        return principal
