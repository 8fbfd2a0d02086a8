"""Scorecard versions; the risk worker reassesses every customer with a newly active one."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.policies.policy_versions.service import Versions
from shared import scorecards
from shared.domain import scorecard as domain
from shared.models.credit_api import Scorecard

VERSIONS = Versions(
    "scorecard", Scorecard, scorecards.parse, scorecards.default_document, scorecards.ScorecardIn
)


async def active_card(session: AsyncSession) -> domain.Scorecard:
    active = await VERSIONS.active(session)
    return scorecards.parse(active.document, active.version)


async def probabilities_of_default(session: AsyncSession) -> tuple[dict[str, Decimal], Decimal]:
    """Each grade's probability of default by the active scorecard, and the one a customer not yet
    graded is given: the riskiest grade's, until the first assessment says otherwise."""
    card = await active_card(session)
    by_grade = {g.grade: g.probability_of_default for g in card.grades}
    return by_grade, max(by_grade.values(), default=Decimal(0))
