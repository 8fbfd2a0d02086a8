"""The live alert stream: one poller reads new alert changes for every subscriber (never a query
per subscriber), and each subscriber has a bounded queue. A subscriber that falls a queue behind is
disconnected, and catches up from the table when it reconnects with `Last-Event-ID`."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sse_starlette.sse import EventSourceResponse

from shared.domain.warnings import Level
from shared.models.credit_api import AlertEvent

PAGE = 500
QUEUE = 1000


@dataclass(frozen=True)
class Change:
    id: int
    type: str
    customer_code: str
    level: str
    data: str  # the CloudEvent as JSON, encoded once for every subscriber


@dataclass(eq=False)
class Subscriber:
    min_level: Level
    customer_code: str | None
    queue: asyncio.Queue[Change | None] = field(default_factory=lambda: asyncio.Queue(QUEUE))

    def wants(self, change: Change) -> bool:
        return Level[change.level.upper()] >= self.min_level and self.customer_code in (
            None,
            change.customer_code,
        )


class AlertFeed:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], poll_seconds: float = 0.25) -> None:
        self._sessions = sessions
        self._poll = poll_seconds
        self._subscribers: set[Subscriber] = set()
        self._last: int | None = None

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            changes = await self._read(self._last) if self._last is not None else []
            if self._last is None:
                self._last = await self._latest()
            for change in changes:
                self._last = change.id
                for subscriber in list(self._subscribers):
                    if subscriber.wants(change):
                        self._offer(subscriber, change)
            if len(changes) < PAGE:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._poll)
        for subscriber in list(self._subscribers):
            self._offer(subscriber, None)

    def _offer(self, subscriber: Subscriber, change: Change | None) -> None:
        try:
            subscriber.queue.put_nowait(change)
        except asyncio.QueueFull:
            # Too far behind: end its stream; it resumes from the table with Last-Event-ID.
            self._subscribers.discard(subscriber)
            with contextlib.suppress(asyncio.QueueEmpty):
                subscriber.queue.get_nowait()
            subscriber.queue.put_nowait(None)

    async def _latest(self) -> int:
        async with self._sessions() as session:
            query = select(func.coalesce(func.max(AlertEvent.id), 0))
            return int((await session.execute(query)).scalar_one())

    async def _read(self, after: int, customer_code: str | None = None) -> list[Change]:
        query = select(AlertEvent).where(AlertEvent.id > after).order_by(AlertEvent.id).limit(PAGE)
        if customer_code is not None:
            query = query.where(AlertEvent.customer_code == customer_code)
        async with self._sessions() as session:
            rows = (await session.execute(query)).scalars().all()
        return [Change(r.id, r.type, r.customer_code, r.level, json.dumps(r.payload)) for r in rows]

    async def changes(
        self, min_level: Level, customer_code: str | None, after: int | None
    ) -> AsyncIterator[Change | None]:
        """Everything after `after` in order, then live; each change once. Without `after`, a new
        client: live changes only. First `None`, once the starting point is fixed: every change
        committed from then on will follow."""
        subscriber = Subscriber(min_level, customer_code)
        self._subscribers.add(subscriber)  # first, so nothing between the replay and live is missed
        try:
            seen = await self._latest() if after is None else after  # every change up to here was considered
            yield None
            while rows := await self._read(seen, customer_code):
                for change in rows:
                    seen = change.id
                    if subscriber.wants(change):
                        yield change
            while True:
                live = await subscriber.queue.get()
                if live is None:
                    return
                if live.id > seen:
                    seen = live.id
                    yield live
        finally:
            self._subscribers.discard(subscriber)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)


def event_stream(changes: AsyncIterator[Change | None]) -> EventSourceResponse:
    """Changes as server-sent events (id, event type, the CloudEvent), after a `: subscribed`
    comment once the stream's starting point is fixed (a client that waits for it misses nothing
    committed after), and with a comment every 15 s that keeps proxies from closing an idle stream."""

    async def events() -> AsyncIterator[dict[str, str]]:
        async for change in changes:
            if change is None:
                yield {"comment": "subscribed"}
            else:
                yield {"id": str(change.id), "event": change.type, "data": change.data}

    return EventSourceResponse(events(), ping=15)
