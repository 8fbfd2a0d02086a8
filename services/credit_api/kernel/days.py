"""Daily runs (dunning, statements) for every business day missed, each day in a transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

R = TypeVar("R")


async def catch_up(
    sessions: async_sessionmaker[AsyncSession],
    today: date,
    run: Callable[[AsyncSession, date], Awaitable[R]],
    last_run: Callable[[AsyncSession], Awaitable[date | None]],
    *,
    first: date | None = None,
    done: Callable[[R, int, int], None] | None = None,
) -> list[R]:
    """`run` for every day from `first` (default: the one after `last_run`) through `today`, each
    in its own transaction, so a day missed during an outage is done before the next and a run
    killed half-way keeps the days it finished; the first run ever starts today. `done(result, n,
    of)` hears of each day as it is finished."""
    if first is None:
        async with sessions() as session:
            last = await last_run(session)
        first = today if last is None else last + timedelta(days=1)
    days = [first + timedelta(days=n) for n in range((today - first).days + 1)]
    results: list[R] = []
    for n, day in enumerate(days, 1):
        async with sessions() as session, session.begin():
            results.append(await run(session, day))
        if done is not None:
            done(results[-1], n, len(days))
    return results
