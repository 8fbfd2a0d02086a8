from __future__ import annotations

from services.credit_api.policies.dunning_policies.service import VERSIONS
from services.credit_api.policies.policy_versions.routes import policy_router

router = policy_router(
    "/v1/dunning-policies",
    VERSIONS,
    "The dunning run uses it from its next day on; steps already taken stay taken.",
)
