"""In-process domain events: a command records what happened, and the consequences that other
nouns attach to it run at once, in the command's own transaction.

A command never calls another noun to carry out a consequence; it publishes an event, and the
handlers subscribed to that event's type (or to any of its base types) run in order. So an action
does the same whichever edge called it (a route, a console page, a consumer, the CLI, a job), and
a consequence commits or rolls back with its cause. Subscriptions are registered in one place,
`services/credit_api/handlers.py`, by every process that runs commands; publishing before that is a
programming error, raised loudly rather than skipped in silence.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.kernel.settings import ApiSettings


@dataclass(frozen=True)
class DomainEvent:
    """Something a command did; `at` is when, as the command saw it."""

    at: datetime


Handler = Callable[[AsyncSession, ApiSettings, Any], Awaitable[None]]
Subscriptions = Mapping[type[DomainEvent], Sequence[Handler]]

_subscriptions: Subscriptions | None = None


def configure(subscriptions: Subscriptions) -> None:
    global _subscriptions  # one registry per process, set once at start-up
    _subscriptions = subscriptions


def handlers_of(event_type: type[DomainEvent]) -> list[Handler]:
    """The handlers of the type and of its bases, the most general first."""
    if _subscriptions is None:
        raise RuntimeError("domain event handlers are not registered: call handlers.register() first")
    return [handler for kind in reversed(event_type.__mro__) for handler in _subscriptions.get(kind, ())]


async def publish(session: AsyncSession, settings: ApiSettings, *events: DomainEvent) -> None:
    """Run every handler of each event, in the caller's transaction. Handlers may publish in turn."""
    for event in events:
        for handler in handlers_of(type(event)):
            await handler(session, settings, event)
