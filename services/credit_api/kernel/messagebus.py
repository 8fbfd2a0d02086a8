"""credit_api's domain events (`shared.messagebus`): its subscriptions are registered in one place,
`services/credit_api/handlers.py`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.kernel.settings import ApiSettings
from shared.messagebus import Bus, DomainEvent

__all__ = ["DomainEvent", "Handler", "Subscriptions", "configure", "handlers_of", "publish"]

Handler = Callable[[AsyncSession, ApiSettings, Any], Awaitable[None]]
Subscriptions = Mapping[type[DomainEvent], Sequence[Handler]]

_bus: Bus[ApiSettings] = Bus("handlers.register()")
configure = _bus.configure
handlers_of = _bus.handlers_of
publish = _bus.publish
