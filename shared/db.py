"""Async engine and session factory over asyncpg."""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from asyncpg import exceptions as pg
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

# The server going away: shut down by an operator, crashed, or still starting up.
_GONE = pg.AdminShutdownError | pg.CrashShutdownError | pg.CannotConnectNowError | pg.PostgresConnectionError


def is_outage(exc: BaseException) -> bool:
    """Whether the error says the database cannot be reached now (so: try again later), as opposed
    to a statement it refused. Walks the chain of causes, as drivers and SQLAlchemy wrap them."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        if isinstance(seen, PoolTimeout | OSError | _GONE):
            return True
        # A connection left mid-protocol by a server that vanished: it can only be thrown away.
        if type(seen) in (pg.InternalClientError, pg.ProtocolError):
            return True
        if isinstance(seen, pg.InterfaceError) and "connection is closed" in str(seen):
            return True
        seen = seen.__cause__
    return False


def _drop_dead_connections(context: ExceptionContext) -> None:
    # SQLAlchemy's asyncpg dialect only counts a closed socket as a disconnect; a server shutting
    # down, or a connection stuck mid-protocol, must also leave the pool, with its siblings of
    # the same age, so the next checkout connects afresh.
    if not context.is_disconnect and is_outage(context.original_exception):
        context.is_disconnect = True


def async_url(database_url: str) -> str:
    """Accept the libpq form people already use (`postgresql://…`) and pick the asyncpg driver."""
    url = make_url(database_url)
    return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def make_engine(
    database_url: str,
    *,
    pool_size: int = 10,
    pre_ping: bool = True,
    pool_timeout: float = 30.0,
    pool_recycle: float = -1,
) -> AsyncEngine:
    """`pre_ping`: a round trip on every checkout to find connections the server closed; without
    it, the first use of such a connection fails (and the pool drops the others of its age)."""
    engine = create_async_engine(
        async_url(database_url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=pre_ping,
        pool_timeout=pool_timeout,
        pool_recycle=pool_recycle,
        # JIT compiling costs more than it saves on these queries: the reports' scans of a million
        # items ran 1.8 s with it and 1.1 s without (bench/reports.py).
        connect_args={"server_settings": {"application_name": "credence", "jit": "off"}},
    )
    event.listen(engine.sync_engine, "handle_error", _drop_dead_connections)
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def driver(session: AsyncSession) -> Any:
    """The asyncpg connection under the session, inside the session's transaction. For the hot
    paths (credit checks, the ledger's batches), where the ORM's per-statement cost is most of the
    time."""
    transaction = session.get_transaction()
    known = session.info.get("driver")
    if transaction is not None and known is not None and known[0]() is transaction:
        return known[1]  # asked for again in the same transaction: no greenlet round trip
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    adapter: Any = raw.dbapi_connection
    # SQLAlchemy's asyncpg adapter sends BEGIN lazily, with its own first statement: a statement
    # sent straight to asyncpg before that would run outside the transaction and commit on its own.
    if adapter._transaction is None:
        try:
            await adapter._start_transaction()
        except adapter.dbapi.Error as exc:
            # Raised past SQLAlchemy's own execution: do what it would do, drop a dead connection
            # from the pool and raise its error type, so callers handle one kind of failure.
            outage = is_outage(exc)
            if outage:
                await connection.invalidate(exc)
            raise DBAPIError.instance(
                "BEGIN", None, exc, adapter.dbapi.Error, connection_invalidated=outage
            ) from exc
    # The transaction by weak reference: a strong one from the session's own `info` made the session,
    # its transaction and connection a cycle (47 objects) that only the cyclic collector freed, in
    # pauses of 15-50 ms every few seconds under load.
    session.info["driver"] = (weakref.ref(session.get_transaction()), raw.driver_connection)
    return raw.driver_connection


@asynccontextmanager
async def one_transaction(database_url: str) -> AsyncIterator[AsyncSession]:
    """A session in one transaction on a connection of its own, for commands run once (the CLI)."""
    engine = make_engine(database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            yield session
    finally:
        await engine.dispose()
