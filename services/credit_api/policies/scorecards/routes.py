from __future__ import annotations

from services.credit_api.policies.policy_versions.routes import policy_router
from services.credit_api.policies.scorecards.service import VERSIONS

router = policy_router(
    "/v1/scorecards",
    VERSIONS,
    "The risk worker reassesses every customer with the new version within seconds; each "
    "assessment records the version that made it.",
)
