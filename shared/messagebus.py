"""In-process domain events: a command records what happened, and the consequences that other
nouns attach to it run at once, in the command's own transaction.

A command never calls another noun to carry out a consequence; it publishes an event, and the
handlers subscribed to that event's type (or to any of its base types) run in order. So an action
does the same whichever edge called it (a route, a console page, a consumer, the CLI, a job), and a
consequence commits or rolls back with its cause. Each service has one bus, whose subscriptions are
registered in one place (its `handlers.py`) by every process that runs its commands; publishing
before that is a programming error, raised loudly rather than skipped in silence.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

S = TypeVar("S")


@dataclass(frozen=True)
class DomainEvent:
    """Something a command did; `at` is when, as the command saw it."""

    at: datetime


class Bus(Generic[S]):
    """A service's subscriptions; handlers take the session, the service's settings and the event."""

    def __init__(self, registry: str) -> None:
        self._registry = registry
        self._subscriptions: (
            Mapping[type[DomainEvent], Sequence[Callable[[AsyncSession, S, Any], Awaitable[None]]]] | None
        ) = None

    def configure(
        self,
        subscriptions: Mapping[
            type[DomainEvent], Sequence[Callable[[AsyncSession, S, Any], Awaitable[None]]]
        ],
    ) -> None:
        self._subscriptions = subscriptions  # once per process, at start-up

    def handlers_of(
        self, event_type: type[DomainEvent]
    ) -> list[Callable[[AsyncSession, S, Any], Awaitable[None]]]:
        """The handlers of the type and of its bases, the most general first."""
        if self._subscriptions is None:
            raise RuntimeError(f"domain event handlers are not registered: call {self._registry} first")
        return [
            handler for kind in reversed(event_type.__mro__) for handler in self._subscriptions.get(kind, ())
        ]

    async def publish(self, session: AsyncSession, settings: S, *events: DomainEvent) -> None:
        """Run every handler of each event, in the caller's transaction. Handlers may publish in turn."""
        for event in events:
            for handler in self.handlers_of(type(event)):
                await handler(session, settings, event)
