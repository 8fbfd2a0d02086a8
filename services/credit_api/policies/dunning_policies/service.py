"""Dunning policy versions; the daily run uses the active one from its next day on."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.policies.policy_versions.service import Versions
from shared import dunning_policies
from shared.domain.dunning import Policy
from shared.models.credit_api import DunningPolicy

VERSIONS = Versions(
    "dunning policy",
    DunningPolicy,
    dunning_policies.parse,
    dunning_policies.default_document,
    dunning_policies.PolicyIn,
)


async def active(session: AsyncSession) -> Policy:
    chosen = await VERSIONS.active(session)
    return dunning_policies.parse(chosen.document, chosen.version)
