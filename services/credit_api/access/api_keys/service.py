"""API keys: random secrets shown once; only a SHA-256 digest is stored.

A key has 256 bits of entropy, so a fast digest is as safe as a slow password hash here and keeps
authentication off the critical path of a credit check.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.access.api_keys import repository
from services.credit_api.access.api_keys.errors import ApiKeyNotFound, InvalidApiKey
from services.credit_api.access.audit.service import record
from services.credit_api.kernel.principal import Principal
from shared.db import one_transaction
from shared.domain.errors import Unauthenticated
from shared.models.credit_api import ApiKey
from shared.roles import KEY_ROLES, Role

KEY_PREFIX = "cred"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_key(session: AsyncSession, role: Role, name: str) -> str:
    return (await issue(session, role, name))[1]


async def issue(
    session: AsyncSession, role: Role, name: str, expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    """A new key and its secret, which is never stored and never shown again."""
    public = secrets.token_hex(4)
    key = f"{KEY_PREFIX}_{public}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        id=uuid.uuid4(),
        name=name,
        role=role.value,
        key_prefix=public,
        key_hash=digest(key),
        expires_at=expires_at,
    )
    await repository.add(session, row)
    return row, key


async def create(
    session: AsyncSession,
    principal: Principal,
    role: Role,
    name: str,
    now: datetime,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """An API key made by an administrator, recorded in the audit log."""
    if role not in KEY_ROLES:
        raise InvalidApiKey(
            "the customer role is the portal's: no key carries it",
            errors=[{"pointer": "#/role", "detail": "not a role an API key carries"}],
        )
    if expires_at is not None and expires_at <= now:
        raise InvalidApiKey(
            "a key expires in the future", errors=[{"pointer": "#/expires_at", "detail": "not in the future"}]
        )
    row, key = await issue(session, role, name, expires_at)
    await record(
        session,
        principal,
        "api_key.created",
        "api_key",
        str(row.id),
        before=None,
        after={"name": row.name, "role": row.role, "expires_at": _moment(expires_at)},
    )
    return row, key


async def rotate(
    session: AsyncSession, principal: Principal, key_id: uuid.UUID, overlap: timedelta, now: datetime
) -> tuple[ApiKey, str]:
    """A new key of the same name and role; the old one keeps working for `overlap`, so that the
    systems using it can move over without a moment without a key."""
    old = await repository.get(session, key_id)
    if old is None:
        raise ApiKeyNotFound(f"API key {key_id} does not exist")
    if old.revoked_at is not None or (old.expires_at is not None and old.expires_at <= now):
        raise InvalidApiKey(f"API key {key_id} is revoked or expired: create a new one instead")
    ends = now + overlap if old.expires_at is None else min(old.expires_at, now + overlap)
    before = _moment(old.expires_at)
    old.expires_at = ends
    await repository.announce_change(session, old.id)
    row, key = await issue(session, Role(old.role), old.name)
    await record(
        session,
        principal,
        "api_key.rotated",
        "api_key",
        str(old.id),
        before={"expires_at": before},
        after={"expires_at": ends.isoformat(), "replaced_by": str(row.id)},
    )
    return row, key


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


async def revoke(session: AsyncSession, principal: Principal, key_id: uuid.UUID, now: datetime) -> ApiKey:
    row = await repository.get(session, key_id)
    if row is None:
        raise ApiKeyNotFound(f"API key {key_id} does not exist")
    if row.revoked_at is None:
        row.revoked_at = now
        await session.flush()
        await repository.announce_change(session, row.id)
        await record(
            session,
            principal,
            "api_key.revoked",
            "api_key",
            str(row.id),
            before={"revoked_at": None},
            after={"revoked_at": now.isoformat()},
        )
    return row


async def listing(session: AsyncSession) -> Sequence[ApiKey]:
    return await repository.all_keys(session)


async def create_key_standalone(database_url: str, role: Role, name: str) -> str:
    """For the CLI: one key in its own transaction."""
    async with one_transaction(database_url) as session:
        return await create_key(session, role, name)


async def key_is_active(session: AsyncSession, key: str) -> bool:
    return await repository.use_by_hash(session, digest(key), datetime.now(UTC)) is not None


class RateLimiter:
    """A token bucket per API key in this process: `rate` requests a second on average, `burst` at
    once. A runaway caller is slowed with 429s before it takes the others' capacity."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def wait(self, key_id: str) -> float:
        """0 when the request may go ahead (and is counted); else the seconds until it could."""
        now = self._clock()
        tokens, then = self._buckets.get(key_id, (self._burst, now))
        tokens = min(self._burst, tokens + (now - then) * self._rate)
        if tokens >= 1:
            self._buckets[key_id] = (tokens - 1, now)
            return 0.0
        self._buckets[key_id] = (tokens, now)
        return (1 - tokens) / self._rate


class Authenticator:
    """Verifies bearer keys, remembering good ones briefly so hot paths skip the lookup.

    A key revoked or rotated on any process is forgotten by every process as its transaction
    commits: each follows the changes (PostgreSQL LISTEN/NOTIFY) and remembers nothing while it is
    not following them, so a revocation never waits for `ttl_seconds`.

    The requests of one key that find it not remembered at once (all of an order system's, each
    time its key is due again) share one lookup: one after another, each would wait for the one
    before to release the key's row it marks as used.
    """

    def __init__(self, ttl_seconds: float) -> None:
        self._ttl = ttl_seconds
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._following = False
        self._looking: dict[str, asyncio.Task[Principal]] = {}
        self._forgotten = 0  # how many times keys were forgotten

    @property
    def following(self) -> bool:
        return self._following

    async def follow(self, database_url: str, stop: asyncio.Event) -> None:
        """Listens for key changes until `stop`; raises when the connection is lost, to be
        restarted by its supervisor."""
        connection = await asyncpg.connect(database_url, timeout=5)
        try:
            await connection.add_listener(repository.CHANGED, lambda *args: self.forget(str(args[3])))
            self._forgotten += 1
            self._cache.clear()  # what changed before the listener started is not known
            self._following = True
            while not stop.is_set():
                # A partition shows no closed socket: a round trip proves the listener still hears.
                await asyncio.wait_for(connection.execute("SELECT 1"), 5)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 5)
        finally:
            self._following = False
            self._cache.clear()
            connection.terminate()

    async def authenticate(self, sessions: async_sessionmaker[AsyncSession], key: str | None) -> Principal:
        """A key not remembered is looked up in a short transaction of its own: a request never
        holds a connection for its caller's identity while it waits for something else."""
        if not key:
            raise Unauthenticated("send an API key as `Authorization: Bearer <key>`")
        hashed = digest(key)
        cached = self._cache.get(hashed)
        now = time.monotonic()
        if cached is not None and cached[0] > now and self._following:
            return cached[1]
        looking = self._looking.get(hashed)
        if looking is None:
            # A task of its own: a caller that gives up does not take the others' answer with it.
            looking = self._looking[hashed] = asyncio.create_task(self._look_up(sessions, hashed))
            looking.add_done_callback(lambda _: self._looking.pop(hashed, None))
        return await asyncio.shield(looking)

    async def _look_up(self, sessions: async_sessionmaker[AsyncSession], hashed: str) -> Principal:
        now, wall, forgotten = time.monotonic(), datetime.now(UTC), self._forgotten
        async with sessions() as session, session.begin():
            row = await repository.use_by_hash(session, hashed, wall)
        if row is None:
            raise Unauthenticated("the API key is unknown, revoked or expired")
        principal = Principal(key_id=str(row.id), name=row.name, role=Role(row.role))
        # Remembered no longer than the key lives, and only while changes are followed.
        left = self._ttl if row.expires_at is None else (row.expires_at - wall).total_seconds()
        # A key forgotten while it was being looked up may be the one just revoked: not remembered.
        if self._following and forgotten == self._forgotten:
            self._cache[hashed] = (now + min(self._ttl, left), principal)
        return principal

    def forget(self, key_id: str) -> None:
        self._forgotten += 1
        self._cache = {h: entry for h, entry in self._cache.items() if entry[1].key_id != key_id}
