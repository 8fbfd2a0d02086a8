"""Scorecard versions: uploaded by an admin, checked in full, then active. The risk worker sees the
new active version within seconds and reassesses every customer with it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.api_keys.service import Principal
from services.credit_api.audit.service import record
from services.credit_api.scorecards import repository
from services.credit_api.scorecards.errors import ScorecardNotFound, ScorecardVersionTaken
from services.credit_api.scorecards.schemas import ScorecardOut
from shared import scorecards
from shared.domain.errors import InvalidInput
from shared.models.credit_api import Scorecard


async def put(
    session: AsyncSession, principal: Principal, version: str, document: dict[str, Any], now: datetime
) -> tuple[ScorecardOut, bool]:
    """Store and activate; True when the version is new. The same document again only activates it."""
    if version == scorecards.DEFAULT_VERSION:
        raise InvalidInput("`default` is the shipped configuration; upload it under a name of your own")
    scorecards.parse(document, version)
    card = await repository.get(session, version)
    if card is not None and card.document != document:
        raise ScorecardVersionTaken(
            f"scorecard {version} already holds another configuration: versions never change, name a new one",
            version=version,
        )
    created = card is None
    if card is None:
        card = Scorecard(version=version, document=document, created_by=principal.actor, created_at=now)
    await repository.activate(session, card, now)
    await record(
        session,
        principal,
        "scorecard.activated",
        "scorecard",
        version,
        before=None,
        after={"version": version, "new": created},
    )
    return _view(card), created


async def get(session: AsyncSession, version: str) -> ScorecardOut:
    if version == scorecards.DEFAULT_VERSION:
        return await _default(session)
    card = await repository.get(session, version)
    if card is None:
        raise ScorecardNotFound(f"scorecard {version} does not exist", version=version)
    return _view(card)


async def active(session: AsyncSession) -> ScorecardOut:
    for card in await repository.listing(session):
        if card.active:
            return _view(card)
    return await _default(session)


async def listing(session: AsyncSession) -> list[ScorecardOut]:
    return [*(_view(c) for c in await repository.listing(session)), await _default(session)]


async def _default(session: AsyncSession) -> ScorecardOut:
    uploaded_active = any(c.active for c in await repository.listing(session))
    return ScorecardOut(
        version=scorecards.DEFAULT_VERSION,
        active=not uploaded_active,
        created_by=None,
        created_at=None,
        activated_at=None,
        document=scorecards.default_document(),
    )


def _view(card: Scorecard) -> ScorecardOut:
    return ScorecardOut(
        version=card.version,
        active=card.active,
        created_by=card.created_by,
        created_at=card.created_at,
        activated_at=card.activated_at,
        document=card.document,
    )
