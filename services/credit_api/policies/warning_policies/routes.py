from __future__ import annotations

from services.credit_api.policies.policy_versions.routes import policy_router
from services.credit_api.policies.warning_policies.service import VERSIONS

router = policy_router(
    "/v1/warning-policies",
    VERSIONS,
    "Customers are evaluated with it from their next evaluation on (their next events, a change of "
    "their credit file, or the daily run).",
)
