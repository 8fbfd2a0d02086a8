"""Every change is recorded with who made it, before and after, in the change's own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit import repository
from shared.models.credit_api import AuditEntry

if TYPE_CHECKING:
    # The principal type only: api_keys records its own changes through this module.
    from services.credit_api.kernel.principal import Principal


async def record(
    session: AsyncSession,
    principal: Principal,
    action: str,
    entity_type: str,
    entity_id: str,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    await repository.add(session, _entry(principal, action, entity_type, entity_id, before, after))


async def record_many(
    session: AsyncSession,
    principal: Principal,
    action: str,
    entity_type: str,
    changes: Sequence[tuple[str, dict[str, Any] | None, dict[str, Any] | None]],
) -> None:
    """(entity id, before, after) of many changes of one kind, in one flush."""
    await repository.add_all(
        session, [_entry(principal, action, entity_type, i, before, after) for i, before, after in changes]
    )


def _entry(
    principal: Principal,
    action: str,
    entity_type: str,
    entity_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEntry:
    return AuditEntry(
        actor=principal.actor,
        role=principal.role.value,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
        request_id=structlog.contextvars.get_contextvars().get("request_id"),
    )


async def trail(session: AsyncSession, entity_type: str, entity_id: str, limit: int) -> list[AuditEntry]:
    """The latest changes of one thing, newest first."""
    filters = {"entity_type": entity_type, "entity_id": entity_id}
    return list(await repository.page(session, filters, None, None, limit))
